//! DataLoaders: every related read is batched into one query per kind per request.
use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::user;

use crate::{db::Db, domain};

/// Loads related rows for a request.
pub struct DbLoader {
    pub db: Db,
}

/// Key: the tags of a user (by user id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagsOf(pub String);

/// Key: a user by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserById(pub String);

impl Loader<TagsOf> for DbLoader {
    type Value = Vec<String>;
    type Error = String;

    async fn load(&self, keys: &[TagsOf]) -> Result<HashMap<TagsOf, Vec<String>>, String> {
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut tags = domain::users::tags_of(&self.db.read, &ids).await.map_err(|e| e.to_string())?;
        Ok(keys.iter().map(|k| (k.clone(), tags.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<UserById> for DbLoader {
    type Value = user::Model;
    type Error = String;

    async fn load(&self, keys: &[UserById]) -> Result<HashMap<UserById, user::Model>, String> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let users = domain::users::by_ids(&self.db.read, &ids).await.map_err(|e| e.to_string())?;
        Ok(users.into_iter().map(|u| (UserById(u.id.clone()), u)).collect())
    }
}
