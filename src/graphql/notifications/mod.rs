//! Notifications of the caller (Pleroma's `NotificationController`s and `NotificationView`):
//! the list, one notification, clearing, dismissing, marking read, and the settings that decide
//! which are made. Everything here is the caller's own.
use std::{collections::HashMap, sync::Arc};

use async_graphql::{dataloader::Loader, Context, InputObject, Object, SimpleObject, ID};
use entity::{notification, report};

use super::{
    accounts::{Account, AccountNotificationSettings},
    chats::{ChatEntryByRef, ChatMessage},
    load_error,
    loaders::{DbLoader, LoadError},
    pagination::{keyset_connection, KeysetConnection, LazyTotal},
    reports::Report,
    scalars::DateTime,
    statuses::{MutedBy, Status, StatusById},
    users::UserById,
    ContextExt, FieldRule,
};
use crate::{
    auth::{Access, Privilege},
    domain::notifications::{self as domain, Filter, Page},
    error::AppError,
};

const READ: &[&str] = &["read:notifications"];
const WRITE: &[&str] = &["write:notifications"];

/// Access rules of this area's fields.
pub const ACCESS: &[FieldRule] = &[
    ("Query", "notifications", Access::User(READ)),
    ("Query", "notification", Access::User(READ)),
    ("Mutation", "clearNotifications", Access::User(WRITE)),
    ("Mutation", "dismissNotification", Access::User(WRITE)),
    ("Mutation", "dismissNotifications", Access::User(WRITE)),
    ("Mutation", "markNotificationsRead", Access::User(WRITE)),
    ("Mutation", "updateNotificationSettings", Access::User(&["write:accounts"])),
];

/// A page of the caller's notifications, newest first (the cursor is the notification id).
pub type NotificationConnection = KeysetConnection<Notification>;

/// Key: a report by id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportById(pub String);

impl Loader<ReportById> for DbLoader {
    type Value = report::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[ReportById]) -> Result<HashMap<ReportById, report::Model>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let ids: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let rows = crate::domain::reports::by_ids(&self.db.read, &ids).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (ReportById(r.id.clone()), r)).collect())
    }
}

/// A notification: someone followed (or asked to), mentioned, posted (to a subscriber),
/// reblogged, favourited, reacted, moved, reported or sent a chat message.
pub struct Notification(pub notification::Model);

/// Pleroma's additions to a notification.
#[derive(SimpleObject)]
pub struct NotificationPleroma {
    /// Whether the caller mutes the account that made it.
    pub is_muted: bool,
    /// Whether the caller has read it.
    pub is_seen: bool,
}

