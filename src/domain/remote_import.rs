//! `pleroma-gateway import FILE`: remote actors, their statuses, follows and reports, loaded
//! from a JSON document without a network (the README documents the format).
//!
//! Every entry is keyed by its ActivityPub id: importing the same file twice changes nothing
//! the second time (rows are upserted by `ap_id`, follows are inserted or ignored, a report's
//! statuses are replaced). A file is checked whole before anything is written, and written in
//! one transaction: any bad entry refuses the file with an error naming it
//! (`statuses[3]: unknown actor https://…`) and nothing is written.
//!
//! Before that, every entry passes the moderation policies (`mrf`), as a federated activity
//! does: what they refuse is left out (logged, counted in [`ImportReport::rejected`]) together
//! with the entries that name it, and what they rewrite is written rewritten.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{follow, media_attachment, mention, report, report_status, status, user};
use sea_orm::{sea_query::OnConflict, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;

use super::mrf::{self, Activity, Visibility};
use crate::{config::Settings, db::Db, error::AppError, ids};

/// The document.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default)]
    pub actors: Vec<Actor>,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub follows: Vec<Follow>,
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// A remote actor.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub ap_id: String,
    /// `nick@domain`.
    pub nickname: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `Person` (default), `Service` or `Application`.
    #[serde(default)]
    pub actor_type: Option<String>,
    #[serde(default)]
    pub avatar: Option<String>,
    #[serde(default)]
    pub banner: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A status of an actor (local or remote, known by its ap_id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub ap_id: String,
    /// The author's ap_id.
    pub actor: String,
    /// `public` (default), `unlisted`, `private` or `direct`.
    #[serde(default)]
    pub visibility: Option<String>,
    /// HTML; sanitised on import.
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub spoiler_text: Option<String>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The ap_id of the status this one answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The ap_id of the status this one reblogs (its content is then ignored).
    #[serde(default)]
    pub reblog_of: Option<String>,
    /// URLs of its attachments.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// ap_ids of the actors it mentions (addresses).
    #[serde(default)]
    pub mentions: Vec<String>,
}

/// `follower` follows `followed` (ap_ids of any actors).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Follow {
    pub follower: String,
    pub followed: String,
}

/// A report filed from a remote instance.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub ap_id: String,
    /// The reporter's ap_id.
    pub actor: String,
    /// The reported account's ap_id.
    pub account: String,
    /// ap_ids of the reported statuses.
    #[serde(default)]
    pub statuses: Vec<String>,
    #[serde(default)]
    pub content: Option<String>,
    /// `open` (default), `closed` or `resolved`.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// What an import wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub actors: usize,
    pub statuses: usize,
    pub follows: usize,
    pub reports: usize,
    /// Entries the moderation policies or the `remote_limit` refused (or that named one
    /// refused), left out.
    pub rejected: usize,
}

/// Parse a document; the error names the line and column.
pub fn parse(text: &str) -> Result<Document, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::BadRequest(format!("invalid import document: {e}")))
}

fn bad(entry: String, message: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("{entry}: {message}"))
}

fn is_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// Sanitise remote HTML (ammonia's default policy: safe tags, no scripts or styles, links
/// get `rel="noopener noreferrer"`).
pub fn sanitize(html: &str) -> String {
    ammonia::clean(html)
}

/// The media type a remote attachment's URL suggests (its extension).
fn content_type_of(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        _ => "application/octet-stream",
    }
}

/// Rows keyed by ap_id, looked up in chunks.
async fn users_by_ap_id<C: ConnectionTrait>(
    conn: &C,
    ap_ids: &[String],
) -> Result<HashMap<String, user::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in ap_ids.chunks(500) {
        for row in user::Entity::find().filter(user::Column::ApId.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(row.ap_id.clone(), row);
        }
    }
    Ok(out)
}

