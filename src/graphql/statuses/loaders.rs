//! Batched reads of what hangs off a status: the status by id, its mentions, media, counters,
//! whether the caller reblogged or may see it, and the post counts of authors. Each loader skips
//! the query when it is given no keys.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::{media_attachment, status, user};

use crate::{
    domain::statuses::{self as domain, AuthorStats, Counts},
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: a status by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusById(pub String);

/// Key: the users a status mentions (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MentionsOf(pub String);

/// Key: the media attached to a status (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaOf(pub String);

/// Key: replies, reblogs and quotes of a status (by status id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountsOf(pub String);

/// Key: whether `viewer` (`.0`) reblogged the status `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RebloggedBy(pub String, pub String);

/// Key: whether `viewer` (`.0`) mutes the author `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MutedBy(pub String, pub String);

impl Loader<MutedBy> for DbLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[MutedBy]) -> Result<HashMap<MutedBy, bool>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let found = domain::muted_by(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let yes = found.contains(&id);
                out.insert(MutedBy(viewer.to_string(), id), yes);
            }
        }
        Ok(out)
    }
}

/// Key: whether `viewer` (`.0`, `None` for anonymous) may see the status `.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VisibleTo(pub Option<String>, pub String);

/// Key: the post count and last post time of a user (by user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthorStatsOf(pub String);

impl Loader<StatusById> for DbLoader {
    type Value = status::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[StatusById]) -> Result<HashMap<StatusById, status::Model>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let rows = domain::by_ids(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|s| (StatusById(s.id.clone()), s)).collect())
    }
}

impl Loader<MentionsOf> for DbLoader {
    type Value = Vec<user::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[MentionsOf]) -> Result<HashMap<MentionsOf, Vec<user::Model>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::mentioned_users(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<MediaOf> for DbLoader {
    type Value = Vec<media_attachment::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[MediaOf]) -> Result<HashMap<MediaOf, Vec<media_attachment::Model>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found = domain::media_of(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<CountsOf> for DbLoader {
    type Value = Counts;
    type Error = LoadError;

    async fn load(&self, keys: &[CountsOf]) -> Result<HashMap<CountsOf, Counts>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = domain::counts_of(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.get(&k.0).copied().unwrap_or_default())).collect())
    }
}

impl Loader<RebloggedBy> for DbLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[RebloggedBy]) -> Result<HashMap<RebloggedBy, bool>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let found = domain::reblogged_by(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let yes = found.contains(&id);
                out.insert(RebloggedBy(viewer.to_string(), id), yes);
            }
        }
        Ok(out)
    }
}

impl Loader<VisibleTo> for DbLoader {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[VisibleTo]) -> Result<HashMap<VisibleTo, bool>, LoadError> {
        let mut by_viewer: HashMap<Option<&str>, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_deref()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let found = domain::visible_ids(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let yes = found.contains(&id);
                out.insert(VisibleTo(viewer.map(String::from), id), yes);
            }
        }
        Ok(out)
    }
}

impl Loader<AuthorStatsOf> for DbLoader {
    type Value = AuthorStats;
    type Error = LoadError;

    async fn load(&self, keys: &[AuthorStatsOf]) -> Result<HashMap<AuthorStatsOf, AuthorStats>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let found = domain::author_stats(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.get(&k.0).copied().unwrap_or_default())).collect())
    }
}
