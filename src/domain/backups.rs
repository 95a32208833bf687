//! Data-export backups (Pleroma's `Pleroma.User.Backup` and `BackupWorker`): a user asks for
//! an archive at most once per `limit_days` (an admin may ask for anyone, unlimited); a durable
//! job ([`ProcessBackup`]) writes `actor.json`, `outbox.json`, `likes.json`,
//! `bookmarks.json`, `followers.json` and `following.json` into a zip under
//! `<data_dir>/uploads/backups`, marks the row processed and mails the user the download link.
//!
//! The job is idempotent: a second run rebuilds the archive from the database and replaces the
//! file. This gateway keeps no likes or bookmarks, so those collections are empty.
use std::io::Write;

use base64::Engine;
use chrono::Utc;
use entity::{backup, follow, mention, status, user};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    mail::{Email, Mailer},
    moderation_log::{self, Action, Actor, Subject},
};
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
    jobs::{self, Attempt, Failure, Job, Queue},
};

/// The job that builds one archive ([`perform`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessBackup {
    pub backup_id: i64,
}

impl Job for ProcessBackup {
    const NAME: &'static str = "process_backup";
    const QUEUE: Queue = Queue::Slow;
    /// Pleroma's BackupWorker runs once (`max_attempts: 1`).
    const MAX_ATTEMPTS: i32 = 1;
    type Context = super::job_kinds::JobContext;

    async fn run(self, ctx: Self::Context, _: Attempt) -> Result<(), Failure> {
        perform(&ctx.db, &ctx.settings(), &ctx.mailer, self.backup_id).await.map_err(super::job_kinds::failure)
    }
}
/// Statuses read per statement while writing the outbox (Pleroma's `process_chunk_size`).
const CHUNK: u64 = 100;

/// Backup states.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const RUNNING: &str = "running";
    pub const COMPLETE: &str = "complete";
    pub const FAILED: &str = "failed";
}

/// Where archives are stored.
pub fn dir(settings: &Settings) -> std::path::PathBuf {
    super::statuses::uploads_dir(settings).join("backups")
}

/// An archive's download URL (Pleroma's `Upload.base_url() <> "/backups/" <> file_name`).
pub fn url(settings: &Settings, file_name: &str) -> String {
    format!("{}/media/backups/{file_name}", settings.instance_url)
}

/// The instance secret that signs download links.
const LINK_SECRET: &str = "backup_links";
/// How long a link handed out in a listing works (seconds).
pub const LINK_LIFETIME: i64 = 24 * 3600;

/// The key download links are signed with. Made once and never changed, so it is kept per
/// database after its first read (listings cost no extra statement).
pub async fn link_secret<C: ConnectionTrait>(conn: &C, settings: &Settings) -> AppResult<Vec<u8>> {
    use std::{
        collections::HashMap,
        sync::{Mutex, OnceLock},
    };
    static KNOWN: OnceLock<Mutex<HashMap<String, Vec<u8>>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Mutex::default);
    let cached = known.lock().ok().and_then(|k| k.get(&settings.database_url).cloned());
    if let Some(secret) = cached {
        return Ok(secret);
    }
    let make = || Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 48]>()));
    let secret = super::instance_secrets::get_or_create(conn, LINK_SECRET, make).await?.into_bytes();
    if let Ok(mut known) = known.lock() {
        known.insert(settings.database_url.clone(), secret.clone());
    }
    Ok(secret)
}

fn link_mac(secret: &[u8], file_name: &str, expires: i64) -> Option<hmac::Hmac<sha2::Sha256>> {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
    mac.update(format!("{file_name}\n{expires}").as_bytes());
    Some(mac)
}

/// An archive's download URL for its owner: Pleroma's path, with a signature that lets a
/// browser (which sends no token with a link) download it until `expires` (Unix seconds).
/// Archives are served only to their owner and admins (issue 24): by token, or by this link,
/// handed out only to them.
pub fn signed_url(settings: &Settings, secret: &[u8], file_name: &str, expires: i64) -> String {
    use hmac::Mac;
    let sig = link_mac(secret, file_name, expires).map(|m| m.finalize().into_bytes().to_vec()).unwrap_or_default();
    let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig);
    format!("{}?expires={expires}&sig={sig}", url(settings, file_name))
}

/// Whether `sig` signs `file_name` until `expires`, and that time has not passed.
pub fn link_valid(secret: &[u8], file_name: &str, expires: i64, sig: &str) -> bool {
    use hmac::Mac;
    let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig) else { return false };
    expires > Utc::now().timestamp()
        && link_mac(secret, file_name, expires).is_some_and(|m| m.verify_slice(&sig).is_ok())
}

