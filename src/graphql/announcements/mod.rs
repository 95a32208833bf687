//! Announcements: the staff's list and changes, and the current ones users read and dismiss.
use std::collections::HashSet;

use async_graphql::{
    connection::{Connection, EmptyFields, OpaqueCursor},
    Context, InputObject, Object, SimpleObject, ID,
};
use chrono::Utc;
use entity::announcement;

use super::{
    pagination::{ListMeta, Window},
    scalars::DateTime,
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::announcements::{self as domain, AnnouncementChange, NewAnnouncement},
    error::AppError,
};

const READ: &[&str] = &["admin:read"];
const WRITE: &[&str] = &["admin:write"];
const MANAGE: Privilege = Privilege::AnnouncementsManageAnnouncements;

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "announcements", Access::Staff(MANAGE, READ)),
    ("Query", "announcement", Access::Staff(MANAGE, READ)),
    ("Announcement", "rawContent", Access::Staff(MANAGE, &["admin:read", "admin:write"])),
    ("Query", "currentAnnouncements", Access::Public),
    ("Mutation", "createAnnouncement", Access::Staff(MANAGE, WRITE)),
    ("Mutation", "updateAnnouncement", Access::Staff(MANAGE, WRITE)),
    ("Mutation", "deleteAnnouncement", Access::Staff(MANAGE, WRITE)),
    ("Mutation", "dismissAnnouncement", Access::User(&["write:accounts"])),
];

/// An announcement, with whether the viewer dismissed it when that is known.
pub struct Announcement {
    pub row: announcement::Model,
    pub read: Option<bool>,
}

impl Announcement {
    fn of(row: announcement::Model) -> Announcement {
        Announcement { row, read: None }
    }
}

/// An instance announcement shown to users between `startsAt` and `endsAt`.
#[Object]
impl Announcement {
    /// Announcement id.
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }
    /// The content rendered to sanitised HTML.
    async fn content(&self) -> &str {
        &self.row.rendered
    }
    /// The content as written (plain text; staff only).
    async fn raw_content(&self) -> &str {
        &self.row.content
    }
    /// When it starts being shown (`null`: at once).
    async fn starts_at(&self) -> Option<DateTime> {
        self.row.starts_at.map(DateTime)
    }
    /// When it stops being shown (`null`: until deleted).
    async fn ends_at(&self) -> Option<DateTime> {
        self.row.ends_at.map(DateTime)
    }
    /// Whether the dates are whole days.
    async fn all_day(&self) -> bool {
        self.row.all_day
    }
    /// When it was created.
    async fn published_at(&self) -> DateTime {
        DateTime(self.row.inserted_at)
    }
    /// When it was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.row.updated_at)
    }
    /// Whether the viewer dismissed it (`null` for anonymous viewers and in the staff list).
    async fn read(&self) -> Option<bool> {
        self.read
    }
}

/// A page of announcements, with the total count.
pub type AnnouncementConnection = Connection<OpaqueCursor<u64>, Announcement, ListMeta, EmptyFields>;

/// Announcement reads.
#[derive(Default)]
pub struct AnnouncementsQuery;

#[Object]
impl AnnouncementsQuery {
    /// Every announcement, current or not, oldest first. Page with `first`/`after`, or with
    /// `offset`/`limit` (default 0/20) as the Admin API does.
    #[graphql(complexity = "super::pagination::page_complexity(child_complexity, first, limit, 20)")]
    async fn announcements(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size: at most this many items (cursor paging).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor (an edge's `cursor`).")] after: Option<String>,
        #[graphql(desc = "Items skipped (offset paging, as the REST API pages); ignored with `after`.")] offset: Option<
            i32,
        >,
        #[graphql(desc = "Page size (offset paging); `first` wins when both are given.")] limit: Option<i32>,
    ) -> async_graphql::Result<AnnouncementConnection> {
        let mut window = Window::resolve(first, after.clone(), None, limit, 20)?;
        if limit == Some(0) {
            return Err(AppError::BadRequest("limit must be at least 1".into()).into());
        }
        if after.is_none() {
            window.offset = u64::try_from(offset.unwrap_or(0))
                .map_err(|_| AppError::BadRequest("offset must not be negative".into()))?;
        }
        let db = &ctx.db().read;
        let (rows, total) = tokio::try_join!(domain::page(db, window.offset, window.limit), domain::count(db))?;
        Ok(window.connection(rows.into_iter().map(Announcement::of).collect(), total))
    }

    /// One announcement (`null` when there is none).
    async fn announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The announcement's id.")] id: ID,
    ) -> async_graphql::Result<Option<Announcement>> {
        Ok(domain::by_id(&ctx.db().read, &id).await?.map(Announcement::of))
    }

