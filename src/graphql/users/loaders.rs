//! Batched reads of what hangs off a user: tags, the user by id, follow counts. Each loader skips
//! the query when it is given no keys.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::user;

use crate::{
    domain,
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: the tags of a user (by user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagsOf(pub String);

/// Key: a user by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserById(pub String);

/// Key: `(followers, following)` of a user (by user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FollowCountsOf(pub String);

fn ids<K>(keys: &[K], id: impl Fn(&K) -> &String) -> Vec<String> {
    keys.iter().map(|k| id(k).clone()).collect()
}

impl Loader<TagsOf> for DbLoader {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[TagsOf]) -> Result<HashMap<TagsOf, Vec<String>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let mut tags = domain::users::tags_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), tags.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<UserById> for DbLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[UserById]) -> Result<HashMap<UserById, user::Model>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let users = domain::users::by_ids(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(users.into_iter().map(|u| (UserById(u.id.clone()), u)).collect())
    }
}

impl Loader<FollowCountsOf> for DbLoader {
    type Value = (u64, u64);
    type Error = LoadError;

    async fn load(&self, keys: &[FollowCountsOf]) -> Result<HashMap<FollowCountsOf, (u64, u64)>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let counts = domain::users::follow_counts_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(counts.into_iter().map(|(id, n)| (FollowCountsOf(id), n)).collect())
    }
}
