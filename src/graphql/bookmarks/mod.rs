//! Bookmarks and bookmark folders: the caller's bookmarked statuses, a page at a time, and the
//! folders they are sorted into (Pleroma's `Bookmark`, `BookmarkFolder`).
use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, Context, InputObject, Object, SimpleObject, ID};
use entity::bookmark_folder;

use super::{
    loaders::{DbLoader, LoadError},
    pagination::{from_an_id, keyset_connection, KeysetConnection, LazyTotal},
    statuses::{Status, StatusPageInput, StatusPayload},
    ContextExt, FieldRule,
};
use crate::{
    auth::Access,
    domain::{bookmarks as domain, statuses::MastodonPage},
    error::AppError,
};

const READ_BOOKMARKS: &[&str] = &["read:bookmarks"];
const WRITE_BOOKMARKS: &[&str] = &["write:bookmarks"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "bookmarkFolders", Access::User(READ_BOOKMARKS)),
    ("Query", "bookmarks", Access::User(READ_BOOKMARKS)),
    ("Mutation", "createBookmarkFolder", Access::User(WRITE_BOOKMARKS)),
    ("Mutation", "updateBookmarkFolder", Access::User(WRITE_BOOKMARKS)),
    ("Mutation", "deleteBookmarkFolder", Access::User(WRITE_BOOKMARKS)),
    ("Mutation", "bookmarkStatus", Access::User(WRITE_BOOKMARKS)),
    ("Mutation", "unbookmarkStatus", Access::User(WRITE_BOOKMARKS)),
];

/// A folder of bookmarks.
pub struct BookmarkFolder(pub bookmark_folder::Model);

/// A folder the caller sorts bookmarks into.
#[Object]
impl BookmarkFolder {
    /// Flake id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The name, unique among the caller's folders.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// A unicode emoji, or a custom one as `:shortcode:`.
    async fn emoji(&self) -> Option<&str> {
        self.0.emoji.as_deref()
    }
    /// The custom emoji's image URL (`null` for a unicode or unknown emoji).
    async fn emoji_url(&self, ctx: &Context<'_>) -> Option<String> {
        domain::emoji_url(ctx.settings(), self.0.emoji.as_deref())
    }
}

/// A bookmark of the caller's.
pub struct Bookmark {
    row: entity::bookmark::Model,
    status: entity::status::Model,
}

/// A bookmarked status.
#[Object]
impl Bookmark {
    /// The bookmark's id (what the list pages by).
    async fn id(&self) -> ID {
        ID(self.row.id.to_string())
    }
    /// The folder it is in.
    async fn folder_id(&self) -> Option<ID> {
        self.row.folder_id.clone().map(ID)
    }
    /// The status.
    async fn status(&self) -> Status {
        Status::from_row(self.status.clone())
    }
}

/// Key: `viewer`'s (`.0`) bookmark of the status `.1`: `(bookmarked, folder)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookmarkOf(pub String, pub String);

impl Loader<BookmarkOf> for DbLoader {
    type Value = (bool, Option<String>);
    type Error = LoadError;

    async fn load(&self, keys: &[BookmarkOf]) -> Result<HashMap<BookmarkOf, (bool, Option<String>)>, LoadError> {
        let mut by_viewer: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_viewer.entry(k.0.as_str()).or_default().push(k.1.clone());
        }
        let mut out = HashMap::new();
        for (viewer, ids) in by_viewer {
            let mut found = domain::bookmarked(&self.db.read, viewer, &ids).await.map_err(Arc::new)?;
            for id in ids {
                let value = match found.remove(&id) {
                    Some(folder) => (true, folder),
                    None => (false, None),
                };
                out.insert(BookmarkOf(viewer.to_string(), id), value);
            }
        }
        Ok(out)
    }
}

/// A page of the caller's bookmarks, newest first; each cursor is its bookmark's id (the next
/// page's `maxId`), the total counted when asked.
pub type BookmarkConnection = KeysetConnection<Bookmark>;

/// Bookmark reads.
#[derive(Default)]
pub struct BookmarksQuery;

#[Object]
impl BookmarksQuery {
    /// The caller's bookmark folders, oldest first.
    async fn bookmark_folders(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<BookmarkFolder>> {
        let user = ctx.viewer().require_user()?;
        Ok(domain::folders(&ctx.db().read, &user.id).await?.into_iter().map(BookmarkFolder).collect())
    }

    /// The caller's bookmarks, newest bookmark first, paged Mastodon-style by bookmark id
    /// (default 20, at most 40); `folderId` keeps one folder's.
    async fn bookmarks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only the bookmarks in this folder.")] folder_id: Option<ID>,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<BookmarkConnection> {
        let user = ctx.viewer().require_user()?;
        let page = MastodonPage::from(page);
        let folder_id = folder_id.map(|f| f.0);
        let rows = domain::page(&ctx.db().read, &user.id, folder_id.as_deref(), &page).await?;
        let statuses: Vec<entity::status::Model> = rows.iter().map(|(_, s)| s.clone()).collect();
        super::statuses::prefetch::statuses(ctx, &statuses).await?;
        let (db, user_id) = (ctx.db().read.clone(), user.id.clone());
        let total = LazyTotal::counted(page.size(), move || {
            let (db, user_id, folder_id) = (db.clone(), user_id.clone(), folder_id.clone());
            Box::pin(async move { domain::count(&db, &user_id, folder_id.as_deref()).await })
        });
        let nodes = rows.into_iter().map(|(row, status)| Bookmark { row, status }).collect();
        Ok(keyset_connection(nodes, |b: &Bookmark| b.row.id.to_string(), from_an_id(&page), total))
    }
}

