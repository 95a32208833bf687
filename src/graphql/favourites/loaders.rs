//! Batched reads for rendering statuses: favourite counts, whether the caller favourited, the
//! reactions, and the accounts the caller blocks and mutes. Each skips the query when given no
//! keys.
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::dataloader::Loader;

use crate::{
    domain::favourites::{self as domain, ReactionGroup},
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: how many favourited a status (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FavouriteCountOf(pub String);

/// Key: whether `viewer` (`.0`) favourited the status `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FavouritedBy(pub String, pub String);

/// Key: the reactions to a status (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReactionsOf(pub String);

/// Key: `(blocked, muted)` accounts of a viewer (by viewer id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HiddenBy(pub String);

impl Loader<FavouriteCountOf> for DbLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[FavouriteCountOf]) -> Result<HashMap<FavouriteCountOf, u64>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = domain::counts_of(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.get(&k.0).copied().unwrap_or(0))).collect())
    }
}

impl Loader<FavouritedBy> for DbLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[FavouritedBy]) -> Result<HashMap<FavouritedBy, bool>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let found = domain::favourited_by(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let yes = found.contains(&id);
                out.insert(FavouritedBy(viewer.to_string(), id), yes);
            }
        }
        Ok(out)
    }
}

impl Loader<ReactionsOf> for DbLoader {
    type Value = Vec<ReactionGroup>;
    type Error = LoadError;

    async fn load(&self, keys: &[ReactionsOf]) -> Result<HashMap<ReactionsOf, Vec<ReactionGroup>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::reactions_of(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<HiddenBy> for DbLoader {
    type Value = (HashSet<String>, HashSet<String>);
    type Error = LoadError;

    async fn load(&self, keys: &[HiddenBy]) -> Result<HashMap<HiddenBy, Self::Value>, LoadError> {
        let mut out = HashMap::new();
        for key in keys {
            let found = domain::blocks_and_mutes(&self.db.read, &key.0).await.map_err(Arc::new)?;
            out.insert(key.clone(), found);
        }
        Ok(out)
    }
}
