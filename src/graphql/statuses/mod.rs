//! Statuses: posting, reading what the caller may see, reblogs, and the staff views.
mod loaders;
pub mod prefetch;
mod types;

use async_graphql::{
    connection::{Connection, ConnectionNameType, CursorType, Edge, EdgeNameType, EmptyFields, OpaqueCursor},
    Context, Enum, InputObject, Object, OutputType, SimpleObject, ID,
};
pub use loaders::*;
pub use types::*;

use super::{
    pagination::{keyset_connection, KeysetConnection, LazyTotal, ListMeta, Window},
    users::log_actor,
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::{
        status_counts,
        statuses::{self as domain, Deleter, MastodonPage, NewStatus, StatusSearch},
    },
    error::AppError,
};

const READ_STATUSES: &[&str] = &["admin:read:statuses"];
const WRITE_STATUSES: &[&str] = &["write:statuses"];
const ADMIN_WRITE_STATUSES: &[&str] = &["admin:write:statuses"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "status", Access::Public),
    ("Query", "accountStatuses", Access::Public),
    ("Query", "statusQuotes", Access::Public),
    ("Query", "adminStatus", Access::Staff(Privilege::MessagesRead, READ_STATUSES)),
    ("Query", "statuses", Access::Staff(Privilege::MessagesRead, READ_STATUSES)),
    ("Query", "statusVisibilityCounts", Access::Staff(Privilege::StatisticsRead, &["admin:read"])),
    ("Mutation", "createStatus", Access::User(WRITE_STATUSES)),
    ("Mutation", "deleteStatus", Access::User(WRITE_STATUSES)),
    ("Mutation", "reblogStatus", Access::User(WRITE_STATUSES)),
    ("Mutation", "unreblogStatus", Access::User(WRITE_STATUSES)),
    ("Mutation", "uploadMedia", Access::User(&["write:media"])),
    ("Mutation", "moderateStatus", Access::Staff(Privilege::MessagesDelete, ADMIN_WRITE_STATUSES)),
    ("Mutation", "deleteStatusAsAdmin", Access::Staff(Privilege::MessagesDelete, ADMIN_WRITE_STATUSES)),
];

/// A page of statuses, with the total count.
pub type StatusConnection = Connection<OpaqueCursor<String>, Status, ListMeta, EmptyFields>;

/// Which statuses a staff list shows.
#[derive(InputObject, Default)]
pub struct StatusFilter {
    /// Statuses of this account only (nickname or id; an unknown account is `NOT_FOUND`).
    pub account: Option<String>,
    /// Statuses of accounts on this host only.
    pub instance: Option<String>,
    /// Local statuses only.
    pub local_only: Option<bool>,
    /// Show private and direct statuses too; without it only public and unlisted ones show.
    pub godmode: Option<bool>,
    /// Include reblogs.
    pub with_reblogs: Option<bool>,
}

/// Status counts by visibility.
#[derive(SimpleObject)]
pub struct StatusVisibilityCounts {
    /// Public statuses.
    pub public: u64,
    /// Unlisted statuses.
    pub unlisted: u64,
    /// Followers-only statuses.
    pub private: u64,
    /// Direct messages.
    pub direct: u64,
}

/// Mastodon-style paging of a short list.
#[derive(InputObject, Default)]
pub struct StatusPageInput {
    /// Statuses older than this id.
    pub max_id: Option<ID>,
    /// Statuses newer than this id (newest first).
    pub since_id: Option<ID>,
    /// Statuses just newer than this id.
    pub min_id: Option<ID>,
    /// Statuses skipped.
    pub offset: Option<i32>,
    /// Page size (default 20, at most 40).
    pub limit: Option<i32>,
}

impl From<StatusPageInput> for MastodonPage {
    fn from(p: StatusPageInput) -> Self {
        MastodonPage {
            max_id: p.max_id.map(|i| i.0),
            since_id: p.since_id.map(|i| i.0),
            min_id: p.min_id.map(|i| i.0),
            offset: p.offset.and_then(|o| u64::try_from(o).ok()),
            limit: p.limit.and_then(|l| u64::try_from(l).ok()),
        }
    }
}

