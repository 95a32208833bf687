//! OAuth apps as admins manage them: the list, creation, changes (`trusted`), deletion.
use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Object, SimpleObject,
};
use entity::oauth_app;

use super::{pagination::Window, ContextExt, FieldRule};
use crate::{
    auth::Access,
    domain::oauth_apps::{self as domain, AppFields, AppSearch},
    error::AppError,
};

/// Pleroma guards even the list with `admin:write`.
const WRITE: &[&str] = &["admin:write"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "oauthApps", Access::Admin(WRITE)),
    ("Mutation", "createOAuthApp", Access::Admin(WRITE)),
    ("Mutation", "updateOAuthApp", Access::Admin(WRITE)),
    ("Mutation", "deleteOAuthApp", Access::Admin(WRITE)),
    // Pleroma's `PleromaAPI.AppController.index`: either scope.
    ("Query", "ownApps", Access::User(&["follow", "read"])),
];

/// The apps the caller owns.
#[derive(Default)]
pub struct OwnAppsQuery;

#[Object]
impl OwnAppsQuery {
    /// The apps the caller created or signed in to (Pleroma's `App.get_user_apps`), oldest
    /// first. Secrets are not shown: only their digests are kept.
    async fn own_apps(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OAuthApp>> {
        let user = ctx.viewer().require_user()?;
        let rows = crate::domain::oauth::user_apps(&ctx.db().read, &user.id).await?;
        Ok(rows.into_iter().map(|row| OAuthApp { row, secret: None }).collect())
    }
}

/// A registered OAuth client.
pub struct OAuthApp {
    pub row: oauth_app::Model,
    /// Known only when the app is created (only its digest is stored).
    pub secret: Option<String>,
}

/// A registered OAuth client.
#[Object]
impl OAuthApp {
    /// App id.
    async fn id(&self) -> i64 {
        self.row.id
    }
    /// The client's name.
    async fn name(&self) -> &str {
        &self.row.client_name
    }
    /// The client id.
    async fn client_id(&self) -> &str {
        &self.row.client_id
    }
    /// The client secret: shown once, when the app is created (`null` afterwards, as only
    /// its digest is kept).
    async fn client_secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }
    /// Redirect URIs, space-separated.
    async fn redirect_uri(&self) -> &str {
        &self.row.redirect_uris
    }
    /// The client's website.
    async fn website(&self) -> Option<&str> {
        self.row.website.as_deref()
    }
    /// The scopes the app may ask for.
    async fn scopes(&self) -> Vec<String> {
        crate::auth::scopes::parse(&self.row.scopes)
    }
    /// Whether the app is trusted (an authorization-code flow would skip the consent prompt).
    async fn trusted(&self) -> bool {
        self.row.trusted
    }
}

/// Extra fields of the app list.
#[derive(SimpleObject)]
pub struct OAuthAppListMeta {
    /// How many apps match the filter.
    pub total_count: u64,
    /// How many apps there are in all (Pleroma's `count`, which ignores the filter).
    pub all_count: u64,
    /// The page size used.
    pub page_size: u64,
}

/// A page of OAuth apps, with the counts.
pub type OAuthAppConnection = Connection<OpaqueCursor<u64>, OAuthApp, OAuthAppListMeta, EmptyFields>;

/// Which apps to list; each criterion is an exact match.
#[derive(InputObject, Default)]
pub struct OAuthAppFilter {
    /// The client name.
    pub name: Option<String>,
    /// The client id.
    pub client_id: Option<String>,
    /// Trusted or untrusted apps only.
    pub trusted: Option<bool>,
}

/// OAuth app reads.
#[derive(Default)]
pub struct OAuthAppsQuery;

#[Object]
impl OAuthAppsQuery {
    /// OAuth apps, oldest first. Page with `first`/`after`, or `page`/`pageSize` (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn oauth_apps(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which applications to list.")] filter: Option<OAuthAppFilter>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<OAuthAppConnection> {
        let window = Window::resolve(first, after, page, page_size, 50)?;
        let filter = filter.unwrap_or_default();
        let search = AppSearch { client_name: filter.name, client_id: filter.client_id, trusted: filter.trusted };
        let db = &ctx.db().read;
        let (rows, total, all) =
            tokio::try_join!(search.page(db, window.offset, window.limit), search.count(db), domain::count_all(db))?;
        let end = window.offset + rows.len() as u64;
        let mut connection = Connection::with_additional_fields(
            window.offset > 0,
            end < total,
            OAuthAppListMeta { total_count: total, all_count: all, page_size: window.limit },
        );
        connection.edges.extend(rows.into_iter().enumerate().map(|(i, row)| {
            async_graphql::connection::Edge::new(OpaqueCursor(window.offset + i as u64), OAuthApp { row, secret: None })
        }));
        Ok(connection)
    }
}