/// Delete every archive (files and rows) of a user: their account is being deleted.
pub async fn delete_all_of<C: ConnectionTrait>(conn: &C, settings: &Settings, user_id: &str) -> AppResult<()> {
    let rows = backup::Entity::find().filter(backup::Column::UserId.eq(user_id)).all(conn).await?;
    let dir = dir(settings);
    for row in &rows {
        super::storage::remove(settings, &dir.join(&row.file_name)).await?;
    }
    backup::Entity::delete_many().filter(backup::Column::UserId.eq(user_id)).exec(conn).await?;
    Ok(())
}

/// A user's backups, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C, user_id: &str) -> AppResult<Vec<backup::Model>> {
    Ok(backup::Entity::find()
        .filter(backup::Column::UserId.eq(user_id))
        .order_by_desc(backup::Column::Id)
        .all(conn)
        .await?)
}

/// The row of an archive file, if any.
pub async fn by_file_name<C: ConnectionTrait>(conn: &C, file_name: &str) -> AppResult<Option<backup::Model>> {
    Ok(backup::Entity::find().filter(backup::Column::FileName.eq(file_name)).one(conn).await?)
}

/// Pleroma's refusal text for `days`.
pub fn limit_error(days: i64) -> String {
    if days == 1 {
        "Last export was less than a day ago".into()
    } else {
        format!("Last export was less than {days} days ago")
    }
}

/// Insert a backup row for `user` and enqueue its job, on `conn`.
async fn create<C: ConnectionTrait>(conn: &C, user: &user::Model) -> AppResult<backup::Model> {
    let rand = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    // Pleroma's `timestamps()` keep whole seconds.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 0);
    // The nickname only as far as it is a safe file name (it is one for local accounts today).
    let nickname: String =
        user.nickname.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')).take(64).collect();
    let name = format!("archive-{nickname}-{}-{rand}.zip", now.format("%Y%m%dT%H%M%S"));
    let row = backup::ActiveModel {
        user_id: Set(user.id.clone()),
        content_type: Set("application/zip".into()),
        file_name: Set(name),
        file_size: Set(0),
        processed: Set(false),
        state: Set(state::PENDING.into()),
        processed_number: Set(0),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    jobs::enqueue(conn, &ProcessBackup { backup_id: row.id }).await?;
    Ok(row)
}

/// Pleroma's `Backup.user`: one archive per `limit_days` (whole days since the last request
/// must exceed it); answers the user's backups, newest first.
pub async fn request_own(db: &Db, settings: &Settings, user: &user::Model) -> AppResult<Vec<backup::Model>> {
    let txn = db.begin().await?;
    let last = backup::Entity::find()
        .filter(backup::Column::UserId.eq(&user.id))
        .order_by_desc(backup::Column::Id)
        .one(&txn)
        .await?;
    let days = settings.backup.limit_days;
    if let Some(last) = last {
        if (Utc::now() - last.inserted_at).num_days() <= days {
            return Err(AppError::BadRequest(limit_error(days)));
        }
    }
    create(&txn, user).await?;
    let rows = list(&txn, &user.id).await?;
    txn.commit().await?;
    Ok(rows)
}

/// The admin's `create_backup`: an archive for a local user, unlimited, logged.
pub async fn request_for(db: &Db, admin: &user::Model, nickname: &str) -> AppResult<backup::Model> {
    let txn = db.begin().await?;
    let target = super::users::find_by_nickname(&txn, nickname)
        .await?
        .filter(|u| u.local)
        .ok_or_else(|| AppError::NotFound("Not found".into()))?;
    let row = create(&txn, &target).await?;
    moderation_log::record(&txn, &Actor::from(admin), &Action::CreateBackup { subject: Subject::from(&target) })
        .await?;
    txn.commit().await?;
    Ok(row)
}

fn collection(name: &str, items: Vec<Value>) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{name}.json"),
        "type": "OrderedCollection",
        "orderedItems": items,
        "totalItems": items.len(),
    })
}

