//! Batched reads of what a page of statuses shows of their events: the event record of each
//! status, the participants and pending requests counted per event, and the viewer's own
//! participation state. Each loader skips the query when it is given no keys.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::event;

use crate::{
    domain::events as domain,
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: the event record of a status (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventOf(pub String);

/// Key: accepted participants of an event (by event id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParticipantsCountOf(pub String);

/// Key: pending participation requests of an event (by event id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestsCountOf(pub String);

/// Key: the participation state of viewer `.0` in event `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinStateOf(pub String, pub String);

// `None` for a status that is no event: cached too, so a page's prefetch answers every key.
impl Loader<EventOf> for DbLoader {
    type Value = Option<event::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[EventOf]) -> Result<HashMap<EventOf, Option<event::Model>>, LoadError> {
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let rows = domain::records(&self.db.read, &ids).await.map_err(Arc::new)?;
        let mut found: HashMap<String, event::Model> = rows.into_iter().map(|e| (e.status_id.clone(), e)).collect();
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0))).collect())
    }
}

async fn counts(loader: &DbLoader, ids: Vec<String>, state: &str) -> Result<HashMap<String, u64>, LoadError> {
    let mut found = domain::counts(&loader.db.read, &ids, state).await.map_err(Arc::new)?;
    Ok(ids
        .into_iter()
        .map(|id| {
            let n = found.remove(&id).unwrap_or(0);
            (id, n)
        })
        .collect())
}

impl Loader<ParticipantsCountOf> for DbLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[ParticipantsCountOf]) -> Result<HashMap<ParticipantsCountOf, u64>, LoadError> {
        let ids = keys.iter().map(|k| k.0.clone()).collect();
        Ok(counts(self, ids, "accept").await?.into_iter().map(|(id, n)| (ParticipantsCountOf(id), n)).collect())
    }
}

impl Loader<RequestsCountOf> for DbLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[RequestsCountOf]) -> Result<HashMap<RequestsCountOf, u64>, LoadError> {
        let ids = keys.iter().map(|k| k.0.clone()).collect();
        Ok(counts(self, ids, "pending").await?.into_iter().map(|(id, n)| (RequestsCountOf(id), n)).collect())
    }
}

// `None` when the viewer has no participation (cached too, as for `EventOf`).
impl Loader<JoinStateOf> for DbLoader {
    type Value = Option<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[JoinStateOf]) -> Result<HashMap<JoinStateOf, Option<String>>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let mut states = domain::states_of(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            out.extend(ids.into_iter().map(|id| {
                let state = states.remove(&id);
                (JoinStateOf(viewer.to_string(), id), state)
            }));
        }
        Ok(out)
    }
}