fn newest_first(page: &MastodonPage, rows: Vec<entity::status::Model>) -> Vec<Status> {
    page.newest_first(rows).into_iter().map(Status::from_row).collect()
}

/// Names the Mastodon-paged status connection apart from [`StatusConnection`] (offset-paged,
/// its total counted with each page).
pub struct StatusListName;

impl ConnectionNameType for StatusListName {
    fn type_name<T: OutputType>() -> String {
        "StatusListConnection".into()
    }
}

impl EdgeNameType for StatusListName {
    fn type_name<T: OutputType>() -> String {
        "StatusListEdge".into()
    }
}

/// A Mastodon-paged page of statuses, newest first; each cursor is its status's id (the next
/// page's `maxId`), the total counted when asked.
pub type StatusListConnection = KeysetConnection<Status, StatusListName, StatusListName>;

fn status_list(page: &MastodonPage, rows: Vec<entity::status::Model>, total: LazyTotal) -> StatusListConnection {
    let from_an_id = page.max_id.is_some() || page.min_id.is_some() || page.since_id.is_some();
    keyset_connection(newest_first(page, rows), |s: &Status| s.row().id.clone(), from_an_id, total)
}

/// Who may see a status.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StatusVisibility {
    /// Everyone, and listed on public timelines.
    Public,
    /// Everyone, but not listed on public timelines.
    Unlisted,
    /// The author's followers and mentioned users.
    Private,
    /// Mentioned users only.
    Direct,
}

impl StatusVisibility {
    /// Pleroma's name.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusVisibility::Public => "public",
            StatusVisibility::Unlisted => "unlisted",
            StatusVisibility::Private => "private",
            StatusVisibility::Direct => "direct",
        }
    }
}

/// Status reads.
#[derive(Default)]
pub struct StatusesQuery;