/// A notification as Mastodon clients see it, with Pleroma's additions.
#[Object]
impl Notification {
    /// Integer id, as a string.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `ungrouped-<id>` (Mastodon's grouping key; these are never grouped).
    async fn group_key(&self) -> String {
        format!("ungrouped-{}", self.0.id)
    }
    /// `mention`, `follow`, `follow_request`, `reblog`, `favourite`, `move`,
    /// `pleroma:emoji_reaction` or `pleroma:report`.
    #[graphql(name = "type")]
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// When it was made.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.inserted_at)
    }
    /// Who made it.
    async fn account(&self, ctx: &Context<'_>) -> async_graphql::Result<Account> {
        Account::required(ctx, &self.0.actor_id, || format!("notification {}", self.0.id)).await
    }
    /// The status it is about: the mention, or the status reblogged, favourited or reacted to.
    async fn status(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Status>> {
        let Some(id) = &self.0.status_id else { return Ok(None) };
        let row = ctx.loader().load_one(StatusById(id.clone())).await.map_err(load_error)?;
        Ok(row.map(Status::from_row))
    }
    /// The account moved to (`move`).
    async fn target(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Account>> {
        let Some(id) = &self.0.target_id else { return Ok(None) };
        let user = ctx.loader().load_one(UserById(id.clone())).await.map_err(load_error)?;
        Ok(user.map(Account::new))
    }
    /// The reaction (`pleroma:emoji_reaction`): the unicode emoji or `:shortcode:`.
    async fn emoji(&self) -> Option<&str> {
        self.0.emoji.as_deref()
    }
    /// The custom emoji's image (`pleroma:emoji_reaction`).
    async fn emoji_url(&self) -> Option<&str> {
        self.0.emoji_url.as_deref()
    }
    /// The report (`pleroma:report`).
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Report>> {
        let Some(id) = &self.0.report_id else { return Ok(None) };
        let row = ctx.loader().load_one(ReportById(id.clone())).await.map_err(load_error)?;
        Ok(row.map(Report))
    }
    /// The chat message, as the caller's chat shows it (`pleroma:chat_mention`; `null` once
    /// deleted).
    async fn chat_message(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ChatMessage>> {
        let Some(id) = &self.0.chat_message_ref_id else { return Ok(None) };
        let entry = ctx.loader().load_one(ChatEntryByRef(id.clone())).await.map_err(load_error)?;
        Ok(entry.map(ChatMessage))
    }
    /// Pleroma's additions.
    async fn pleroma(&self, ctx: &Context<'_>) -> async_graphql::Result<NotificationPleroma> {
        let viewer = ctx.viewer().require_user()?;
        let muted = ctx
            .loader()
            .load_one(MutedBy(viewer.id.clone(), self.0.actor_id.clone()))
            .await
            .map_err(load_error)?
            .unwrap_or(false);
        Ok(NotificationPleroma { is_muted: muted, is_seen: self.0.seen })
    }
}

/// Load what a page of notifications shows into the request's loaders: their statuses (with
/// everything a status renders), actors and targets, and the reports they are about.
async fn prefetch(ctx: &Context<'_>, rows: &[notification::Model]) -> async_graphql::Result<()> {
    let db = &ctx.db().read;
    let mut status_ids: Vec<String> = rows.iter().filter_map(|n| n.status_id.clone()).collect();
    status_ids.sort();
    status_ids.dedup();
    let mut report_ids: Vec<String> = rows.iter().filter_map(|n| n.report_id.clone()).collect();
    report_ids.sort();
    report_ids.dedup();
    let (statuses, reports) = tokio::try_join!(
        async {
            if status_ids.is_empty() {
                Ok(vec![])
            } else {
                crate::domain::statuses::by_ids(db, &status_ids).await
            }
        },
        async {
            if report_ids.is_empty() {
                Ok(vec![])
            } else {
                crate::domain::reports::by_ids(db, &report_ids).await
            }
        },
    )?;
    let people: Vec<String> =
        rows.iter().flat_map(|n| [Some(n.actor_id.clone()), n.target_id.clone()]).flatten().collect();
    super::statuses::prefetch::statuses_and_accounts(ctx, &statuses, &people).await?;
    ctx.loader().feed_many(statuses.into_iter().map(|s| (StatusById(s.id.clone()), s))).await;
    if !reports.is_empty() {
        super::reports::prefetch(ctx, &reports).await?;
        ctx.loader().feed_many(reports.into_iter().map(|r| (ReportById(r.id.clone()), r))).await;
    }
    Ok(())
}

/// Mastodon-style paging of notifications (integer ids).
#[derive(InputObject, Default)]
pub struct NotificationPageInput {
    /// Notifications older than this id.
    pub max_id: Option<ID>,
    /// Notifications newer than this id (newest first).
    pub since_id: Option<ID>,
    /// Notifications just newer than this id.
    pub min_id: Option<ID>,
    /// Notifications skipped.
    pub offset: Option<i32>,
    /// Page size (default 20, at most 40).
    pub limit: Option<i32>,
}

fn page_id(id: Option<ID>) -> Result<Option<i64>, AppError> {
    id.map(|id| domain::parse_id(&id)).transpose()
}

/// Which notifications to list.
#[derive(InputObject, Default)]
pub struct NotificationFilter {
    /// Only these types (default: every type but `pleroma:report`, which is asked for by name).
    pub types: Option<Vec<String>>,
    /// Not these types.
    pub exclude_types: Option<Vec<String>>,
    /// Only those made by this account (`NOT_FOUND` "Account is not found" for an unknown one).
    pub account_id: Option<ID>,
    /// Include those from accounts whose notifications the caller mutes.
    pub with_muted: Option<bool>,
}

/// The caller's notifications.
#[derive(Default)]
pub struct NotificationsQuery;

#[Object]
impl NotificationsQuery {
    /// The caller's notifications, newest first, as Pleroma filters them: none from accounts
    /// that are deactivated, that the caller blocks or that block the caller, nor (unless
    /// `withMuted`) from accounts whose notifications the caller mutes; reports only to staff
    /// who handle them. One statement per page.
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Which notifications to list.")] filter: NotificationFilter,
        #[graphql(default, desc = "Mastodon-style paging: `maxId`, `sinceId`, `minId`, `offset`, `limit`.")]
        page: NotificationPageInput,
    ) -> async_graphql::Result<NotificationConnection> {
        let user = ctx.viewer().require_user()?;
        let db = &ctx.db().read;
        let account_id = match filter.account_id {
            Some(id) => Some(
                crate::domain::users::find_by_nickname_or_id(db, &id)
                    .await?
                    .ok_or_else(|| AppError::NotFound("Account is not found".into()))?
                    .id,
            ),
            None => None,
        };
        let sees_reports =
            Privilege::held_by(user, &ctx.settings().instance).contains(&Privilege::ReportsManageReports);
        let filter = Filter {
            types: filter.types,
            exclude_types: filter.exclude_types.unwrap_or_default(),
            account_id,
            with_muted: filter.with_muted.unwrap_or(false),
            sees_reports,
        };
        let page = Page {
            max_id: page_id(page.max_id)?,
            since_id: page_id(page.since_id)?,
            min_id: page_id(page.min_id)?,
            offset: page.offset.and_then(|o| u64::try_from(o).ok()),
            limit: page.limit.and_then(|l| u64::try_from(l).ok()),
        };
        let rows = domain::list(db, &user.id, &filter, &page).await?;
        prefetch(ctx, &rows).await?;
        let size = page.limit.unwrap_or(20).clamp(1, 40);
        let (db, viewer) = (db.clone(), user.id.clone());
        let total = LazyTotal::counted(size, move || {
            let (db, viewer, filter) = (db.clone(), viewer.clone(), filter.clone());
            Box::pin(async move { domain::count(&db, &viewer, &filter).await })
        });
        let from_an_id = page.max_id.is_some() || page.min_id.is_some();
        let nodes = rows.into_iter().map(Notification).collect();
        Ok(keyset_connection(nodes, |n: &Notification| n.0.id.to_string(), from_an_id, total))
    }

    /// One of the caller's notifications; `null` for anyone else's or an unknown id.
    async fn notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The notification's id.")] id: ID,
    ) -> async_graphql::Result<Option<Notification>> {
        let user = ctx.viewer().require_user()?;
        match domain::get(&ctx.db().read, &user.id, &id).await {
            Ok(row) => Ok(Some(Notification(row))),
            Err(AppError::Forbidden(_)) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }
}

/// A notification named by id.
#[derive(InputObject)]
pub struct NotificationIdInput {
    /// The notification.
    pub id: ID,
}

/// What to mark read: one notification, or every one up to an id.
#[derive(InputObject)]
pub struct MarkNotificationsReadInput {
    /// One notification (`BAD_REQUEST` "Cannot get notification" when it is not the caller's).
    pub id: Option<ID>,
    /// Every unread notification up to this id.
    pub max_id: Option<ID>,
}

/// The notifications marked read.
#[derive(SimpleObject)]
pub struct MarkNotificationsReadPayload {
    /// The notifications now read, newest first.
    pub notifications: Vec<Notification>,
}

/// How many notifications were deleted.
#[derive(SimpleObject)]
pub struct ClearNotificationsPayload {
    /// Deleted notifications.
    pub count: u64,
}

/// The dismissed notification.
#[derive(SimpleObject)]
pub struct DismissNotificationPayload {
    /// Its id.
    pub id: ID,
    /// Whether it was one of the caller's and is gone.
    pub dismissed: bool,
}

/// New notification settings; settings left out keep their value.
#[derive(InputObject)]
pub struct NotificationSettingsInput {
    /// Make no notifications from accounts the caller does not follow.
    pub block_from_strangers: Option<bool>,
    /// Leave message contents out of push notifications.
    pub hide_notification_contents: Option<bool>,
}

/// The settings saved.
#[derive(SimpleObject)]
pub struct NotificationSettingsPayload {
    /// The caller's notification settings.
    pub settings: AccountNotificationSettings,
}

/// Notifications to delete at once.
#[derive(InputObject)]
pub struct DismissNotificationsInput {
    /// Notification ids; ids naming none of the caller's notifications are passed over.
    pub ids: Vec<ID>,
}

/// What a dismissal of several notifications did.
#[derive(SimpleObject)]
pub struct DismissNotificationsPayload {
    /// How many were deleted.
    pub count: u64,
}

/// Changes to the caller's notifications.
#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Delete all the caller's notifications.
    async fn clear_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "input", default, desc = "Nothing is needed; may be left out.")]
        _input: super::inputs::NoParametersInput,
    ) -> async_graphql::Result<ClearNotificationsPayload> {
        let user = ctx.viewer().require_user()?;
        Ok(ClearNotificationsPayload { count: domain::clear(ctx.db(), &user.id).await? })
    }

    /// Delete one of the caller's notifications; `dismissed` is `false` when the id names none
    /// of them.
    async fn dismiss_notification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: NotificationIdInput,
    ) -> async_graphql::Result<DismissNotificationPayload> {
        let user = ctx.viewer().require_user()?;
        let dismissed = match domain::dismiss(ctx.db(), &user.id, &input.id).await {
            Ok(()) => true,
            Err(AppError::Forbidden(_)) => false,
            Err(other) => return Err(other.into()),
        };
        Ok(DismissNotificationPayload { id: input.id, dismissed })
    }

    /// Delete those of the caller's notifications the ids name (Pleroma's
    /// `Notification.destroy_multiple`).
    async fn dismiss_notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: DismissNotificationsInput,
    ) -> async_graphql::Result<DismissNotificationsPayload> {
        let user = ctx.viewer().require_user()?;
        let ids: Vec<String> = input.ids.into_iter().map(|id| id.0).collect();
        Ok(DismissNotificationsPayload { count: domain::dismiss_many(ctx.db(), &user.id, &ids).await? })
    }

    /// Mark one notification read, or all up to `maxId`; one of them is required
    /// (`BAD_REQUEST`).
    async fn mark_notifications_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: MarkNotificationsReadInput,
    ) -> async_graphql::Result<MarkNotificationsReadPayload> {
        let user = ctx.viewer().require_user()?;
        let id = input.id.as_ref().map(|i| i.as_str());
        let max_id = input.max_id.as_ref().map(|i| i.as_str());
        let marked = domain::mark_read(ctx.db(), &user.id, id, max_id).await?;
        Ok(MarkNotificationsReadPayload { notifications: marked.into_iter().map(Notification).collect() })
    }

    /// Change the caller's notification settings (Pleroma's `notification_settings`); they
    /// decide which notifications are made from then on.
    async fn update_notification_settings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's arguments (see the input type).")] input: NotificationSettingsInput,
    ) -> async_graphql::Result<NotificationSettingsPayload> {
        let user = ctx.viewer().require_user()?;
        let saved =
            domain::update_settings(ctx.db(), &user.id, input.block_from_strangers, input.hide_notification_contents)
                .await?;
        Ok(NotificationSettingsPayload {
            settings: AccountNotificationSettings {
                block_from_strangers: saved.block_from_strangers,
                hide_notification_contents: saved.hide_notification_contents,
            },
        })
    }
}
