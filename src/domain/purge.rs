//! Pleroma's purge: deleting a user keeps a tombstone and removes their content in a durable
//! job; deleting an instance purges every user of that host the same way.
//!
//! [`tombstone`] is Pleroma's `purge_user_changeset` applied at once, in the caller's
//! transaction: the row keeps its id, ap_id and nickname (so the name cannot be registered
//! again and impersonate the old actor to servers that cached its key), `is_active` becomes
//! false, and profile, email, password, roles, tags and tokens go. The same transaction enqueues
//! a `delete_user` job ([`DeleteUser`]), which ([`perform_delete_user`]) deletes the user's
//! statuses, media (rows and files), follows both ways, blocks, mutes and tokens, and finally
//! the row itself for local users who never confirmed or were never approved (Pleroma's
//! `maybe_delete_from_db`). `delete_instance` ([`perform_delete_instance`]) walks the users of
//! a host in id order and does both for each.
//!
//! Every step is idempotent and commits on its own, in chunks, so a job interrupted by a
//! crash is simply run again by the queue and finds what is already done gone.

use chrono::Utc;
use entity::{
    block, email_confirmation_token, follow, media_attachment, mute, oauth_token, password_reset_token, status, user,
    user_tag,
};
use sea_orm::{
    sea_query::Expr, sea_query::ExprTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    config::Settings,
    db::Db,
    error::AppResult,
    jobs::{self, Attempt, Failure, Job, Queue},
};

use super::job_kinds::{failure, JobContext};

/// The job that finishes deleting one user ([`perform_delete_user`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteUser {
    pub user_id: String,
}

impl Job for DeleteUser {
    const NAME: &'static str = "delete_user";
    const QUEUE: Queue = Queue::Purge;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        perform_delete_user(&ctx.db, &ctx.settings(), &self.user_id).await.map_err(failure)
    }
}

/// The job that purges every user of a host ([`perform_delete_instance`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteInstance {
    pub host: String,
}

impl Job for DeleteInstance {
    const NAME: &'static str = "delete_instance";
    const QUEUE: Queue = Queue::Purge;
    type Context = JobContext;

    async fn run(self, ctx: JobContext, _: Attempt) -> Result<(), Failure> {
        perform_delete_instance(&ctx.db, &ctx.settings(), &self.host).await.map_err(failure)
    }
}

/// Rows deleted per statement (and per transaction) while purging.
const CHUNK: u64 = 500;

/// Apply Pleroma's `purge_user_changeset` to these users and revoke their tokens, on `conn`.
pub async fn tombstone<C: ConnectionTrait>(conn: &C, user_ids: &[String]) -> AppResult<()> {
    if user_ids.is_empty() {
        return Ok(());
    }
    user::Entity::update_many()
        .col_expr(user::Column::Bio, Expr::value(""))
        .col_expr(user::Column::Email, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Name, Expr::value(Option::<String>::None))
        .col_expr(user::Column::PasswordHash, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Avatar, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Banner, Expr::value(Option::<String>::None))
        .col_expr(user::Column::Background, Expr::value(Option::<String>::None))
        .col_expr(user::Column::IsLocked, Expr::value(false))
        .col_expr(user::Column::PasswordResetPending, Expr::value(false))
        .col_expr(user::Column::RegistrationReason, Expr::value(Option::<String>::None))
        .col_expr(user::Column::IsActive, Expr::value(false))
        .col_expr(user::Column::IsModerator, Expr::value(false))
        .col_expr(user::Column::IsAdmin, Expr::value(false))
        .col_expr(user::Column::IsSuggested, Expr::value(false))
        .col_expr(user::Column::SettingsStore, Expr::value(json!({})))
        .col_expr(user::Column::Fields, Expr::value(json!([])))
        .col_expr(user::Column::RawFields, Expr::value(json!([])))
        .col_expr(user::Column::IsDiscoverable, Expr::value(false))
        .col_expr(user::Column::AlsoKnownAs, Expr::value(json!([])))
        // Search finds a tombstone by its nickname only.
        .col_expr(user::Column::SearchText, Expr::col(user::Column::Nickname))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.is_in(user_ids.to_vec()))
        .exec(conn)
        .await?;
    user_tag::Entity::delete_many().filter(user_tag::Column::UserId.is_in(user_ids.to_vec())).exec(conn).await?;
    super::oauth::revoke_user_tokens(conn, user_ids).await?;
    Ok(())
}