/// An app's fields; on update, omitted fields keep their value.
#[derive(InputObject, Default)]
pub struct OAuthAppInput {
    /// The client's name (required on creation).
    pub name: Option<String>,
    /// Redirect URIs, space-separated (required on creation; `urn:ietf:wg:oauth:2.0:oob` allowed).
    pub redirect_uris: Option<String>,
    /// Scopes (required on creation).
    pub scopes: Option<Vec<String>>,
    /// The client's website.
    pub website: Option<String>,
    /// Trusted (default false).
    pub trusted: Option<bool>,
}

impl From<OAuthAppInput> for AppFields {
    fn from(i: OAuthAppInput) -> AppFields {
        AppFields {
            name: i.name,
            redirect_uris: i.redirect_uris,
            scopes: i.scopes,
            website: i.website,
            trusted: i.trusted,
        }
    }
}

/// A field that failed validation.
#[derive(SimpleObject)]
pub struct OAuthAppFieldError {
    /// The field (`name`, `redirect_uris`, `scopes`).
    pub field: String,
    /// What is wrong (`can't be blank`).
    pub message: String,
}

/// The app created or changed, or what was wrong with the fields.
#[derive(SimpleObject)]
pub struct OAuthAppPayload {
    /// The app (`null` when `errors` is not empty).
    pub app: Option<OAuthApp>,
    /// Validation failures (Pleroma answers them with 200 and a field → message map).
    pub errors: Vec<OAuthAppFieldError>,
}

impl OAuthAppPayload {
    fn of(result: Result<OAuthApp, AppError>) -> async_graphql::Result<OAuthAppPayload> {
        match result {
            Ok(app) => Ok(OAuthAppPayload { app: Some(app), errors: Vec::new() }),
            Err(AppError::Invalid(fields)) => Ok(OAuthAppPayload {
                app: None,
                errors: fields.into_iter().map(|(field, message)| OAuthAppFieldError { field, message }).collect(),
            }),
            Err(err) => Err(err.into()),
        }
    }
}

/// Changes to an app.
#[derive(InputObject)]
pub struct UpdateOAuthAppInput {
    /// The app's id.
    pub id: i64,
    /// The fields to change (those left out stay as they are).
    pub changes: OAuthAppInput,
}

/// An app to delete.
#[derive(InputObject)]
pub struct DeleteOAuthAppInput {
    /// The app's id.
    pub id: i64,
}

/// The app deleted.
#[derive(SimpleObject)]
pub struct DeleteOAuthAppPayload {
    /// Its id.
    pub deleted_id: i64,
}

/// OAuth app changes (admins; Pleroma keeps no moderation-log entry for them).
#[derive(Default)]
pub struct OAuthAppsMutation;

#[Object]
impl OAuthAppsMutation {
    /// Register an app; its secret is in the payload this once.
    async fn create_o_auth_app(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new app.")] input: OAuthAppInput,
    ) -> async_graphql::Result<OAuthAppPayload> {
        let result = domain::create(ctx.db(), &input.into()).await;
        OAuthAppPayload::of(result.map(|(row, secret)| OAuthApp { row, secret: Some(secret) }))
    }

    /// Change an app. An unknown id is `NOT_FOUND`.
    async fn update_o_auth_app(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The app and its changes.")] input: UpdateOAuthAppInput,
    ) -> async_graphql::Result<OAuthAppPayload> {
        let result = domain::update(&ctx.db().write, input.id, &input.changes.into()).await;
        OAuthAppPayload::of(result.map(|row| OAuthApp { row, secret: None }))
    }

    /// Delete an app and its tokens. An unknown id is `NOT_FOUND`.
    async fn delete_o_auth_app(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The app to delete.")] input: DeleteOAuthAppInput,
    ) -> async_graphql::Result<DeleteOAuthAppPayload> {
        let deleted = domain::delete(ctx.db(), input.id).await?;
        Ok(DeleteOAuthAppPayload { deleted_id: deleted.id })
    }
}