#[Object]
impl StatusesQuery {
    /// One status, when the caller may see it (`null` otherwise): public and unlisted statuses
    /// to anyone, private ones to the author's followers and mentioned users, direct ones to
    /// mentioned users; always to the author.
    async fn status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status's id.")] id: ID,
    ) -> async_graphql::Result<Option<Status>> {
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.as_str());
        let db = &ctx.db().read;
        match domain::find_visible(db, &id, viewer).await? {
            Some(row) => Ok(Some(Status::from_row(row).with_conversation(db, viewer).await?)),
            None => Ok(None),
        }
    }

    /// Statuses for staff, newest first: all of them, one account's or one host's. Without
    /// `godmode` private and direct statuses are hidden, as in Pleroma. Page with
    /// `first`/`after` or `page`/`pageSize` (default 50).
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, page_size, 50)")]
    async fn statuses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which statuses to list.")] filter: Option<StatusFilter>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "1-based page number (page paging, as the REST API pages); ignored with `after`.")]
        page: Option<i32>,
        #[graphql(desc = "Page size (page paging); `first` wins when both are given.")] page_size: Option<i32>,
    ) -> async_graphql::Result<StatusConnection> {
        let filter = filter.unwrap_or_default();
        let before_id = match &after {
            Some(cursor) => Some(
                OpaqueCursor::<String>::decode_cursor(cursor)
                    .map_err(|_| AppError::BadRequest("invalid cursor".into()))?
                    .0,
            ),
            None => None,
        };
        let db = &ctx.db().read;
        let author_id = match &filter.account {
            Some(key) => {
                Some(crate::domain::users::find_by_nickname_or_id(db, key).await?.ok_or_else(AppError::not_found)?.id)
            }
            None => None,
        };
        let window = Window::resolve(first, None, page.filter(|_| before_id.is_none()), page_size, 50)?;
        let search = StatusSearch {
            author_id,
            instance: filter.instance.filter(|h| !h.is_empty()),
            local_only: filter.local_only.unwrap_or(false),
            godmode: filter.godmode.unwrap_or(false),
            with_reblogs: filter.with_reblogs.unwrap_or(false),
            before_id: before_id.clone(),
        };
        let rows = search.page(db, window.offset, window.limit.saturating_add(1));
        let (mut nodes, total) = if ctx.look_ahead().field("totalCount").exists() {
            tokio::try_join!(rows, search.count(db))?
        } else {
            (rows.await?, 0)
        };
        let more = nodes.len() as u64 > window.limit;
        nodes.truncate(usize::try_from(window.limit).unwrap_or(usize::MAX));
        prefetch::statuses(ctx, &nodes).await?;
        let mut connection = Connection::with_additional_fields(
            window.offset > 0 || before_id.is_some(),
            more,
            ListMeta { total_count: total, page_size: window.limit },
        );
        connection
            .edges
            .extend(nodes.into_iter().map(|row| Edge::new(OpaqueCursor(row.id.clone()), Status::from_row(row))));
        Ok(connection)
    }

    /// Status counts by visibility (reblogs excluded), of every account or of one host's.
    async fn status_visibility_counts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only statuses from this host.")] instance: Option<String>,
    ) -> async_graphql::Result<StatusVisibilityCounts> {
        let c = domain::visibility_counts(&ctx.db().read, instance.as_deref()).await?;
        Ok(StatusVisibilityCounts { public: c.public, unlisted: c.unlisted, private: c.private, direct: c.direct })
    }

    /// An account's statuses the caller may see, newest first (`NOT_FOUND` for an unknown
    /// account, or a deactivated one unless the caller owns it or manages activation state).
    async fn account_statuses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id (or nickname).")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
        #[graphql(desc = "Leave reblogs out.")] exclude_reblogs: Option<bool>,
        #[graphql(desc = "Only the posts the account pinned to its profile.")] pinned: Option<bool>,
    ) -> async_graphql::Result<StatusListConnection> {
        let db = &ctx.db().read;
        // Unknown, or deactivated (Pleroma's `User.visible_for`): "Can't find user".
        let cannot_find = || AppError::NotFound("Can't find user".into());
        let author = crate::domain::users::find_by_nickname_or_id(db, &id).await?.ok_or_else(cannot_find)?;
        if !crate::domain::users::visible_for(&author, ctx.viewer().user.as_ref(), &ctx.settings().instance) {
            return Err(cannot_find().into());
        }
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
        let page = MastodonPage::from(page);
        let with_reblogs = !exclude_reblogs.unwrap_or(false);
        let pinned = pinned.unwrap_or(false);
        let rows = domain::by_author(db, &author.id, viewer.as_deref(), with_reblogs, pinned, &page).await?;
        prefetch::statuses(ctx, &rows).await?;
        let db = db.clone();
        let total = LazyTotal::counted(page.size(), move || {
            let (db, author, viewer) = (db.clone(), author.id.clone(), viewer.clone());
            Box::pin(
                async move { status_counts::by_author(&db, &author, viewer.as_deref(), with_reblogs, pinned).await },
            )
        });
        Ok(status_list(&page, rows, total))
    }

    /// Statuses quoting a status, those the caller may see, newest first (`NOT_FOUND` when the
    /// status is unknown or hidden from the caller).
    async fn status_quotes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The quoted status's id.")] id: ID,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: StatusPageInput,
    ) -> async_graphql::Result<StatusListConnection> {
        let db = &ctx.db().read;
        let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
        let quoted = domain::find_visible(db, &id, viewer.as_deref()).await?.ok_or_else(not_found)?;
        let page = MastodonPage::from(page);
        let rows = domain::quotes(db, &quoted.id, viewer.as_deref(), &page).await?;
        prefetch::statuses(ctx, &rows).await?;
        let db = db.clone();
        let total = LazyTotal::counted(page.size(), move || {
            let (db, quoted, viewer) = (db.clone(), quoted.id.clone(), viewer.clone());
            Box::pin(async move { status_counts::quotes(&db, &quoted, viewer.as_deref()).await })
        });
        Ok(status_list(&page, rows, total))
    }

    /// One status whatever its visibility (staff), `null` when there is none.
    async fn admin_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The status's id.")] id: ID,
    ) -> async_graphql::Result<Option<Status>> {
        Ok(domain::find(&ctx.db().read, &id).await?.map(Status::from_row))
    }
}