    /// The announcements shown now (started and not ended), oldest first, each with `read`
    /// for a signed-in viewer (Mastodon's `GET /api/v1/announcements`).
    async fn current_announcements(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Announcement>> {
        let db = &ctx.db().read;
        let rows = domain::current(db, Utc::now()).await?;
        let read: Option<HashSet<String>> = match &ctx.viewer().user {
            Some(user) => {
                let ids: Vec<String> = rows.iter().map(|a| a.id.clone()).collect();
                Some(domain::read_by(db, &user.id, &ids).await?)
            }
            None => None,
        };
        Ok(rows
            .into_iter()
            .map(|row| {
                let read = read.as_ref().map(|r| r.contains(&row.id));
                Announcement { row, read }
            })
            .collect())
    }
}

/// A new announcement.
#[derive(InputObject)]
pub struct CreateAnnouncementInput {
    /// Plain text, rendered to HTML.
    pub content: String,
    /// When it starts being shown (default: at once).
    pub starts_at: Option<DateTime>,
    /// When it stops being shown (default: until deleted).
    pub ends_at: Option<DateTime>,
    /// Whether the dates are whole days (default false).
    pub all_day: Option<bool>,
}

/// Changes to an announcement: omitted (or `null`) fields keep their value; the `clear`
/// flags remove a date.
#[derive(InputObject)]
pub struct UpdateAnnouncementInput {
    /// The announcement to change.
    pub id: ID,
    /// Plain text, rendered to HTML.
    pub content: Option<String>,
    /// When it starts being shown.
    pub starts_at: Option<DateTime>,
    /// When it stops being shown.
    pub ends_at: Option<DateTime>,
    /// Show it at once (removes `startsAt`).
    pub clear_starts_at: Option<bool>,
    /// Show it until deleted (removes `endsAt`).
    pub clear_ends_at: Option<bool>,
    /// Whether the dates are whole days.
    pub all_day: Option<bool>,
}

/// Which announcement.
#[derive(InputObject)]
pub struct AnnouncementIdInput {
    /// Announcement id.
    pub id: ID,
}

/// The announcement created, changed or dismissed.
#[derive(SimpleObject)]
pub struct AnnouncementPayload {
    /// The announcement.
    pub announcement: Announcement,
}

/// The announcement deleted.
#[derive(SimpleObject)]
pub struct DeleteAnnouncementPayload {
    /// Its id.
    pub deleted_id: ID,
}

/// A date change: a new value, removal, or none.
fn date_change(value: Option<DateTime>, clear: Option<bool>) -> Option<Option<chrono::DateTime<Utc>>> {
    match (value, clear) {
        (_, Some(true)) => Some(None),
        (Some(v), _) => Some(Some(v.0)),
        (None, _) => None,
    }
}

/// Announcement changes (Pleroma keeps no moderation-log entry for them), and dismissals.
#[derive(Default)]
pub struct AnnouncementsMutation;

#[Object]
impl AnnouncementsMutation {
    /// Create an announcement.
    async fn create_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: CreateAnnouncementInput,
    ) -> async_graphql::Result<AnnouncementPayload> {
        let new = NewAnnouncement {
            content: input.content,
            starts_at: input.starts_at.map(|d| d.0),
            ends_at: input.ends_at.map(|d| d.0),
            all_day: input.all_day.unwrap_or(false),
        };
        Ok(AnnouncementPayload {
            announcement: Announcement::of(domain::create(&ctx.db().write, ctx.settings(), &new).await?),
        })
    }

    /// Change an announcement. An unknown id is `NOT_FOUND`.
    async fn update_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: UpdateAnnouncementInput,
    ) -> async_graphql::Result<AnnouncementPayload> {
        let change = AnnouncementChange {
            content: input.content,
            starts_at: date_change(input.starts_at, input.clear_starts_at),
            ends_at: date_change(input.ends_at, input.clear_ends_at),
            all_day: input.all_day,
        };
        let row = domain::update(&ctx.db().write, ctx.settings(), &input.id, &change).await?;
        Ok(AnnouncementPayload { announcement: Announcement::of(row) })
    }

    /// Delete an announcement. An unknown id is `NOT_FOUND`.
    async fn delete_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AnnouncementIdInput,
    ) -> async_graphql::Result<DeleteAnnouncementPayload> {
        let deleted = domain::delete(&ctx.db().write, &input.id).await?;
        Ok(DeleteAnnouncementPayload { deleted_id: ID(deleted.id) })
    }

    /// Mark an announcement read by the caller. An unknown id is `NOT_FOUND`.
    async fn dismiss_announcement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: AnnouncementIdInput,
    ) -> async_graphql::Result<AnnouncementPayload> {
        let user = ctx.viewer().require_user()?;
        let row = domain::dismiss(&ctx.db().write, &user.id, &input.id).await?;
        Ok(AnnouncementPayload { announcement: Announcement { row, read: Some(true) } })
    }
}