async fn statuses_by_ap_id<C: ConnectionTrait>(
    conn: &C,
    ap_ids: &[String],
) -> Result<HashMap<String, status::Model>, AppError> {
    let mut out = HashMap::new();
    for chunk in ap_ids.chunks(500) {
        for row in status::Entity::find().filter(status::Column::ApId.is_in(chunk.to_vec())).all(conn).await? {
            out.insert(row.ap_id.clone(), row);
        }
    }
    Ok(out)
}

/// A new remote user row.
fn remote_user(id: String, actor: &Actor, domain: &str, actor_type: &str, now: DateTime<Utc>) -> user::Model {
    let created = actor.created_at.unwrap_or(now);
    user::Model {
        id,
        nickname: actor.nickname.clone(),
        email: None,
        name: actor.name.clone(),
        bio: actor.bio.as_deref().map(sanitize).unwrap_or_default(),
        password_hash: None,
        ap_id: actor.ap_id.clone(),
        local: false,
        domain: Some(domain.to_string()),
        actor_type: actor_type.to_string(),
        is_admin: false,
        is_moderator: false,
        is_active: true,
        is_confirmed: true,
        is_approved: true,
        is_suggested: false,
        is_locked: false,
        is_discoverable: false,
        no_rich_text: false,
        default_scope: "public".into(),
        hide_follows: false,
        hide_followers: false,
        hide_followers_count: false,
        hide_follows_count: false,
        hide_favorites: true,
        allow_following_move: true,
        show_role: true,
        skip_thread_containment: false,
        fields: json!([]),
        raw_fields: json!([]),
        avatar: actor.avatar.clone(),
        banner: actor.banner.clone(),
        background: None,
        registration_reason: None,
        password_reset_pending: false,
        mfa_enabled: false,
        settings_store: json!({}),
        also_known_as: json!([]),
        raw_bio: None,
        birthday: None,
        show_birthday: false,
        accepts_chat_messages: true,
        avatar_description: String::new(),
        header_description: String::new(),
        search_text: user::search_text(&actor.nickname, actor.name.as_deref(), None),
        inserted_at: created,
        updated_at: now,
        statuses_count: 0,
        followers_count: 0,
        following_count: 0,
        last_status_at: None,
    }
}