/// A new status.
#[derive(InputObject)]
pub struct CreateStatusInput {
    /// The text; may be empty when media are attached.
    pub status: Option<String>,
    /// Ids of the caller's uploads to attach.
    pub media_ids: Option<Vec<ID>>,
    /// The status replied to (the reply joins its thread and mentions its author).
    pub in_reply_to_id: Option<ID>,
    /// The status quoted.
    pub quote_id: Option<ID>,
    /// Mark the media sensitive.
    pub sensitive: Option<bool>,
    /// Content warning.
    pub spoiler_text: Option<String>,
    /// Who may see it; a reply defaults to its parent's visibility, anything else to `PUBLIC`.
    pub visibility: Option<StatusVisibility>,
    /// `text/plain` (default), `text/markdown` or `text/html`.
    pub content_type: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// The same key from the same author gives back the status it made (`Idempotency-Key`).
    pub idempotency_key: Option<String>,
    /// A poll to attach (the instance's `poll_limits` apply: `VALIDATION_FAILED` with
    /// Pleroma's messages).
    pub poll: Option<crate::graphql::polls::PollInput>,
}

/// The posted status.
#[derive(SimpleObject)]
pub struct CreateStatusPayload {
    /// The status (the earlier one when the idempotency key was used before).
    pub status: Status,
}

/// The Mastodon API's 404 for what the caller cannot see.
fn record_not_found(err: AppError) -> AppError {
    match err {
        AppError::NotFound(_) => not_found(),
        other => other,
    }
}

/// Status-changing actions.
#[derive(Default)]
pub struct StatusesMutation;

