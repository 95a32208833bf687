//! Batched reads of what hangs off a report: its statuses (live, or the copy kept when the
//! report was filed) and its notes. Each loader skips the query when it is given no keys.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::report_note;

use crate::{
    domain::reports::{self, ReportedStatus},
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: the statuses a report cites (by report id), in the reporter's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusesOfReport(pub String);

/// Key: the notes of a report (by report id), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotesOfReport(pub String);

fn ids<K>(keys: &[K], id: impl Fn(&K) -> &String) -> Vec<String> {
    keys.iter().map(|k| id(k).clone()).collect()
}

impl Loader<StatusesOfReport> for DbLoader {
    type Value = Vec<ReportedStatus>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[StatusesOfReport],
    ) -> Result<HashMap<StatusesOfReport, Vec<ReportedStatus>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = reports::statuses_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<NotesOfReport> for DbLoader {
    type Value = Vec<report_note::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[NotesOfReport]) -> Result<HashMap<NotesOfReport, Vec<report_note::Model>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = reports::notes_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}