/// The document as the moderation policies let it through, and how many entries they refused.
/// An entry that names a refused one (a status of a refused actor, a reply to a refused status, a
/// follow of a refused actor) is left out too; a report keeps only the statuses left.
async fn screen<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    doc: &Document,
    now: DateTime<Utc>,
) -> Result<(Document, usize), AppError> {
    let policies = &settings.mrf;
    let mut referenced: Vec<String> = doc.actors.iter().map(|a| a.ap_id.clone()).collect();
    referenced.extend(doc.statuses.iter().map(|s| s.actor.clone()));
    referenced.extend(doc.follows.iter().flat_map(|f| [f.follower.clone(), f.followed.clone()]));
    referenced.extend(doc.reports.iter().map(|r| r.actor.clone()));
    referenced.sort();
    referenced.dedup();
    let known = users_by_ap_id(conn, &referenced).await?;
    let tags = if policies.policies.has("TagPolicy") {
        let ids: Vec<String> = known.values().map(|u| u.id.clone()).collect();
        super::users::tags_of(conn, &ids).await?
    } else {
        HashMap::new()
    };
    let local_host = mrf::host_of(&settings.instance_url);
    let actor = |ap_id: &str| match known.get(ap_id) {
        Some(u) => mrf::Actor {
            ap_id: ap_id.to_string(),
            host: if u.local { local_host.clone() } else { mrf::host_of(ap_id) },
            local: u.local,
            tags: tags.get(&u.id).cloned().unwrap_or_default(),
        },
        None => mrf::Actor { ap_id: ap_id.to_string(), host: mrf::host_of(ap_id), ..mrf::Actor::default() },
    };
    let mut rejected = 0;
    let mut left_out = |entry: String, ap_id: &str, why: &str| {
        tracing::info!(%entry, %ap_id, reason = %why, "import: entry left out");
        rejected += 1;
    };
    let mut out = Document::default();

    let mut refused_actors = HashSet::new();
    for (i, a) in doc.actors.iter().enumerate() {
        let profile = Activity::Profile { actor: actor(&a.ap_id), avatar: a.avatar.clone(), banner: a.banner.clone() };
        match mrf::filter(policies, now, profile) {
            Ok(Activity::Profile { avatar, banner, .. }) => out.actors.push(Actor { avatar, banner, ..a.clone() }),
            Ok(_) => out.actors.push(a.clone()),
            Err(refused) => {
                left_out(format!("actors[{i}]"), &a.ap_id, &refused.reason);
                refused_actors.insert(a.ap_id.clone());
            }
        }
    }

    // Each status on its own, then those that name a refused one, until none is left.
    let mut statuses: Vec<(usize, Status)> = Vec::new();
    let mut refused_statuses = HashSet::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        if refused_actors.contains(&s.actor) {
            left_out(format!("statuses[{i}]"), &s.ap_id, "its actor was refused");
            refused_statuses.insert(s.ap_id.clone());
            continue;
        }
        // Pleroma's `check_remote_limit`: remote content over `:instance, :remote_limit` characters
        // is not stored.
        let limit = settings.limits.remote_limit;
        if !actor(&s.actor).local && s.content.chars().count() > limit {
            left_out(format!("statuses[{i}]"), &s.ap_id, &format!("its content is over the remote_limit of {limit}"));
            refused_statuses.insert(s.ap_id.clone());
            continue;
        }
        let original = s.visibility.as_deref().map_or(Some(Visibility::Public), Visibility::parse);
        let post = mrf::Post {
            announce: s.reblog_of.is_some(),
            actor: actor(&s.actor),
            // The reblogged status's origin: ours when its id is on our host.
            object: s.reblog_of.as_deref().map(|ap| {
                let host = mrf::host_of(ap);
                mrf::Actor { local: host == local_host, host, ..mrf::Actor::default() }
            }),
            visibility: original.unwrap_or(Visibility::Public),
            content: s.content.clone(),
            spoiler_text: s.spoiler_text.clone().unwrap_or_default(),
            sensitive: s.sensitive,
            attachments: s.attachments.clone(),
            hashtags: mrf::hashtags_in(&super::statuses::plain_text(&s.content)),
            mentions: s.mentions.clone(),
            published: s.created_at.unwrap_or(now),
        };
        match mrf::filter(policies, now, Activity::Post(Box::new(post))).map(Activity::into_post) {
            Ok(Some(post)) => statuses.push((
                i,
                Status {
                    // A visibility the file spelled wrong stays as written: the check below names it.
                    visibility: if original.is_some() {
                        Some(post.visibility.as_str().to_string())
                    } else {
                        s.visibility.clone()
                    },
                    content: post.content,
                    spoiler_text: s.spoiler_text.as_ref().map(|_| post.spoiler_text),
                    sensitive: post.sensitive,
                    attachments: post.attachments,
                    mentions: post.mentions,
                    ..s.clone()
                },
            )),
            Ok(None) => statuses.push((i, s.clone())),
            Err(refused) => {
                left_out(format!("statuses[{i}]"), &s.ap_id, &refused.reason);
                refused_statuses.insert(s.ap_id.clone());
            }
        }
    }
    loop {
        let names_refused =
            |s: &Status| [&s.in_reply_to, &s.reblog_of].into_iter().flatten().any(|ap| refused_statuses.contains(ap));
        let (dependent, kept): (Vec<_>, Vec<_>) = statuses.into_iter().partition(|(_, s)| names_refused(s));
        statuses = kept;
        if dependent.is_empty() {
            break;
        }
        for (i, s) in dependent {
            left_out(format!("statuses[{i}]"), &s.ap_id, "it answers or reblogs a refused status");
            refused_statuses.insert(s.ap_id);
        }
    }
    statuses.sort_by_key(|(i, _)| *i);
    out.statuses = statuses.into_iter().map(|(_, s)| s).collect();

    for (i, f) in doc.follows.iter().enumerate() {
        if refused_actors.contains(&f.follower) || refused_actors.contains(&f.followed) {
            left_out(format!("follows[{i}]"), &f.follower, "it names a refused actor");
            continue;
        }
        let follow = Activity::Follow { actor: actor(&f.follower), target: actor(&f.followed) };
        match mrf::filter(policies, now, follow) {
            Ok(_) => out.follows.push(f.clone()),
            Err(refused) => left_out(format!("follows[{i}]"), &f.follower, &refused.reason),
        }
    }
    for (i, r) in doc.reports.iter().enumerate() {
        if refused_actors.contains(&r.actor) || refused_actors.contains(&r.account) {
            left_out(format!("reports[{i}]"), &r.ap_id, "it names a refused actor");
            continue;
        }
        match mrf::filter(policies, now, Activity::Flag { actor: actor(&r.actor) }) {
            Ok(_) => out.reports.push(Report {
                statuses: r.statuses.iter().filter(|ap| !refused_statuses.contains(*ap)).cloned().collect(),
                ..r.clone()
            }),
            Err(refused) => left_out(format!("reports[{i}]"), &r.ap_id, &refused.reason),
        }
    }
    Ok((out, rejected))
}