/// The actor document (Pleroma's `UserView "user.json"` with the archive's file names).
fn actor(settings: &Settings, user: &user::Model) -> Value {
    let ap = &user.ap_id;
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", format!("{}/schemas/litepub-0.1.jsonld", settings.instance_url)],
        "id": ap,
        "type": user.actor_type,
        "preferredUsername": user.nickname,
        "name": user.name.clone().unwrap_or_else(|| user.nickname.clone()),
        "summary": user.bio,
        "url": ap,
        "inbox": format!("{ap}/inbox"),
        "manuallyApprovesFollowers": user.is_locked,
        "discoverable": user.is_discoverable,
        "alsoKnownAs": user.also_known_as,
        "attachment": user.fields.as_array().cloned().unwrap_or_default().into_iter().map(|f| json!({
            "type": "PropertyValue", "name": f.get("name").cloned().unwrap_or(Value::Null), "value": f.get("value").cloned().unwrap_or(Value::Null)
        })).collect::<Vec<_>>(),
        "endpoints": { "sharedInbox": format!("{}/inbox", settings.instance_url) },
        "tag": [],
        "bookmarks": "bookmarks.json",
        "likes": "likes.json",
        "outbox": "outbox.json",
        "followers": "followers.json",
        "following": "following.json",
    })
}

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// One status as its ActivityPub activity (`Create`, or `Announce` for a reblog).
fn activity(
    user: &user::Model,
    row: &status::Model,
    ap_ids: &std::collections::HashMap<String, String>,
    mentioned: &[String],
) -> Value {
    let followers = format!("{}/followers", user.ap_id);
    let (to, cc): (Vec<String>, Vec<String>) = match row.visibility.as_str() {
        "public" => (vec![PUBLIC.into()], vec![followers]),
        "unlisted" => (vec![followers], vec![PUBLIC.into()]),
        "private" => (vec![followers], vec![]),
        _ => (vec![], vec![]),
    };
    let to: Vec<String> = to.into_iter().chain(mentioned.iter().cloned()).collect();
    let published = row.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    if let Some(of) = &row.reblog_of_id {
        return json!({
            "id": row.ap_id, "type": "Announce", "actor": user.ap_id,
            "object": ap_ids.get(of).cloned().unwrap_or_default(),
            "to": to, "cc": cc, "published": published,
        });
    }
    json!({
        "id": format!("{}/activity", row.ap_id),
        "type": "Create",
        "actor": user.ap_id,
        "to": to, "cc": cc, "published": published,
        "object": {
            "id": row.ap_id,
            "type": "Note",
            "attributedTo": user.ap_id,
            "content": row.content,
            "source": row.source,
            "summary": row.spoiler_text,
            "sensitive": row.sensitive,
            "inReplyTo": row.in_reply_to_id.as_ref().and_then(|id| ap_ids.get(id)),
            "context": row.context,
            "conversation": row.context,
            "published": published,
            "to": to, "cc": cc,
        },
    })
}

async fn set_state(db: &Db, id: i64, new_state: &str, processed_number: Option<i32>) -> AppResult<()> {
    let mut update = backup::Entity::update_many()
        .col_expr(backup::Column::State, Expr::value(new_state))
        .col_expr(backup::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(n) = processed_number {
        update = update.col_expr(backup::Column::ProcessedNumber, Expr::value(n));
    }
    update.filter(backup::Column::Id.eq(id)).exec(&db.write).await?;
    Ok(())
}

/// The user's statuses and reblogs as activities, oldest first, counting progress.
async fn outbox(db: &Db, backup_id: i64, user: &user::Model) -> AppResult<Vec<Value>> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let rows = status::Entity::find()
            .filter(status::Column::UserId.eq(&user.id))
            .filter(status::Column::Id.gt(after.clone()))
            .order_by_asc(status::Column::Id)
            .limit(CHUNK)
            .all(&db.read)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id.clone();
        // ap_ids of reblogged and replied-to statuses, and the mentioned users.
        let refs: Vec<String> =
            rows.iter().flat_map(|r| [r.reblog_of_id.clone(), r.in_reply_to_id.clone()]).flatten().collect();
        let ap_ids: std::collections::HashMap<String, String> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .column(status::Column::ApId)
            .filter(status::Column::Id.is_in(refs))
            .into_tuple::<(String, String)>()
            .all(&db.read)
            .await?
            .into_iter()
            .collect();
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mentions: Vec<(String, String)> = mention::Entity::find()
            .select_only()
            .column(mention::Column::StatusId)
            .column_as(user::Column::ApId, "ap_id")
            .join(
                sea_orm::JoinType::InnerJoin,
                mention::Entity::belongs_to(user::Entity).from(mention::Column::UserId).to(user::Column::Id).into(),
            )
            .filter(mention::Column::StatusId.is_in(ids))
            .into_tuple()
            .all(&db.read)
            .await?;
        for row in &rows {
            let mentioned: Vec<String> =
                mentions.iter().filter(|(s, _)| s == &row.id).map(|(_, ap)| ap.clone()).collect();
            items.push(activity(user, row, &ap_ids, &mentioned));
        }
        set_state(db, backup_id, state::RUNNING, Some(items.len() as i32)).await?;
    }
    Ok(items)
}

/// ap_ids of the users `user` follows (`following`) or who follow them.
async fn follow_ap_ids(db: &Db, user_id: &str, following: bool) -> AppResult<Vec<Value>> {
    let (mine, theirs) = if following {
        (follow::Column::FollowerId, follow::Column::FollowingId)
    } else {
        (follow::Column::FollowingId, follow::Column::FollowerId)
    };
    let ids: Vec<String> =
        follow::Entity::find().select_only().column(theirs).filter(mine.eq(user_id)).into_tuple().all(&db.read).await?;
    let ap_ids: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::ApId)
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(&db.read)
        .await?;
    Ok(ap_ids.into_iter().map(Value::String).collect())
}

