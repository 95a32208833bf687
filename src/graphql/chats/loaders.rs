//! Batched reads of what a page of chats shows: each chat's newest message and unread count, and
//! the uploads messages carry. Each loader skips the query when it is given no keys.
use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::media_attachment;

use crate::{
    domain::chats::{self as domain, ChatEntry},
    graphql::loaders::{DbLoader, LoadError},
};

/// Key: the newest message of a chat (by chat id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LastMessageOf(pub String);

/// Key: how many messages of a chat its owner has not read (by chat id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnreadOf(pub String);

/// Key: a message reference by id, with its message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatEntryByRef(pub String);

/// Key: an upload by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaById(pub String);

fn ids<K>(keys: &[K], id: impl Fn(&K) -> &String) -> Vec<String> {
    keys.iter().map(|k| id(k).clone()).collect()
}

impl Loader<LastMessageOf> for DbLoader {
    type Value = ChatEntry;
    type Error = LoadError;

    async fn load(&self, keys: &[LastMessageOf]) -> Result<HashMap<LastMessageOf, ChatEntry>, LoadError> {
        let last = domain::last_messages(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(last.into_iter().map(|(id, entry)| (LastMessageOf(id), entry)).collect())
    }
}

impl Loader<UnreadOf> for DbLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[UnreadOf]) -> Result<HashMap<UnreadOf, u64>, LoadError> {
        let mut counts = domain::unread_counts(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), counts.remove(&k.0).unwrap_or(0))).collect())
    }
}

impl Loader<MediaById> for DbLoader {
    type Value = media_attachment::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[MediaById]) -> Result<HashMap<MediaById, media_attachment::Model>, LoadError> {
        let rows = domain::media(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (MediaById(m.id.clone()), m)).collect())
    }
}

impl Loader<ChatEntryByRef> for DbLoader {
    type Value = ChatEntry;
    type Error = LoadError;

    async fn load(&self, keys: &[ChatEntryByRef]) -> Result<HashMap<ChatEntryByRef, ChatEntry>, LoadError> {
        let rows = domain::entries(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|e| (ChatEntryByRef(e.reference.id.clone()), e)).collect())
    }
}