#[Object]
impl StatusesMutation {
    /// Post a status as the caller. Mentions (`@nick`, `@nick@domain`) are linked and
    /// addressed; HTML is sanitised. An empty status without media fails with
    /// `VALIDATION_FAILED` ("Cannot post an empty status without attachments").
    async fn create_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateStatusInput,
    ) -> async_graphql::Result<CreateStatusPayload> {
        let author = ctx.viewer().require_user()?.clone();
        let new = NewStatus {
            status: input.status,
            media_ids: input.media_ids.unwrap_or_default().into_iter().map(|id| id.0).collect(),
            in_reply_to_id: input.in_reply_to_id.map(|id| id.0),
            quote_id: input.quote_id.map(|id| id.0),
            sensitive: input.sensitive,
            spoiler_text: input.spoiler_text,
            visibility: input.visibility.map(|v| v.as_str().to_string()),
            content_type: input.content_type,
            language: input.language,
            idempotency_key: input.idempotency_key,
            poll: input.poll.map(Into::into),
        };
        let row = domain::create(ctx.db(), ctx.settings(), &author, new).await?;
        let status = Status::from_row(row).with_conversation(&ctx.db().write, Some(&author.id)).await?;
        Ok(CreateStatusPayload { status })
    }

    /// Delete one of the caller's posts (with its reblogs and media); returns it as it was, with
    /// its source `text`.
    /// Someone else's post, or no such post: `NOT_FOUND`.
    async fn delete_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: StatusIdInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let by = Deleter { user: &user, privileged: false };
        let row = domain::delete(ctx.db(), ctx.settings(), by, &input.id).await.map_err(record_not_found)?;
        let status = Status::with_source(row).with_conversation(&ctx.db().write, Some(&user.id)).await?;
        Ok(StatusPayload { status })
    }

    /// Reblog a status the caller may see; reblogging twice gives the same reblog. Returns the
    /// reblog (the reblogged status under `reblog`).
    async fn reblog_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ReblogStatusInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let visibility = input.visibility.map(StatusVisibility::as_str);
        let row =
            domain::reblog(ctx.db(), ctx.settings(), &user, &input.id, visibility).await.map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Undo the caller's reblog; returns the status once reblogged.
    async fn unreblog_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: StatusIdInput,
    ) -> async_graphql::Result<StatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let row = domain::unreblog(ctx.db(), &user, &input.id).await.map_err(record_not_found)?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Upload a file for a status (the instance's upload limit applies; types that would run
    /// script on this origin are refused). Refusals are `VALIDATION_FAILED`.
    async fn upload_media(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UploadMediaInput,
    ) -> async_graphql::Result<UploadMediaPayload> {
        let owner = ctx.viewer().require_user()?.clone();
        let upload = input.file.value(ctx).map_err(|e| AppError::BadRequest(format!("Unreadable upload: {e}")))?;
        let new = crate::domain::media::NewMedia {
            filename: upload.filename,
            content_type: upload.content_type,
            file: upload.content,
            description: input.description,
        };
        let row = crate::domain::media::store(ctx.db(), ctx.settings(), &owner, new).await?;
        Ok(UploadMediaPayload { attachment: Attachment(row) })
    }

    /// Change a status's sensitivity and/or visibility. Logged as `status_update`.
    async fn moderate_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: ModerateStatusInput,
    ) -> async_graphql::Result<StatusPayload> {
        let actor = log_actor(ctx)?;
        let row = domain::moderate(ctx.db(), &actor, &input.id, input.sensitive, input.visibility.as_deref()).await?;
        Ok(StatusPayload { status: Status::from_row(row) })
    }

    /// Delete anyone's post. Logged as `status_delete` when it is not the caller's own.
    async fn delete_status_as_admin(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: StatusIdInput,
    ) -> async_graphql::Result<DeleteStatusPayload> {
        let user = ctx.viewer().require_user()?.clone();
        let by = Deleter { user: &user, privileged: true };
        let row = domain::delete(ctx.db(), ctx.settings(), by, &input.id).await?;
        Ok(DeleteStatusPayload { id: ID(row.id) })
    }
}

fn not_found() -> AppError {
    AppError::NotFound("Record not found".into())
}

/// A status named by id.
#[derive(InputObject)]
pub struct StatusIdInput {
    /// The status.
    pub id: ID,
}

/// A reblog to make.
#[derive(InputObject)]
pub struct ReblogStatusInput {
    /// The status to reblog.
    pub id: ID,
    /// The reblog's visibility: `PUBLIC` (default), `UNLISTED` or `PRIVATE`.
    pub visibility: Option<StatusVisibility>,
}

/// A status, after an action.
#[derive(SimpleObject)]
pub struct StatusPayload {
    /// The status (for a deletion: as it was; for an unreblog: the status once reblogged).
    pub status: Status,
}

/// A staff change of a status.
#[derive(InputObject)]
pub struct ModerateStatusInput {
    /// The status.
    pub id: ID,
    /// Mark it sensitive or not.
    pub sensitive: Option<bool>,
    /// New visibility: `public`, `unlisted`, `private` or `direct` (anything else:
    /// `BAD_REQUEST` "Unsupported visibility").
    pub visibility: Option<String>,
}

/// A file to upload.
#[derive(InputObject)]
pub struct UploadMediaInput {
    /// The file (multipart).
    pub file: async_graphql::Upload,
    /// Alt text.
    pub description: Option<String>,
    /// Focal point `x,y` (accepted, not stored).
    pub focus: Option<String>,
}

/// The stored upload.
#[derive(SimpleObject)]
pub struct UploadMediaPayload {
    /// The attachment, to pass in `mediaIds` when posting.
    pub attachment: Attachment,
}

/// The id of a deleted status.
#[derive(SimpleObject)]
pub struct DeleteStatusPayload {
    /// The deleted status's id.
    pub id: ID,
}
