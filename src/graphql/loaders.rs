//! The request's DataLoader: every related read is batched into one query per kind per request.
//! Each area implements `Loader<Key>` for [`DbLoader`] beside its types (`<area>/loaders.rs`).
use std::sync::Arc;

use crate::{db::Db, error::AppError};

/// Loads related rows for a request.
pub struct DbLoader {
    pub db: Db,
}

/// A loader's failure: the typed error, shared by every key of the batch that failed.
pub type LoadError = Arc<AppError>;