/// Tombstone these users and enqueue the job that deletes their content, on `conn` (the
/// caller's transaction).
pub async fn delete_users<C: ConnectionTrait>(conn: &C, user_ids: &[String]) -> AppResult<()> {
    // Local accounts' `Delete` goes to their remote followers, read before the purge.
    super::federation::publisher::actors_deleted(conn, user_ids).await?;
    tombstone(conn, user_ids).await?;
    for id in user_ids {
        jobs::enqueue(conn, &DeleteUser { user_id: id.clone() }).await?;
    }
    Ok(())
}

/// Enqueue the purge of every user and status of `host` (Pleroma's
/// `Instance.delete_users_and_activities`).
pub async fn delete_instance(db: &Db, host: &str) -> AppResult<()> {
    jobs::enqueue(&db.write, &DeleteInstance { host: host.to_string() }).await?;
    Ok(())
}

/// Remove these uploaded files from the storage; a file already gone is fine.
async fn remove_files(settings: &Settings, names: &[String]) -> AppResult<()> {
    let uploads = super::statuses::uploads_dir(settings);
    for name in names {
        // Names are ours (flake ids with an extension); never follow a path out of the directory.
        if name.contains('/') || name.contains("..") || name.is_empty() {
            continue;
        }
        super::storage::remove(settings, &uploads.join(name)).await?;
    }
    Ok(())
}

/// Delete the user's media (files first, then rows) and statuses, a chunk per transaction.
async fn delete_content(db: &Db, settings: &Settings, user_id: &str) -> AppResult<()> {
    loop {
        let media: Vec<(String, String)> = media_attachment::Entity::find()
            .select_only()
            .column(media_attachment::Column::Id)
            .column(media_attachment::Column::FileName)
            .filter(media_attachment::Column::UserId.eq(user_id))
            .order_by_asc(media_attachment::Column::Id)
            .limit(CHUNK)
            .into_tuple()
            .all(&db.write)
            .await?;
        if media.is_empty() {
            break;
        }
        let mut names: Vec<String> = media.iter().map(|(_, name)| name.clone()).collect();
        // `Dedupe` shares a file between uploads of the same content: keep those of others.
        let shared: Vec<String> = media_attachment::Entity::find()
            .select_only()
            .column(media_attachment::Column::FileName)
            .filter(media_attachment::Column::FileName.is_in(names.clone()))
            .filter(media_attachment::Column::UserId.ne(user_id))
            .into_tuple()
            .all(&db.write)
            .await?;
        names.retain(|n| !shared.contains(n));
        remove_files(settings, &names).await?;
        let ids: Vec<String> = media.into_iter().map(|(id, _)| id).collect();
        media_attachment::Entity::delete_many().filter(media_attachment::Column::Id.is_in(ids)).exec(&db.write).await?;
    }
    loop {
        let ids: Vec<String> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .filter(status::Column::UserId.eq(user_id))
            .order_by_asc(status::Column::Id)
            .limit(CHUNK)
            .into_tuple()
            .all(&db.write)
            .await?;
        if ids.is_empty() {
            break;
        }
        // Mentions cascade; reports keep their snapshot of the status. Reblogs of a deleted
        // status go with it (Pleroma's `Object.delete` deletes every activity of the object).
        let txn = db.begin().await?;
        status::Entity::delete_many().filter(status::Column::ReblogOfId.is_in(ids.clone())).exec(&txn).await?;
        status::Entity::delete_many().filter(status::Column::Id.is_in(ids)).exec(&txn).await?;
        txn.commit().await?;
    }
    Ok(())
}

