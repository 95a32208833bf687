//! The Admin API's OAuth apps (Pleroma's `App.search`, `create`, `update`, `destroy`). Client
//! secrets are stored as digests, so the secret is known only when an app is created. Pleroma
//! does not write app changes to the moderation log.
use std::collections::BTreeMap;

use entity::{oauth_app, oauth_token};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::oauth::{create_app, NewApp};
use crate::{
    db::Db,
    error::{AppError, AppResult},
};

/// Which apps to list (criteria combine; each is an exact match).
#[derive(Debug, Clone, Default)]
pub struct AppSearch {
    pub client_name: Option<String>,
    pub client_id: Option<String>,
    pub trusted: Option<bool>,
}

impl AppSearch {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(name) = &self.client_name {
            c = c.add(oauth_app::Column::ClientName.eq(name.clone()));
        }
        if let Some(id) = &self.client_id {
            c = c.add(oauth_app::Column::ClientId.eq(id.clone()));
        }
        if let Some(trusted) = self.trusted {
            c = c.add(oauth_app::Column::Trusted.eq(trusted));
        }
        c
    }

    /// One page, oldest first.
    pub async fn page<C: ConnectionTrait>(
        &self,
        conn: &C,
        offset: u64,
        limit: u64,
    ) -> AppResult<Vec<oauth_app::Model>> {
        Ok(oauth_app::Entity::find()
            .filter(self.condition())
            .order_by_asc(oauth_app::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(conn)
            .await?)
    }

    /// How many apps match.
    pub async fn count<C: ConnectionTrait>(&self, conn: &C) -> AppResult<u64> {
        Ok(oauth_app::Entity::find().filter(self.condition()).count(conn).await?)
    }
}

/// How many apps there are in all.
pub async fn count_all<C: ConnectionTrait>(conn: &C) -> AppResult<u64> {
    Ok(oauth_app::Entity::find().count(conn).await?)
}

/// An app's fields as the Admin API sends them; `None` keeps a field on update.
#[derive(Debug, Clone, Default)]
pub struct AppFields {
    pub name: Option<String>,
    pub redirect_uris: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub website: Option<String>,
    pub trusted: Option<bool>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Create an app (Pleroma's `register_changeset`: name and redirect URIs required, each failure
/// as `VALIDATION_FAILED` field → `can't be blank`; `scopes` is required too, but the `App`
/// schema's default `[]` is not blank to Ecto, so no scopes is an app with none). Returns the
/// row and its secret.
pub async fn create(db: &Db, fields: &AppFields) -> AppResult<(oauth_app::Model, String)> {
    let mut errors = BTreeMap::new();
    if blank(&fields.name) {
        errors.insert("name".to_string(), "can't be blank".to_string());
    }
    if blank(&fields.redirect_uris) {
        errors.insert("redirect_uris".to_string(), "can't be blank".to_string());
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = db.begin().await?;
    let new = NewApp {
        client_name: fields.name.clone().unwrap_or_default(),
        redirect_uris: fields.redirect_uris.clone().unwrap_or_default(),
        scopes: fields.scopes.clone().unwrap_or_default(),
        website: fields.website.clone(),
        user_id: None,
    };
    let (row, secret) = create_app(&txn, new).await?;
    let row = if fields.trusted == Some(true) {
        let mut active: oauth_app::ActiveModel = row.into();
        active.trusted = Set(true);
        active.update(&txn).await?
    } else {
        row
    };
    txn.commit().await?;
    Ok((row, secret))
}

/// Change an app. An unknown id is `NOT_FOUND`.
pub async fn update<C: ConnectionTrait>(conn: &C, id: i64, fields: &AppFields) -> AppResult<oauth_app::Model> {
    let found = oauth_app::Entity::find_by_id(id).one(conn).await?.ok_or_else(AppError::not_found)?;
    let mut row: oauth_app::ActiveModel = found.into();
    if let Some(name) = &fields.name {
        row.client_name = Set(name.clone());
    }
    if let Some(uris) = &fields.redirect_uris {
        row.redirect_uris = Set(uris.clone());
    }
    if let Some(scopes) = &fields.scopes {
        row.scopes = Set(scopes.join(" "));
    }
    if let Some(website) = &fields.website {
        row.website = Set(Some(website.clone()).filter(|w| !w.is_empty()));
    }
    if let Some(trusted) = fields.trusted {
        row.trusted = Set(trusted);
    }
    Ok(row.update(conn).await?)
}

/// Delete an app and its tokens. An unknown id is `NOT_FOUND`.
pub async fn delete(db: &Db, id: i64) -> AppResult<oauth_app::Model> {
    let txn = db.begin().await?;
    let found = oauth_app::Entity::find_by_id(id).one(&txn).await?.ok_or_else(AppError::not_found)?;
    oauth_token::Entity::delete_many().filter(oauth_token::Column::AppId.eq(id)).exec(&txn).await?;
    oauth_app::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(found)
}