/// A folder to create.
#[derive(InputObject)]
pub struct CreateBookmarkFolderInput {
    /// The name (required; unique among the caller's folders).
    pub name: Option<String>,
    /// A unicode emoji, or a local custom emoji (`:shortcode:` or `shortcode`).
    pub emoji: Option<String>,
}

/// A folder to change.
#[derive(InputObject)]
pub struct UpdateBookmarkFolderInput {
    /// The folder.
    pub id: ID,
    /// The new name (left out: unchanged).
    pub name: Option<String>,
    /// The new emoji (left out: none, as Pleroma replaces it).
    pub emoji: Option<String>,
}

/// A folder named by id.
#[derive(InputObject)]
pub struct BookmarkFolderIdInput {
    /// The folder.
    pub id: ID,
}

/// A folder, after a change.
#[derive(SimpleObject)]
pub struct BookmarkFolderPayload {
    /// The folder (for a deletion: as it was).
    pub folder: BookmarkFolder,
}

/// A status to bookmark.
#[derive(InputObject)]
pub struct BookmarkStatusInput {
    /// The status.
    pub id: ID,
    /// One of the caller's folders to put it in (another id is ignored).
    pub folder_id: Option<ID>,
}

/// A status to unbookmark.
#[derive(InputObject)]
pub struct UnbookmarkStatusInput {
    /// The status.
    pub id: ID,
}

/// The Mastodon API's 404 for a status the caller cannot see.
fn record_not_found(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => AppError::NotFound("Record not found".into()),
        other => other,
    }
}

/// Bookmark changes.
#[derive(Default)]
pub struct BookmarksMutation;

#[Object]
impl BookmarksMutation {
    /// Create a folder. A blank name (`can't be blank`), a name in use (`has already been
    /// taken`) or an emoji that is neither unicode nor a local custom one (`Invalid emoji`) fail
    /// with `VALIDATION_FAILED`.
    async fn create_bookmark_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateBookmarkFolderInput,
    ) -> async_graphql::Result<BookmarkFolderPayload> {
        let user = ctx.viewer().require_user()?;
        let folder =
            domain::create_folder(ctx.db(), ctx.settings(), &user.id, input.name.as_deref(), input.emoji.as_deref())
                .await?;
        Ok(BookmarkFolderPayload { folder: BookmarkFolder(folder) })
    }

    /// Rename a folder and set its emoji (`FORBIDDEN` "Access denied" for anyone else's or an
    /// unknown folder; validation as for `createBookmarkFolder`).
    async fn update_bookmark_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateBookmarkFolderInput,
    ) -> async_graphql::Result<BookmarkFolderPayload> {
        let user = ctx.viewer().require_user()?;
        let folder = domain::update_folder(
            ctx.db(),
            ctx.settings(),
            &user.id,
            &input.id,
            input.name.as_deref(),
            input.emoji.as_deref(),
        )
        .await?;
        Ok(BookmarkFolderPayload { folder: BookmarkFolder(folder) })
    }

    /// Delete a folder; its bookmarks stay, outside any folder (`FORBIDDEN` "Access denied"
    /// for anyone else's or an unknown folder).
    async fn delete_bookmark_folder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: BookmarkFolderIdInput,
    ) -> async_graphql::Result<BookmarkFolderPayload> {
        let user = ctx.viewer().require_user()?;
        let folder = domain::delete_folder(ctx.db(), &user.id, &input.id).await?;
        Ok(BookmarkFolderPayload { folder: BookmarkFolder(folder) })
    }

    /// Bookmark a status the caller may see (`NOT_FOUND` otherwise); again moves the bookmark
    /// to the folder given.
    async fn bookmark_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: BookmarkStatusInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::bookmark(ctx.db(), &user.id, &input.id, input.folder_id.as_ref().map(|f| f.as_str()))
            .await
            .map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Remove the caller's bookmark of a status they may see (`NOT_FOUND` otherwise).
    async fn unbookmark_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UnbookmarkStatusInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::unbookmark(ctx.db(), &user.id, &input.id).await.map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }
}