/// Run a backup job: build the archive, store it, mark the row processed, mail the user.
pub async fn perform(db: &Db, settings: &Settings, mailer: &Mailer, id: i64) -> AppResult<()> {
    let Some(row) = backup::Entity::find_by_id(id).one(&db.write).await? else { return Ok(()) };
    let result = build(db, settings, &row).await;
    match result {
        Ok(Some(user)) => {
            if mailer.enabled() {
                if let Some(email) = user.email.as_deref().filter(|e| !e.is_empty()) {
                    // Valid until the archive itself is deleted.
                    let expires = Utc::now().timestamp() + settings.backup.purge_after_days.max(1) * 86_400;
                    let link = signed_url(settings, &link_secret(&db.write, settings).await?, &row.file_name, expires);
                    let sent = mailer
                        .send(Email {
                            to: email.to_string(),
                            subject: "Your account archive is ready".into(),
                            text: format!(
                                "A full backup of your Pleroma account was requested. It's ready for download:\n\n{link}\n"
                            ),
                        })
                        .await;
                    if let Err(err) = sent {
                        tracing::warn!(error = %err, backup = id, "backup mail not sent");
                    }
                }
            }
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(err) => {
            set_state(db, id, state::FAILED, None).await?;
            Err(err)
        }
    }
}

/// Build and store the archive; the user, or `None` when they are gone.
async fn build(db: &Db, settings: &Settings, row: &backup::Model) -> AppResult<Option<user::Model>> {
    let Some(user) = user::Entity::find_by_id(row.user_id.clone()).one(&db.read).await? else { return Ok(None) };
    set_state(db, row.id, state::RUNNING, Some(0)).await?;
    let outbox = outbox(db, row.id, &user).await?;
    let followers = follow_ap_ids(db, &user.id, false).await?;
    let following = follow_ap_ids(db, &user.id, true).await?;
    let files: Vec<(&str, Value)> = vec![
        ("actor.json", actor(settings, &user)),
        ("outbox.json", collection("outbox", outbox)),
        ("likes.json", collection("likes", vec![])),
        ("bookmarks.json", collection("bookmarks", vec![])),
        ("followers.json", collection("followers", followers)),
        ("following.json", collection("following", following)),
    ];
    let written = dir(settings).join(&row.file_name);
    let dir = dir(settings);
    let name = row.file_name.clone();
    let size = tokio::task::spawn_blocking(move || -> AppResult<u64> {
        std::fs::create_dir_all(&dir).map_err(AppError::internal)?;
        let part = dir.join(format!("{name}.part"));
        let file = std::fs::File::create(&part).map_err(AppError::internal)?;
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (file_name, value) in files {
            zip.start_file(file_name, options).map_err(AppError::internal)?;
            let bytes = serde_json::to_vec_pretty(&value).map_err(AppError::internal)?;
            zip.write_all(&bytes).map_err(AppError::internal)?;
        }
        zip.finish().map_err(AppError::internal)?;
        let size = std::fs::metadata(&part).map_err(AppError::internal)?.len();
        std::fs::rename(&part, dir.join(&name)).map_err(AppError::internal)?;
        Ok(size)
    })
    .await
    .map_err(AppError::internal)??;
    // Into the storage every process serves from (the local copy goes once stored elsewhere).
    super::storage::push_file(settings, &written).await?;
    if !super::storage::store(settings).is_working_copy() {
        if let Err(error) = tokio::fs::remove_file(&written).await {
            tracing::warn!(%error, "cannot remove the local copy of a stored backup");
        }
    }
    backup::Entity::update_many()
        .col_expr(backup::Column::FileSize, Expr::value(size as i64))
        .col_expr(backup::Column::Processed, Expr::value(true))
        .col_expr(backup::Column::State, Expr::value(state::COMPLETE))
        .col_expr(backup::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(backup::Column::Id.eq(row.id))
        .exec(&db.write)
        .await?;
    Ok(Some(user))
}

/// Delete archives (files and rows) requested over `purge_after_days` ago (Pleroma's
/// `schedule_delete`, which every processed backup gets); returns how many went.
pub async fn delete_expired(db: &Db, settings: &Settings) -> AppResult<usize> {
    let before = Utc::now() - chrono::Duration::days(settings.backup.purge_after_days);
    let rows = backup::Entity::find()
        .filter(backup::Column::InsertedAt.lt(before))
        .filter(backup::Column::State.ne(state::RUNNING))
        .limit(500)
        .all(&db.write)
        .await?;
    let dir = dir(settings);
    for row in &rows {
        super::storage::remove(settings, &dir.join(&row.file_name)).await?;
        backup::Entity::delete_by_id(row.id).exec(&db.write).await?;
    }
    Ok(rows.len())
}
