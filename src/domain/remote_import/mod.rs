//! `pleroma-gateway import FILE`: remote actors, their statuses, follows and reports, loaded
//! from a JSON document without a network (the README documents the format).
//!
//! Every entry is keyed by its ActivityPub id: importing the same file twice changes nothing
//! the second time (rows are upserted by `ap_id`, follows are inserted or ignored, a report's
//! statuses are replaced). A file is checked whole before anything is written, and written in
//! one transaction: any bad entry refuses the file with an error naming it
//! (`statuses[3]: unknown actor https://…`) and nothing is written.
//!
//! Before that, every entry passes the moderation policies (`mrf`), as a federated activity
//! does: what they refuse is left out (logged, counted in [`ImportReport::rejected`]) together
//!
//! The parts: [`model`] (the document's entries and the report), [`screen`] (the moderation
//! policies' pass), [`rows`] (lookups and the rows an entry becomes) and [`write`] (the check and
//! the one transaction).
mod model;
mod rows;
mod screen;
mod write;

pub use model::{Actor, Document, Follow, ImportReport, Report, Status};
pub use rows::sanitize;
pub use write::import;

use crate::error::AppError;

/// Parse a document; the error names the line and column.
pub fn parse(text: &str) -> Result<Document, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::BadRequest(format!("invalid import document: {e}")))
}