/// Check the whole document, pass it through the moderation policies (`settings.mrf`), then
/// write what they let through in one transaction.
pub async fn import(db: &Db, settings: &Settings, doc: &Document) -> Result<ImportReport, AppError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let (screened, rejected) = screen(&txn, settings, doc, now).await?;
    let doc = &screened;

    // ---- actors
    let mut referenced: Vec<String> = doc.actors.iter().map(|a| a.ap_id.clone()).collect();
    referenced.extend(doc.statuses.iter().map(|s| s.actor.clone()));
    referenced.extend(doc.follows.iter().flat_map(|f| [f.follower.clone(), f.followed.clone()]));
    referenced.extend(doc.reports.iter().flat_map(|r| [r.actor.clone(), r.account.clone()]));
    // Stored users may be mentioned without being in the document.
    referenced.extend(doc.statuses.iter().flat_map(|s| s.mentions.clone()));
    referenced.sort();
    referenced.dedup();
    let existing_users = users_by_ap_id(&txn, &referenced).await?;
    // ap_id → user id, for every actor the document may name.
    let mut actor_ids: HashMap<String, String> =
        existing_users.iter().map(|(ap, row)| (ap.clone(), row.id.clone())).collect();
    let mut user_rows = Vec::new();
    let mut seen = HashSet::new();
    let nicknames: Vec<String> = doc.actors.iter().map(|a| a.nickname.clone()).collect();
    let mut taken: HashMap<String, String> = HashMap::new();
    for chunk in nicknames.chunks(500) {
        for row in user::Entity::find().filter(user::Column::Nickname.is_in(chunk.to_vec())).all(&txn).await? {
            taken.insert(row.nickname.clone(), row.ap_id.clone());
        }
    }
    for (i, actor) in doc.actors.iter().enumerate() {
        let entry = format!("actors[{i}]");
        if !is_url(&actor.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", actor.ap_id)));
        }
        if !seen.insert(actor.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate actor {}", actor.ap_id)));
        }
        let Some((nick, domain)) = actor.nickname.split_once('@') else {
            return Err(bad(entry, format!("nickname must be nick@domain: {}", actor.nickname)));
        };
        if nick.is_empty() || domain.is_empty() || domain.contains('@') || nick.contains(char::is_whitespace) {
            return Err(bad(entry, format!("nickname must be nick@domain: {}", actor.nickname)));
        }
        let actor_type = actor.actor_type.as_deref().unwrap_or("Person");
        if !matches!(actor_type, "Person" | "Service" | "Application") {
            return Err(bad(entry, format!("actor_type must be Person, Service or Application, not {actor_type}")));
        }
        if let Some(owner) = taken.get(&actor.nickname) {
            if owner != &actor.ap_id {
                return Err(bad(entry, format!("nickname {} belongs to another actor ({owner})", actor.nickname)));
            }
        }
        let id = match existing_users.get(&actor.ap_id) {
            Some(row) if row.local => return Err(bad(entry, format!("{} is a local user", actor.ap_id))),
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(actor.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        actor_ids.insert(actor.ap_id.clone(), id.clone());
        user_rows.push(remote_user(id, actor, &domain.to_lowercase(), actor_type, now));
    }

    // ---- statuses
    let mut status_refs: Vec<String> = doc.statuses.iter().map(|s| s.ap_id.clone()).collect();
    status_refs.extend(doc.statuses.iter().filter_map(|s| s.in_reply_to.clone()));
    status_refs.extend(doc.statuses.iter().filter_map(|s| s.reblog_of.clone()));
    status_refs.extend(doc.reports.iter().flat_map(|r| r.statuses.clone()));
    status_refs.sort();
    status_refs.dedup();
    let existing_statuses = statuses_by_ap_id(&txn, &status_refs).await?;
    // ap_id → (id, author id, context) of every status the document may name.
    let mut known: HashMap<String, (String, String, String)> = existing_statuses
        .iter()
        .map(|(ap, row)| (ap.clone(), (row.id.clone(), row.user_id.clone(), row.context.clone())))
        .collect();
    let mut seen = HashSet::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        let entry = format!("statuses[{i}]");
        if !is_url(&s.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", s.ap_id)));
        }
        if !seen.insert(s.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate status {}", s.ap_id)));
        }
        let Some(author) = actor_ids.get(&s.actor) else {
            return Err(bad(entry, format!("unknown actor {}", s.actor)));
        };
        let id = match existing_statuses.get(&s.ap_id) {
            Some(row) if row.local => return Err(bad(entry, format!("{} is a local status", s.ap_id))),
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(s.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        known.insert(s.ap_id.clone(), (id, author.clone(), s.ap_id.clone()));
    }
    let mut status_rows = Vec::new();
    // Per status: the mentioned users' ids and the attachments' URLs.
    let mut addressed: Vec<(String, String, Vec<String>, Vec<String>)> = Vec::new();
    for (i, s) in doc.statuses.iter().enumerate() {
        let entry = format!("statuses[{i}]");
        let visibility = s.visibility.as_deref().unwrap_or("public");
        if !matches!(visibility, "public" | "unlisted" | "private" | "direct") {
            return Err(bad(
                entry,
                format!("visibility must be public, unlisted, private or direct, not {visibility}"),
            ));
        }
        let lookup = |ap: &Option<String>, what: &str| -> Result<Option<(String, String, String)>, AppError> {
            match ap {
                None => Ok(None),
                Some(ap) => {
                    known.get(ap).cloned().map(Some).ok_or_else(|| bad(entry.clone(), format!("unknown {what} {ap}")))
                }
            }
        };
        let parent = lookup(&s.in_reply_to, "in_reply_to status")?;
        let reblogged = lookup(&s.reblog_of, "reblog_of status")?;
        let (id, author, _) = known.get(&s.ap_id).cloned().unwrap_or_default();
        let mut mentioned = Vec::new();
        for ap in &s.mentions {
            let user = actor_ids.get(ap).ok_or_else(|| bad(entry.clone(), format!("unknown mentioned actor {ap}")))?;
            if !mentioned.contains(user) {
                mentioned.push(user.clone());
            }
        }
        if let Some(url) = s.attachments.iter().find(|url| !is_url(url)) {
            return Err(bad(entry, format!("attachment is not an http(s) URL: {url}")));
        }
        addressed.push((id.clone(), author.clone(), mentioned, s.attachments.clone()));
        let context = parent.as_ref().map(|(_, _, ctx)| ctx.clone()).unwrap_or_else(|| s.ap_id.clone());
        status_rows.push(status::Model {
            id,
            ap_id: s.ap_id.clone(),
            user_id: author,
            content: if reblogged.is_some() { String::new() } else { sanitize(&s.content) },
            source: None,
            content_type: "text/html".into(),
            visibility: visibility.to_string(),
            sensitive: s.sensitive,
            spoiler_text: s.spoiler_text.clone().unwrap_or_default(),
            in_reply_to_id: parent.as_ref().map(|(id, _, _)| id.clone()),
            in_reply_to_user_id: parent.as_ref().map(|(_, user, _)| user.clone()),
            reblog_of_id: reblogged.map(|(id, _, _)| id),
            quote_of_id: None,
            context,
            language: None,
            local: false,
            idempotency_key: None,
            created_at: s.created_at.unwrap_or(now),
            edited_at: None,
            replies_count: 0,
            reblogs_count: 0,
            quotes_count: 0,
            favourites_count: 0,
        });
    }

    // ---- follows
    let mut follow_rows = Vec::new();
    for (i, f) in doc.follows.iter().enumerate() {
        let entry = format!("follows[{i}]");
        let follower =
            actor_ids.get(&f.follower).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", f.follower)))?;
        let followed =
            actor_ids.get(&f.followed).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", f.followed)))?;
        if follower == followed {
            return Err(bad(entry, "an actor cannot follow itself"));
        }
        follow_rows.push((follower.clone(), followed.clone()));
    }

    // ---- reports
    let existing_reports: HashMap<String, report::Model> = {
        let aps: Vec<String> = doc.reports.iter().map(|r| r.ap_id.clone()).collect();
        let mut out = HashMap::new();
        for chunk in aps.chunks(500) {
            for row in report::Entity::find().filter(report::Column::ApId.is_in(chunk.to_vec())).all(&txn).await? {
                out.insert(row.ap_id.clone(), row);
            }
        }
        out
    };
    let mut report_rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in doc.reports.iter().enumerate() {
        let entry = format!("reports[{i}]");
        if !is_url(&r.ap_id) {
            return Err(bad(entry, format!("ap_id is not an http(s) URL: {}", r.ap_id)));
        }
        if !seen.insert(r.ap_id.clone()) {
            return Err(bad(entry, format!("duplicate report {}", r.ap_id)));
        }
        let actor = actor_ids.get(&r.actor).ok_or_else(|| bad(entry.clone(), format!("unknown actor {}", r.actor)))?;
        let account =
            actor_ids.get(&r.account).ok_or_else(|| bad(entry.clone(), format!("unknown account {}", r.account)))?;
        let state = r.state.as_deref().unwrap_or("open");
        if !matches!(state, "open" | "closed" | "resolved") {
            return Err(bad(entry, format!("state must be open, closed or resolved, not {state}")));
        }
        let mut cited = Vec::new();
        for ap in &r.statuses {
            let Some((id, _, _)) = known.get(ap) else { return Err(bad(entry, format!("unknown status {ap}"))) };
            if !cited.contains(id) {
                cited.push(id.clone());
            }
        }
        let id = match existing_reports.get(&r.ap_id) {
            Some(row) => row.id.clone(),
            None => ids::flake_id_at(r.created_at.unwrap_or(now), rand::random::<u64>() >> 16),
        };
        let created = existing_reports.get(&r.ap_id).map(|row| row.created_at).unwrap_or(r.created_at.unwrap_or(now));
        report_rows.push((
            report::Model {
                id,
                ap_id: r.ap_id.clone(),
                actor_id: actor.clone(),
                account_id: account.clone(),
                content: r.content.clone(),
                state: state.to_string(),
                forwarded: false,
                rule_ids: json!([]),
                created_at: created,
                updated_at: now,
            },
            cited,
        ));
    }

    // ---- write
    for row in &user_rows {
        let model: user::ActiveModel = row.clone().into();
        let mut model = sea_orm::ActiveModelTrait::reset_all(model);
        model.search_text = Set(row.search_text.clone());
        user::Entity::insert(model)
            .on_conflict(
                OnConflict::column(user::Column::ApId)
                    .update_columns([
                        user::Column::Nickname,
                        user::Column::Name,
                        user::Column::Bio,
                        user::Column::ActorType,
                        user::Column::Avatar,
                        user::Column::Banner,
                        user::Column::Domain,
                        user::Column::SearchText,
                        user::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    // Parents first, so that the statuses a file holds can refer to each other in any order.
    for chunk in status_rows.chunks(200) {
        let models: Vec<status::ActiveModel> = chunk
            .iter()
            .map(|row| sea_orm::ActiveModelTrait::reset_all(status::ActiveModel::from(row.clone())))
            .collect();
        status::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(status::Column::ApId)
                    .update_columns([
                        status::Column::Content,
                        status::Column::Visibility,
                        status::Column::Sensitive,
                        status::Column::SpoilerText,
                        status::Column::InReplyToId,
                        status::Column::InReplyToUserId,
                        status::Column::ReblogOfId,
                        status::Column::Context,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    // Mentions and attachments as the file (after the policies) has them.
    let imported: Vec<String> = addressed.iter().map(|(id, ..)| id.clone()).collect();
    for chunk in imported.chunks(500) {
        mention::Entity::delete_many().filter(mention::Column::StatusId.is_in(chunk.to_vec())).exec(&txn).await?;
        media_attachment::Entity::delete_many()
            .filter(media_attachment::Column::StatusId.is_in(chunk.to_vec()))
            .filter(media_attachment::Column::RemoteUrl.is_not_null())
            .exec(&txn)
            .await?;
    }
    for (status_id, author, mentioned, attachments) in &addressed {
        if !mentioned.is_empty() {
            mention::Entity::insert_many(
                mentioned
                    .iter()
                    .map(|user| mention::ActiveModel { status_id: Set(status_id.clone()), user_id: Set(user.clone()) }),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        for url in attachments {
            media_attachment::Entity::insert(media_attachment::ActiveModel {
                id: Set(ids::flake_id()),
                user_id: Set(author.clone()),
                status_id: Set(Some(status_id.clone())),
                file_name: Set(String::new()),
                content_type: Set(content_type_of(url).to_string()),
                size: Set(0),
                description: Set(None),
                remote_url: Set(Some(url.clone())),
                inserted_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    let now_follow = Utc::now();
    for chunk in follow_rows.chunks(500) {
        let models: Vec<follow::ActiveModel> = chunk
            .iter()
            .map(|(follower, followed)| follow::ActiveModel {
                follower_id: Set(follower.clone()),
                following_id: Set(followed.clone()),
                inserted_at: Set(now_follow),
                show_reblogs: Set(true),
                notify: Set(false),
            })
            .collect();
        follow::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([follow::Column::FollowerId, follow::Column::FollowingId]).do_nothing().to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    let statuses_now: HashMap<String, status::Model> = {
        let cited: Vec<String> = report_rows.iter().flat_map(|(_, c)| c.clone()).collect();
        let mut out = HashMap::new();
        for chunk in cited.chunks(500) {
            for row in status::Entity::find().filter(status::Column::Id.is_in(chunk.to_vec())).all(&txn).await? {
                out.insert(row.id.clone(), row);
            }
        }
        out
    };
    for (row, cited) in &report_rows {
        let model = sea_orm::ActiveModelTrait::reset_all(report::ActiveModel::from(row.clone()));
        report::Entity::insert(model)
            .on_conflict(
                OnConflict::column(report::Column::ApId)
                    .update_columns([
                        report::Column::ActorId,
                        report::Column::AccountId,
                        report::Column::Content,
                        report::Column::State,
                        report::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        report_status::Entity::delete_many()
            .filter(report_status::Column::ReportId.eq(row.id.as_str()))
            .exec(&txn)
            .await?;
        for (position, id) in cited.iter().enumerate() {
            let Some(status) = statuses_now.get(id) else { continue };
            report_status::Entity::insert(report_status::ActiveModel {
                report_id: Set(row.id.clone()),
                status_id: Set(id.clone()),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                snapshot: Set(super::reports::snapshot(status)),
            })
            .exec_without_returning(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    // Fresh planner statistics for every table the file filled.
    super::counters::analyze(
        &db.write,
        &["users", "statuses", "mentions", "media_attachments", "follows", "reports", "report_statuses"],
    )
    .await?;
    Ok(ImportReport {
        actors: user_rows.len(),
        statuses: status_rows.len(),
        follows: follow_rows.len(),
        reports: report_rows.len(),
        rejected,
    })
}