/// Pleroma's `User.perform(:delete)` unfollows both ways before the follows go: each follow of
/// a remote account by a local user, with `user_id` on either side, is undone over ActivityPub
/// (an instance purge tells the purged host that its accounts lost their local followers; a
/// purged local user's follows of remote accounts end there too).
async fn undo_follows<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<()> {
    let follows = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(user_id).or(follow::Column::FollowingId.eq(user_id)))
        .all(conn)
        .await?;
    let ids: std::collections::BTreeSet<String> =
        follows.iter().flat_map(|f| [f.follower_id.clone(), f.following_id.clone()]).collect();
    let mut users = std::collections::HashMap::new();
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows = user::Entity::find().filter(user::Column::Id.is_in(chunk.to_vec())).all(conn).await?;
        users.extend(rows.into_iter().map(|u| (u.id.clone(), u)));
    }
    for f in &follows {
        let (Some(follower), Some(followed)) = (users.get(&f.follower_id), users.get(&f.following_id)) else {
            continue;
        };
        if follower.local && !followed.local {
            let unfollow = super::federation::publisher::RelationKind::Unfollow;
            super::federation::publisher::relation(conn, follower, followed, unfollow).await?;
        }
    }
    Ok(())
}

/// Delete the user's relationships and tokens.
async fn delete_relationships(db: &Db, user_id: &str) -> AppResult<()> {
    let txn = db.begin().await?;
    // In the transaction that deletes the follows: undone once, even when the job runs again.
    undo_follows(&txn, user_id).await?;
    follow::Entity::delete_many()
        .filter(follow::Column::FollowerId.eq(user_id).or(follow::Column::FollowingId.eq(user_id)))
        .exec(&txn)
        .await?;
    block::Entity::delete_many()
        .filter(block::Column::BlockerId.eq(user_id).or(block::Column::BlockedId.eq(user_id)))
        .exec(&txn)
        .await?;
    mute::Entity::delete_many()
        .filter(mute::Column::MuterId.eq(user_id).or(mute::Column::MutedId.eq(user_id)))
        .exec(&txn)
        .await?;
    oauth_token::Entity::delete_many().filter(oauth_token::Column::UserId.eq(user_id)).exec(&txn).await?;
    password_reset_token::Entity::delete_many()
        .filter(password_reset_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    email_confirmation_token::Entity::delete_many()
        .filter(email_confirmation_token::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The `delete_user` job: purge again (in case), delete content and relationships, and drop the
/// row of a local user who never confirmed or was never approved. A user already gone is done.
pub async fn perform_delete_user(db: &Db, settings: &Settings, user_id: &str) -> AppResult<()> {
    let Some(found) = user::Entity::find_by_id(user_id.to_string()).one(&db.write).await? else { return Ok(()) };
    {
        let txn = db.begin().await?;
        tombstone(&txn, std::slice::from_ref(&found.id)).await?;
        txn.commit().await?;
    }
    delete_content(db, settings, user_id).await?;
    delete_relationships(db, user_id).await?;
    // Their data-export archives go with them (files and rows).
    super::backups::delete_all_of(&db.write, settings, user_id).await?;
    if found.local && (!found.is_confirmed || !found.is_approved) {
        // Reports by or about them cascade with the row.
        user::Entity::delete_by_id(user_id.to_string()).exec(&db.write).await?;
    }
    Ok(())
}

/// The `delete_instance` job: every user of `host`, in id order, a chunk at a time.
pub async fn perform_delete_instance(db: &Db, settings: &Settings, host: &str) -> AppResult<()> {
    let host = host.trim().to_lowercase();
    let mut after = String::new();
    loop {
        let ids: Vec<String> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Local.eq(false))
            .filter(user::Column::Domain.eq(host.clone()))
            .filter(user::Column::Id.gt(after.clone()))
            .order_by_asc(user::Column::Id)
            .limit(100)
            .into_tuple()
            .all(&db.write)
            .await?;
        let Some(last) = ids.last() else { break };
        after = last.clone();
        for id in &ids {
            perform_delete_user(db, settings, id).await?;
        }
    }
    Ok(())
}
