//! Statuses: posting (Pleroma's `CommonAPI.post` and `ActivityDraft`), reblogs, deletion, who
//! may see a status (`activity_pub/visibility.ex`), and the batched reads the views need.
//!
//! Content is rendered as Pleroma renders it: `text/plain` is escaped and its line breaks become
//! `<br/>`, `text/markdown` goes through pulldown-cmark, `text/html` is taken as written; then
//! mentions are linked and the HTML is cleaned by ammonia (never by hand), so a `<script>` never
//! survives.
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{follow, media_attachment, mention, status, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, NotSet, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::IN_CHUNK;
use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Visibilities Pleroma knows, most open first.
pub const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// Visibilities every reader may see (`Visibility.is_public?`).
pub const PUBLIC: [&str; 2] = ["public", "unlisted"];

/// Post formats accepted in `content_type` (Pleroma's `:instance, :allowed_post_formats`).
pub const POST_FORMATS: [&str; 3] = ["text/plain", "text/markdown", "text/html"];

/// Pleroma's message for a status with neither text nor media.
pub const EMPTY_STATUS: &str = "Cannot post an empty status without attachments";
/// Pleroma's message for a status longer than the instance's limit.
pub const TOO_LONG: &str = "The status is over the character limit";
/// Pleroma's message for a reply to a status that no longer exists.
pub const REPLY_DELETED: &str = "The post being replied to was deleted";
/// Pleroma's message for a reply to a direct message that is not direct itself.
pub const MUST_BE_DIRECT: &str = "The message visibility must be direct";

/// A status as its author asks for it (`POST /api/v1/statuses`).
#[derive(Debug, Clone, Default)]
pub struct NewStatus {
    pub status: Option<String>,
    pub media_ids: Vec<String>,
    pub in_reply_to_id: Option<String>,
    pub quote_id: Option<String>,
    pub sensitive: Option<bool>,
    pub spoiler_text: Option<String>,
    /// `public`, `unlisted`, `private`, `direct`; by default the parent's for a reply, else
    /// `public`.
    pub visibility: Option<String>,
    pub content_type: Option<String>,
    pub language: Option<String>,
    /// The client's `Idempotency-Key`: the same key from the same author gives the same status.
    pub idempotency_key: Option<String>,
    /// A poll to attach.
    pub poll: Option<super::polls::NewPoll>,
}

/// "May `viewer` see the status?" as a SQL condition on `statuses`, Pleroma's rule
/// (`Visibility.visible_for_user?`): public and unlisted statuses to everyone; otherwise to the
/// author, to mentioned users, and — for private statuses — to the author's followers.
pub fn visible_to(viewer: Option<&str>) -> Condition {
    let public = Condition::all().add(status::Column::Visibility.is_in(PUBLIC));
    let Some(viewer) = viewer else { return public };
    let mentioned = Query::select()
        .column(mention::Column::StatusId)
        .from(mention::Entity)
        .and_where(mention::Column::UserId.eq(viewer))
        .to_owned();
    let followed = Query::select()
        .column(follow::Column::FollowingId)
        .from(follow::Entity)
        .and_where(follow::Column::FollowerId.eq(viewer))
        .to_owned();
    Condition::any()
        .add(status::Column::Visibility.is_in(PUBLIC))
        .add(status::Column::UserId.eq(viewer))
        .add(status::Column::Id.in_subquery(mentioned))
        .add(
            Condition::all()
                .add(status::Column::Visibility.eq("private"))
                .add(status::Column::UserId.in_subquery(followed)),
        )
}

/// One status by id, when `viewer` may see it.
pub async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
) -> AppResult<Option<status::Model>> {
    Ok(status::Entity::find_by_id(id).filter(visible_to(viewer)).one(conn).await?)
}

/// One status by id, whoever may see it (staff views).
pub async fn find<C: ConnectionTrait>(conn: &C, id: &str) -> AppResult<Option<status::Model>> {
    Ok(status::Entity::find_by_id(id).one(conn).await?)
}

/// A visibility Pleroma knows, or `None`.
pub fn parse_visibility(value: &str) -> Option<&'static str> {
    VISIBILITIES.iter().copied().find(|v| *v == value)
}

/// A random UUID (version 4) for ActivityPub ids, as Pleroma's `Utils.generate_object_id`.
fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// The ActivityPub id of a new object.
pub fn object_id(settings: &Settings) -> String {
    format!("{}/objects/{}", settings.instance_url, uuid_v4())
}

/// The context IRI of a new thread.
pub fn context_id(settings: &Settings) -> String {
    format!("{}/contexts/{}", settings.instance_url, uuid_v4())
}

/// Pleroma's `conversation_id`: the CRC-32 of the context, without its top bit.
pub fn conversation_id(context: &str) -> i64 {
    let mut crc: u32 = 0xFFFF_FFFF;
    for byte in context.bytes() {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    i64::from(!crc & 0x7FFF_FFFF)
}

// ---- Content -----------------------------------------------------------------------------------

/// A mention as written in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMention {
    /// `@bob` or `@bob@example.org`, as written.
    pub written: String,
    /// The nickname to look up: `bob` (local, or our own host) or `bob@example.org`.
    pub nickname: String,
}

fn mention_regex() -> Option<&'static regex::Regex> {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(^|[^\w@/.:])@([A-Za-z0-9_-]+)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?|[A-Za-z0-9-]+:\d+))?",
        )
        .ok()
    });
    RE.as_ref()
}

/// The mentions written in `text`, in order, once each; `@nick@<our host>` is the local `nick`.
pub fn written_mentions(text: &str, host: &str) -> Vec<WrittenMention> {
    let Some(re) = mention_regex() else { return vec![] };
    let mut out: Vec<WrittenMention> = Vec::new();
    for caps in re.captures_iter(text) {
        let (Some(nick), domain) = (caps.get(2), caps.get(3)) else { continue };
        let written = match domain {
            Some(d) => format!("@{}@{}", nick.as_str(), d.as_str()),
            None => format!("@{}", nick.as_str()),
        };
        let nickname = match domain {
            Some(d) if !d.as_str().eq_ignore_ascii_case(host) => format!("{}@{}", nick.as_str(), d.as_str()),
            _ => nick.as_str().to_string(),
        };
        if !out.iter().any(|m| m.written == written) {
            out.push(WrittenMention { written, nickname });
        }
    }
    out
}

/// The sanitiser: Pleroma's default scrubber allows basic formatting, links and the microformat
/// classes of mentions and hashtags.
fn cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(None)
        .add_tag_attributes("a", &["rel", "data-user", "data-tag"])
        .add_allowed_classes("a", &["u-url", "mention", "hashtag"])
        .add_allowed_classes("span", &["h-card"]);
    builder
}

/// Clean untrusted HTML.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string().replace("<br>", "<br/>")
}

use super::formatter::escape;

/// Whom a mention links to.
#[derive(Debug, Clone)]
pub struct MentionTarget {
    pub id: String,
    pub ap_id: String,
    pub nickname: String,
}

impl From<&user::Model> for MentionTarget {
    fn from(u: &user::Model) -> Self {
        MentionTarget { id: u.id.clone(), ap_id: u.ap_id.clone(), nickname: u.nickname.clone() }
    }
}

/// Render `text` of `content_type` to sanitised HTML, linking the resolved mentions (`written`
/// form → user).
pub fn render_content(
    text: &str,
    content_type: &str,
    mentions: &[(String, MentionTarget)],
    instance_url: &str,
) -> String {
    render_content_with(text, content_type, mentions, instance_url, false)
}

/// [`render_content`], mentions showing the full `nick@host` when `full_mentions` (Pleroma's
/// `mentions_format: :full`, announcements) rather than the local part.
pub fn render_content_with(
    text: &str,
    content_type: &str,
    mentions: &[(String, MentionTarget)],
    instance_url: &str,
    full_mentions: bool,
) -> String {
    // Mentions become placeholders first, so that neither escaping nor Markdown touches them.
    let mut source = text.to_string();
    let mut ordered: Vec<&(String, MentionTarget)> = mentions.iter().collect();
    ordered.sort_by_key(|(written, _)| std::cmp::Reverse(written.len()));
    for (i, (written, _)) in ordered.iter().enumerate() {
        if let Ok(re) = regex::Regex::new(&format!(r"(^|[^\w@/.:]){}\b(?:[^@\w]|$)", regex::escape(written))) {
            let placeholder = format!("\u{E000}{i}\u{E001}");
            // Replace only whole mentions (not a prefix of a longer one).
            let mut out = String::with_capacity(source.len());
            let mut last = 0;
            for m in re.find_iter(&source) {
                let Some(start) = source[m.start()..m.end()].find(written.as_str()).map(|o| m.start() + o) else {
                    continue;
                };
                out.push_str(&source[last..start]);
                out.push_str(&placeholder);
                last = start + written.len();
            }
            out.push_str(&source[last..]);
            source = out;
        }
    }
    let html = match content_type {
        "text/markdown" => {
            let mut out = String::new();
            pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(&source));
            out.trim_end().to_string()
        }
        "text/html" => source,
        _ => super::formatter::link_plain(&source, instance_url).replace("\r\n", "\n").replace('\n', "<br/>"),
    };
    let mut linked = html;
    for (i, (_, user)) in ordered.iter().enumerate() {
        let local_part = if full_mentions {
            user.nickname.as_str()
        } else {
            user.nickname.split('@').next().unwrap_or(&user.nickname)
        };
        let link = format!(
            "<span class=\"h-card\"><a class=\"u-url mention\" data-user=\"{}\" href=\"{}\" rel=\"ugc\">@<span>{}</span></a></span>",
            escape(&user.id),
            escape(&user.ap_id),
            escape(local_part)
        );
        linked = linked.replace(&format!("\u{E000}{i}\u{E001}"), &link);
    }
    sanitize(&linked)
}

/// Plain text of sanitised HTML (Pleroma's `content: {"text/plain": …}`).
pub fn plain_text(html: &str) -> String {
    let with_breaks = html.replace("<br/>", "\n").replace("</p><p>", "\n\n");
    let stripped = ammonia::Builder::empty().clean(&with_breaks).to_string();
    stripped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

// ---- Posting -----------------------------------------------------------------------------------

/// Post a status as `author`. With an `Idempotency-Key` already used by the author, the status
/// it made is returned instead.
pub async fn create(db: &Db, settings: &Settings, author: &user::Model, new: NewStatus) -> AppResult<status::Model> {
    let key = new.idempotency_key.clone().filter(|k| !k.is_empty());
    if let Some(key) = &key {
        if let Some(existing) = by_idempotency_key(&db.write, &author.id, key).await? {
            return Ok(existing);
        }
    }
    // Unknown remote `@nick@host` mentions are fetched before the transaction (network waits
    // hold no lock), as Pleroma's formatter resolves them.
    super::federation::resolve::mentions(db, settings, new.status.as_deref().unwrap_or_default()).await?;
    let txn = db.begin().await?;
    match create_in(&txn, db, settings, author, new).await {
        Ok(saved) => {
            txn.commit().await?;
            Ok(saved)
        }
        // The same key sent twice at once: the other request's status wins.
        Err(err @ AppError::Unique(_)) if key.is_some() => {
            drop(txn);
            let key = key.unwrap_or_default();
            by_idempotency_key(&db.write, &author.id, &key).await?.ok_or(err)
        }
        Err(err) => Err(err),
    }
}

/// [`create`] inside the caller's transaction `conn` (reads of other statuses go to `db`), so an
/// action that posts a status commits it together with its own writes.
pub async fn create_in<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
) -> AppResult<status::Model> {
    create_checked(conn, db, settings, author, new, false).await
}

/// [`create_in`] for a status whose text may be empty (an event's description: the event
/// record carries what it is about).
pub async fn create_in_allowing_empty<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
) -> AppResult<status::Model> {
    create_checked(conn, db, settings, author, new, true).await
}

async fn create_checked<C: ConnectionTrait>(
    conn: &C,
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    new: NewStatus,
    allow_empty: bool,
) -> AppResult<status::Model> {
    let text = new.status.clone().unwrap_or_default();
    if !allow_empty && text.trim().is_empty() && new.media_ids.is_empty() {
        return Err(AppError::invalid("status", EMPTY_STATUS));
    }
    if text.chars().count() > settings.instance.limit {
        return Err(AppError::invalid("status", TOO_LONG));
    }
    // The poll is checked after the text, as Pleroma's `ActivityDraft` does.
    let poll = match new.poll.clone() {
        Some(poll) => Some((super::polls::validate(&settings.limits.poll_limits, &poll)?, poll)),
        None => None,
    };
    let parent = match new.in_reply_to_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => match find_visible(&db.read, id, Some(&author.id)).await? {
            Some(parent) => Some(parent),
            None => return Err(AppError::invalid("in_reply_to_id", REPLY_DELETED)),
        },
        None => None,
    };
    let quoted = match new.quote_id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => find_visible(&db.read, id, Some(&author.id)).await?,
        None => None,
    };
    let visibility = match new.visibility.as_deref() {
        Some(v) => parse_visibility(v).ok_or_else(|| AppError::invalid("visibility", "Invalid visibility"))?,
        None => parent.as_ref().and_then(|p| parse_visibility(&p.visibility)).unwrap_or("public"),
    };
    if parent.as_ref().is_some_and(|p| p.visibility == "direct") && visibility != "direct" {
        return Err(AppError::invalid("visibility", MUST_BE_DIRECT));
    }
    let content_type =
        new.content_type.as_deref().filter(|t| POST_FORMATS.contains(t)).unwrap_or("text/plain").to_string();

    // Mentions: written ones that name a user, and the author of the status replied to.
    let written = written_mentions(&text, &settings.host());
    let nicknames: Vec<String> = written.iter().map(|m| m.nickname.to_lowercase()).collect();
    let found = if nicknames.is_empty() {
        vec![]
    } else {
        user::Entity::find()
            .filter(Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(user::Column::Nickname))).is_in(nicknames))
            .all(conn)
            .await?
    };
    let resolved: Vec<(String, user::Model)> = written
        .iter()
        .filter_map(|m| {
            found.iter().find(|u| u.nickname.eq_ignore_ascii_case(&m.nickname)).map(|u| (m.written.clone(), u.clone()))
        })
        .collect();
    let mut mentioned: Vec<String> = Vec::new();
    if let Some(parent) = &parent {
        mentioned.push(parent.user_id.clone());
    }
    for (_, u) in &resolved {
        if !mentioned.contains(&u.id) {
            mentioned.push(u.id.clone());
        }
    }
    let targets: Vec<(String, MentionTarget)> =
        resolved.iter().map(|(w, u)| (w.clone(), MentionTarget::from(u))).collect();
    let content = render_content(&text, &content_type, &targets, &settings.instance_url);
    let now = Utc::now();
    // The moderation policies see the post before anything is written; a refusal is Pleroma's 422.
    let post = super::mrf::filter(
        &settings.mrf,
        now,
        super::mrf::Activity::Post(Box::new(super::mrf::Post {
            announce: false,
            actor: super::mrf::local_actor(conn, settings, author).await?,
            object: None,
            visibility: super::mrf::Visibility::parse(visibility).unwrap_or(super::mrf::Visibility::Public),
            content,
            spoiler_text: new.spoiler_text.unwrap_or_default(),
            sensitive: new.sensitive.unwrap_or(false),
            attachments: new.media_ids.clone(),
            hashtags: super::mrf::hashtags_in(&text),
            mentions: mentioned,
            published: now,
        })),
    )
    .map_err(|rejected| AppError::invalid("status", &rejected.reason))?
    .into_post()
    .ok_or_else(|| AppError::internal("a policy turned a post into another activity"))?;
    let (mentioned, media_ids) = (post.mentions, post.attachments);
    let row = status::ActiveModel {
        id: Set(crate::ids::flake_id()),
        ap_id: Set(object_id(settings)),
        user_id: Set(author.id.clone()),
        content: Set(post.content),
        source: Set(Some(text)),
        content_type: Set(content_type),
        visibility: Set(post.visibility.as_str().to_string()),
        sensitive: Set(post.sensitive),
        spoiler_text: Set(post.spoiler_text),
        in_reply_to_id: Set(parent.as_ref().map(|p| p.id.clone())),
        in_reply_to_user_id: Set(parent.as_ref().map(|p| p.user_id.clone())),
        reblog_of_id: Set(None),
        quote_of_id: Set(quoted.as_ref().map(|q| q.id.clone())),
        context: Set(parent.as_ref().map_or_else(|| context_id(settings), |p| p.context.clone())),
        language: Set(new.language.filter(|l| !l.is_empty())),
        local: Set(true),
        idempotency_key: Set(new.idempotency_key.clone().filter(|k| !k.is_empty())),
        created_at: Set(now),
        edited_at: Set(None),
        replies_count: NotSet,
        reblogs_count: NotSet,
        quotes_count: NotSet,
        favourites_count: NotSet,
    };
    let saved = row.insert(conn).await?;
    if let Some((options, poll)) = poll {
        super::polls::create_in(conn, &saved.id, options, &poll, now).await?;
    }
    if !mentioned.is_empty() {
        mention::Entity::insert_many(
            mentioned
                .iter()
                .map(|uid| mention::ActiveModel { status_id: Set(saved.id.clone()), user_id: Set(uid.clone()) }),
        )
        .exec(conn)
        .await?;
        let event = super::notifications::Event {
            kind: super::notifications::MENTION,
            actor_id: author.id.clone(),
            status_id: Some(saved.id.clone()),
            ..Default::default()
        };
        super::notifications::notify(conn, &mentioned, &event).await?;
    }
    // Subscribers hear of the author's posts that are not replies (Pleroma's
    // `maybe_notify_subscribers`), unless already notified as mentioned.
    if saved.in_reply_to_id.is_none() {
        let subscribers = super::notifications::subscribers(conn, &author.id, &saved.visibility, &mentioned).await?;
        let event = super::notifications::Event {
            kind: super::notifications::STATUS,
            actor_id: author.id.clone(),
            status_id: Some(saved.id.clone()),
            ..Default::default()
        };
        super::notifications::notify(conn, &subscribers, &event).await?;
    }
    if !media_ids.is_empty() {
        media_attachment::Entity::update_many()
            .col_expr(media_attachment::Column::StatusId, Expr::value(saved.id.clone()))
            .filter(media_attachment::Column::Id.is_in(media_ids))
            .filter(media_attachment::Column::UserId.eq(author.id.as_str()))
            .filter(media_attachment::Column::StatusId.is_null())
            .exec(conn)
            .await?;
    }
    // A direct status makes or bumps its thread's conversation (Pleroma's
    // `create_or_bump_conversation`): the author and each recipient take part.
    if saved.visibility == "direct" {
        let mut users = vec![author.id.clone()];
        users.extend(mentioned.iter().filter(|u| **u != author.id).cloned());
        super::conversations::create_or_bump(conn, &saved, &users).await?;
    }
    if author.local {
        super::federation::publisher::status_created(conn, &saved, &mentioned).await?;
    }
    Ok(saved)
}

async fn by_idempotency_key<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    key: &str,
) -> AppResult<Option<status::Model>> {
    Ok(status::Entity::find()
        .filter(status::Column::UserId.eq(user_id))
        .filter(status::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?)
}

// ---- Batched reads -----------------------------------------------------------------------------

/// Statuses by id, in any order.
pub async fn by_ids<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<Vec<status::Model>> {
    Ok(super::rows_among::<status::Entity, _>(conn, status::Column::Id, ids).await?)
}

/// The users each status mentions, in mention order.
pub async fn mentioned_users<C: ConnectionTrait>(
    conn: &C,
    status_ids: &[String],
) -> AppResult<HashMap<String, Vec<user::Model>>> {
    let mut rows = Vec::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        rows.extend(mention::Entity::find().filter(mention::Column::StatusId.is_in(chunk.to_vec())).all(conn).await?);
    }
    let user_ids: Vec<String> = rows.iter().map(|m| m.user_id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let users: HashMap<String, user::Model> =
        super::users::by_ids(conn, &user_ids).await?.into_iter().map(|u| (u.id.clone(), u)).collect();
    let mut out: HashMap<String, Vec<user::Model>> = HashMap::new();
    for m in rows {
        if let Some(u) = users.get(&m.user_id) {
            out.entry(m.status_id).or_default().push(u.clone());
        }
    }
    Ok(out)
}

/// The media attached to each status, in upload order.
pub async fn media_of<C: ConnectionTrait>(
    conn: &C,
    status_ids: &[String],
) -> AppResult<HashMap<String, Vec<media_attachment::Model>>> {
    let mut out: HashMap<String, Vec<media_attachment::Model>> = HashMap::new();
    for chunk in status_ids.chunks(IN_CHUNK) {
        let rows = media_attachment::Entity::find()
            .filter(media_attachment::Column::StatusId.is_in(chunk.to_vec()))
            .order_by_asc(media_attachment::Column::Id)
            .all(conn)
            .await?;
        for row in rows {
            if let Some(sid) = row.status_id.clone() {
                out.entry(sid).or_default().push(row);
            }
        }
    }
    Ok(out)
}

/// Counters of a status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Public and unlisted replies (Pleroma counts only those).
    pub replies: u64,
    pub reblogs: u64,
    /// Public and unlisted quotes.
    pub quotes: u64,
}

/// A kept counter as served (a counter never shows below zero).
pub fn served(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Counts {
    /// The kept counters of a status row.
    pub fn of(row: &status::Model) -> Self {
        Self {
            replies: served(row.replies_count),
            reblogs: served(row.reblogs_count),
            quotes: served(row.quotes_count),
        }
    }
}

/// Replies, reblogs and quotes of each status, from its kept counters (one query).
pub async fn counts_of<C: ConnectionTrait>(conn: &C, ids: &[String]) -> AppResult<HashMap<String, Counts>> {
    let mut out: HashMap<String, Counts> = ids.iter().map(|id| (id.clone(), Counts::default())).collect();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64, i64, i64)> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .column(status::Column::RepliesCount)
            .column(status::Column::ReblogsCount)
            .column(status::Column::QuotesCount)
            .filter(status::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, replies, reblogs, quotes) in rows {
            out.insert(id, Counts { replies: served(replies), reblogs: served(reblogs), quotes: served(quotes) });
        }
    }
    Ok(out)
}

/// Which of these statuses `viewer` has reblogged.
pub async fn reblogged_by<C: ConnectionTrait>(conn: &C, viewer: &str, ids: &[String]) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<Option<String>> = status::Entity::find()
            .select_only()
            .column(status::Column::ReblogOfId)
            .filter(status::Column::UserId.eq(viewer))
            .filter(status::Column::ReblogOfId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows.into_iter().flatten());
    }
    Ok(out)
}

/// Which of these authors `viewer` mutes.
pub async fn muted_by<C: ConnectionTrait>(conn: &C, viewer: &str, author_ids: &[String]) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in author_ids.chunks(IN_CHUNK) {
        let rows: Vec<String> = entity::mute::Entity::find()
            .select_only()
            .column(entity::mute::Column::MutedId)
            .filter(entity::mute::Column::MuterId.eq(viewer))
            .filter(entity::mute::Column::MutedId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Which of these statuses `viewer` may see.
pub async fn visible_ids<C: ConnectionTrait>(
    conn: &C,
    viewer: Option<&str>,
    ids: &[String],
) -> AppResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<String> = status::Entity::find()
            .select_only()
            .column(status::Column::Id)
            .filter(status::Column::Id.is_in(chunk.to_vec()))
            .filter(visible_to(viewer))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// What an account's view shows of its posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuthorStats {
    /// Public and unlisted posts, reblogs excluded (Pleroma's `note_count`).
    pub statuses: u64,
    /// When the author last posted (reblogs included).
    pub last_status_at: Option<DateTime<Utc>>,
}

impl AuthorStats {
    /// The kept counters of a user row.
    pub fn of(row: &user::Model) -> Self {
        Self { statuses: served(row.statuses_count), last_status_at: row.last_status_at }
    }
}

/// The post count and last post time of each of these users, from their kept counters (one
/// query).
pub async fn author_stats<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[String],
) -> AppResult<HashMap<String, AuthorStats>> {
    let mut out: HashMap<String, AuthorStats> = HashMap::new();
    for chunk in user_ids.chunks(IN_CHUNK) {
        let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::StatusesCount)
            .column(user::Column::LastStatusAt)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, statuses, last_status_at) in rows {
            out.insert(id, AuthorStats { statuses: served(statuses), last_status_at });
        }
    }
    Ok(out)
}

// ---- Staff views and moderation -----------------------------------------------------------------

/// What an admin status list shows (`ActivityPub.fetch_statuses` / `fetch_user_activities`).
#[derive(Debug, Clone, Default)]
pub struct StatusSearch {
    /// Statuses of this author only.
    pub author_id: Option<String>,
    /// Statuses of accounts on this host only.
    pub instance: Option<String>,
    /// Local statuses only.
    pub local_only: bool,
    /// Show private and direct statuses too (without it only public and unlisted ones show).
    pub godmode: bool,
    /// Include reblogs.
    pub with_reblogs: bool,
    /// Keyset cursor: statuses older than this id.
    pub before_id: Option<String>,
}

impl StatusSearch {
    fn condition(&self) -> Condition {
        self.condition_for(None)
    }

    /// The filter; with `Some(DbBackend::Sqlite)` and no author, the filters on columns that
    /// match most rows (visibility, reblogs, local) are written `+column`, which keeps SQLite
    /// from reading their indexes: with bound parameters it would otherwise take one of them
    /// and sort every match in a temporary B-tree, where walking the primary key backwards
    /// stops after one page. An author's list keeps its `(user_id, id)` index.
    fn condition_for(&self, walk_id_on: Option<sea_orm::DbBackend>) -> Condition {
        let unindexed = walk_id_on == Some(sea_orm::DbBackend::Sqlite) && self.author_id.is_none();
        let mut cond = Condition::all();
        if let Some(author) = &self.author_id {
            cond = cond.add(status::Column::UserId.eq(author.as_str()));
        }
        if let Some(host) = &self.instance {
            let users = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(user::Column::Domain.eq(host.as_str()))
                .to_owned();
            cond = cond.add(status::Column::UserId.in_subquery(users));
        }
        // SQLite's `?` placeholders: the `+column` forms are written for SQLite only.
        if self.local_only {
            cond = cond.add(if unindexed {
                Expr::cust_with_values(r#"+"statuses"."local" = ?"#, [true])
            } else {
                status::Column::Local.eq(true)
            });
        }
        if !self.godmode {
            cond = cond.add(if unindexed {
                Expr::cust_with_values(r#"+"statuses"."visibility" IN (?, ?)"#, PUBLIC)
            } else {
                status::Column::Visibility.is_in(PUBLIC)
            });
        }
        if !self.with_reblogs {
            cond = cond.add(if unindexed {
                Expr::cust(r#"+"statuses"."reblog_of_id" IS NULL"#)
            } else {
                status::Column::ReblogOfId.is_null()
            });
        }
        if let Some(before) = &self.before_id {
            cond = cond.add(status::Column::Id.lt(before.as_str()));
        }
        cond
    }

    /// A page, newest first.
    pub async fn page<C: ConnectionTrait>(&self, conn: &C, offset: u64, limit: u64) -> AppResult<Vec<status::Model>> {
        let statement = self.page_statement(conn.get_database_backend(), offset, limit);
        Ok(status::Entity::find().from_raw_sql(statement).all(conn).await?)
    }

    /// The statement [`StatusSearch::page`] runs on `backend`.
    pub fn page_statement(&self, backend: sea_orm::DbBackend, offset: u64, limit: u64) -> sea_orm::Statement {
        use sea_orm::QueryTrait;
        status::Entity::find()
            .filter(self.condition_for(Some(backend)))
            .order_by_desc(status::Column::Id)
            .offset(offset)
            .limit(limit)
            .build(backend)
    }

    /// How many match (the cursor ignored).
    pub async fn count<C: ConnectionTrait>(&self, conn: &C) -> AppResult<u64> {
        use sea_orm::PaginatorTrait;
        let all = StatusSearch { before_id: None, ..self.clone() };
        Ok(status::Entity::find().filter(all.condition()).count(conn).await?)
    }
}

/// Status counts by visibility (reblogs excluded), for the whole database or one host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisibilityCounts {
    pub public: u64,
    pub unlisted: u64,
    pub private: u64,
    pub direct: u64,
}

/// Pleroma's `Stats.get_status_visibility_count(instance)`.
pub async fn visibility_counts<C: ConnectionTrait>(conn: &C, instance: Option<&str>) -> AppResult<VisibilityCounts> {
    let search = StatusSearch {
        instance: instance.filter(|h| !h.is_empty()).map(String::from),
        godmode: true,
        ..Default::default()
    };
    let rows: Vec<(String, i64)> = status::Entity::find()
        .select_only()
        .column(status::Column::Visibility)
        .column_as(status::Column::Id.count(), "n")
        .filter(search.condition())
        .group_by(status::Column::Visibility)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = VisibilityCounts::default();
    for (visibility, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match visibility.as_str() {
            "public" => out.public = n,
            "unlisted" => out.unlisted = n,
            "private" => out.private = n,
            "direct" => out.direct = n,
            _ => {}
        }
    }
    Ok(out)
}

/// Pleroma's refusal of an unknown visibility in an admin update.
pub const UNSUPPORTED_VISIBILITY: &str = "Unsupported visibility";

/// An admin's change of a status's sensitivity and/or visibility (Pleroma's
/// `CommonAPI.update_activity_scope`), logged as `status_update` in the same transaction.
pub async fn moderate(
    db: &Db,
    actor: &super::moderation_log::Actor,
    id: &str,
    sensitive: Option<bool>,
    visibility: Option<&str>,
) -> AppResult<status::Model> {
    let visibility = match visibility {
        Some(v) => Some(parse_visibility(v).ok_or_else(|| AppError::BadRequest(UNSUPPORTED_VISIBILITY.into()))?),
        None => None,
    };
    let txn = db.begin().await?;
    let row = status::Entity::find_by_id(id)
        .filter(status::Column::ReblogOfId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let mut active: status::ActiveModel = row.into();
    if let Some(s) = sensitive {
        active.sensitive = Set(s);
    }
    if let Some(v) = visibility {
        active.visibility = Set(v.to_string());
    }
    let saved = active.update(&txn).await?;
    super::moderation_log::record(
        &txn,
        actor,
        &super::moderation_log::Action::StatusUpdate {
            status_id: saved.id.clone(),
            sensitive,
            visibility: visibility.map(String::from),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Who asks for a deletion.
pub struct Deleter<'a> {
    pub user: &'a user::Model,
    /// Holds `messages_delete` (may delete anyone's statuses).
    pub privileged: bool,
}

/// Delete a post (not a reblog: unreblog those) with its reblogs and media files (Pleroma's
/// `CommonAPI.delete`). Its author may, and so may staff holding `messages_delete`; their
/// deletion of someone else's status is logged as `status_delete` in the same transaction.
/// Replies stay. `NotFound` when there is no such post or the caller may not delete it.
pub async fn delete(db: &Db, settings: &Settings, by: Deleter<'_>, id: &str) -> AppResult<status::Model> {
    let txn = db.begin().await?;
    let row = status::Entity::find_by_id(id)
        .filter(status::Column::ReblogOfId.is_null())
        .one(&txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    let own = row.user_id == by.user.id;
    if !own && !by.privileged {
        return Err(AppError::not_found());
    }
    let media = media_attachment::Entity::find()
        .filter(media_attachment::Column::StatusId.eq(row.id.as_str()))
        .all(&txn)
        .await?;
    if row.local {
        super::federation::publisher::status_deleted(&txn, &row).await?;
    }
    media_attachment::Entity::delete_many()
        .filter(media_attachment::Column::StatusId.eq(row.id.as_str()))
        .exec(&txn)
        .await?;
    status::Entity::delete_many().filter(status::Column::ReblogOfId.eq(row.id.as_str())).exec(&txn).await?;
    status::Entity::delete_by_id(row.id.as_str()).exec(&txn).await?;
    if !own {
        let actor = super::moderation_log::Actor::from(by.user);
        super::moderation_log::record(
            &txn,
            &actor,
            &super::moderation_log::Action::StatusDelete { status_id: row.id.clone() },
        )
        .await?;
    }
    txn.commit().await?;
    for m in media.iter().filter(|m| m.remote_url.is_none()) {
        // A deduplicated file may still be another upload's.
        if !super::media::file_in_use(&db.write, &m.file_name).await.unwrap_or(true) {
            if let Err(error) = super::storage::remove(settings, &uploads_dir(settings).join(&m.file_name)).await {
                tracing::warn!(%error, "cannot remove a deleted status's upload");
            }
        }
    }
    if by.privileged {
        let remote: Vec<String> = media.iter().filter_map(|m| m.remote_url.clone()).collect();
        super::media_proxy::invalidate_later(db, settings, remote);
    }
    Ok(row)
}

/// Where uploads are stored: `Pleroma.Uploaders.Local, :uploads`, under the data directory
/// when relative.
pub fn uploads_dir(settings: &Settings) -> std::path::PathBuf {
    settings.data_dir.join(&settings.upload.uploads)
}

/// Reblog a status the caller may see (Pleroma's `CommonAPI.repeat`): public and unlisted
/// statuses, and the caller's own private ones. Reblogging twice gives the same reblog.
pub async fn reblog(
    db: &Db,
    settings: &Settings,
    by: &user::Model,
    id: &str,
    visibility: Option<&str>,
) -> AppResult<status::Model> {
    let original = find_visible(&db.read, id, Some(&by.id))
        .await?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(AppError::not_found)?;
    let own_private = original.visibility == "private" && original.user_id == by.id;
    if !PUBLIC.contains(&original.visibility.as_str()) && !own_private {
        return Err(AppError::BadRequest("Could not repeat".into()));
    }
    if let Some(existing) = status::Entity::find()
        .filter(status::Column::UserId.eq(by.id.as_str()))
        .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
        .one(&db.read)
        .await?
    {
        return Ok(existing);
    }
    let visibility = if own_private {
        "private"
    } else {
        visibility.and_then(parse_visibility).filter(|v| PUBLIC.contains(v) || *v == "private").unwrap_or("public")
    };
    // The policies see the reblog (an `Announce`): the instance lists of the reblogger and of the
    // reblogged status, and the addressing.
    let now = Utc::now();
    let announce = super::mrf::Post {
        announce: true,
        actor: super::mrf::local_actor(&db.read, settings, by).await?,
        object: Some(super::mrf::Actor {
            host: if original.local {
                super::mrf::host_of(&settings.instance_url)
            } else {
                super::mrf::host_of(&original.ap_id)
            },
            local: original.local,
            ..super::mrf::Actor::default()
        }),
        visibility: super::mrf::Visibility::parse(visibility).unwrap_or(super::mrf::Visibility::Public),
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        attachments: vec![],
        hashtags: vec![],
        mentions: vec![original.user_id.clone()],
        published: now,
    };
    let announce = super::mrf::filter(&settings.mrf, now, super::mrf::Activity::Post(Box::new(announce)))
        .map_err(|rejected| AppError::BadRequest(rejected.reason))?
        .into_post()
        .ok_or_else(|| AppError::internal("a policy turned a reblog into another activity"))?;
    let visibility = announce.visibility.as_str();
    let txn = db.begin().await?;
    let row = status::ActiveModel {
        id: Set(crate::ids::flake_id()),
        ap_id: Set(format!("{}/activities/{}", settings.instance_url, uuid_v4())),
        user_id: Set(by.id.clone()),
        content: Set(String::new()),
        source: Set(None),
        content_type: Set("text/plain".into()),
        visibility: Set(visibility.to_string()),
        sensitive: Set(false),
        spoiler_text: Set(String::new()),
        in_reply_to_id: Set(None),
        in_reply_to_user_id: Set(None),
        reblog_of_id: Set(Some(original.id.clone())),
        quote_of_id: Set(None),
        context: Set(original.context.clone()),
        language: Set(None),
        local: Set(true),
        idempotency_key: Set(None),
        created_at: Set(now),
        edited_at: Set(None),
        replies_count: NotSet,
        reblogs_count: NotSet,
        quotes_count: NotSet,
        favourites_count: NotSet,
    }
    .insert(&txn)
    .await?;
    mention::Entity::insert(mention::ActiveModel {
        status_id: Set(row.id.clone()),
        user_id: Set(original.user_id.clone()),
    })
    .exec(&txn)
    .await?;
    let event = super::notifications::Event {
        kind: super::notifications::REBLOG,
        actor_id: by.id.clone(),
        status_id: Some(original.id.clone()),
        ..Default::default()
    };
    super::notifications::notify(&txn, std::slice::from_ref(&original.user_id), &event).await?;
    let announce = super::federation::publisher::ReactionKind::Announce;
    super::federation::publisher::reaction(&txn, by, &original, announce, Some(row.ap_id.clone())).await?;
    txn.commit().await?;
    Ok(row)
}

/// Undo the caller's reblog of a status; returns the reblogged status.
pub async fn unreblog(db: &Db, by: &user::Model, id: &str) -> AppResult<status::Model> {
    let original = find_visible(&db.read, id, Some(&by.id)).await?.ok_or_else(AppError::not_found)?;
    let txn = db.begin().await?;
    if by.local && !original.local {
        // The undone announce is named by its id (the reblog's ap_id).
        let reblog = status::Entity::find()
            .filter(status::Column::UserId.eq(by.id.as_str()))
            .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
            .one(&txn)
            .await?;
        if let Some(reblog) = reblog {
            let undo = super::federation::publisher::ReactionKind::Unannounce;
            super::federation::publisher::reaction(&txn, by, &original, undo, Some(reblog.ap_id)).await?;
        }
    }
    status::Entity::delete_many()
        .filter(status::Column::UserId.eq(by.id.as_str()))
        .filter(status::Column::ReblogOfId.eq(original.id.as_str()))
        .exec(&txn)
        .await?;
    // The reblog's notification goes with it, as Pleroma's goes with its `Announce`.
    let event = super::notifications::Event {
        kind: super::notifications::REBLOG,
        actor_id: by.id.clone(),
        status_id: Some(original.id.clone()),
        ..Default::default()
    };
    super::notifications::withdraw(&txn, &event).await?;
    txn.commit().await?;
    Ok(original)
}

/// Visible statuses quoting a status, newest first (`GET /api/v1/pleroma/statuses/:id/quotes`).
pub async fn quotes<C: ConnectionTrait>(
    conn: &C,
    id: &str,
    viewer: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    let mut query = status::Entity::find().filter(status::Column::QuoteOfId.eq(id)).filter(visible_to(viewer));
    query = page.apply(query);
    Ok(query.all(conn).await?)
}

/// Statuses of an author the viewer may see, newest first (`GET /api/v1/accounts/:id/statuses`);
/// with `pinned_only`, the posts the author pinned (Pleroma's `restrict_pinned`: no reblogs).
pub async fn by_author<C: ConnectionTrait>(
    conn: &C,
    author_id: &str,
    viewer: Option<&str>,
    with_reblogs: bool,
    pinned_only: bool,
    page: &MastodonPage,
) -> AppResult<Vec<status::Model>> {
    let mut query = status::Entity::find().filter(status::Column::UserId.eq(author_id)).filter(visible_to(viewer));
    if !with_reblogs || pinned_only {
        query = query.filter(status::Column::ReblogOfId.is_null());
    }
    if pinned_only {
        let pinned = Query::select()
            .column(entity::status_pin::Column::StatusId)
            .from(entity::status_pin::Entity)
            .and_where(entity::status_pin::Column::UserId.eq(author_id))
            .to_owned();
        query = query.filter(status::Column::Id.in_subquery(pinned));
    }
    Ok(page.apply(query).all(conn).await?)
}

/// Mastodon-style paging: `max_id`, `since_id`, `min_id`, `offset`, `limit` (default 20, at most
/// 40).
#[derive(Debug, Clone, Default)]
pub struct MastodonPage {
    pub max_id: Option<String>,
    pub since_id: Option<String>,
    pub min_id: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

impl MastodonPage {
    /// The page size used.
    pub fn size(&self) -> u64 {
        self.limit.unwrap_or(20).clamp(1, 40)
    }

    /// The page's conditions, order, offset and limit on a query of statuses.
    pub fn apply(&self, mut query: sea_orm::Select<status::Entity>) -> sea_orm::Select<status::Entity> {
        if let Some(max) = &self.max_id {
            query = query.filter(status::Column::Id.lt(max.as_str()));
        }
        if let Some(since) = &self.since_id {
            query = query.filter(status::Column::Id.gt(since.as_str()));
        }
        if let Some(min) = &self.min_id {
            query = query.filter(status::Column::Id.gt(min.as_str()));
        }
        query = if self.min_id.is_some() {
            query.order_by_asc(status::Column::Id)
        } else {
            query.order_by_desc(status::Column::Id)
        };
        query.offset(self.offset.unwrap_or(0)).limit(self.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, nickname: &str) -> MentionTarget {
        MentionTarget { id: id.into(), nickname: nickname.into(), ap_id: format!("https://x.test/users/{nickname}") }
    }

    #[test]
    fn mentions_are_found_once_with_their_host() {
        let found = written_mentions("hi @bob and @carol@remote.example, @bob@x.test! mail a@b.c", "x.test");
        let nicks: Vec<&str> = found.iter().map(|m| m.nickname.as_str()).collect();
        assert_eq!(nicks, ["bob", "carol@remote.example", "bob"]);
    }

    #[test]
    fn scripts_never_survive() {
        let html = render_content("**b** <script>alert(1)</script>", "text/markdown", &[], "");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("<strong>b</strong>"), "{html}");
        let html = render_content("<b onclick=x>hi</b>\nthere", "text/html", &[], "");
        assert_eq!(html, "<b>hi</b>\nthere");
        let plain = render_content("a < b\nc", "text/plain", &[], "");
        assert_eq!(plain, "a &lt; b<br/>c");
    }

    #[test]
    fn mentions_are_linked() {
        let bob = user("B1", "bob");
        let html = render_content("hey @bob!", "text/plain", &[("@bob".into(), bob)], "");
        assert_eq!(
            html,
            "hey <span class=\"h-card\"><a class=\"u-url mention\" data-user=\"B1\" href=\"https://x.test/users/bob\" rel=\"ugc\">@<span>bob</span></a></span>!"
        );
    }

    #[test]
    fn conversation_id_is_crc32_without_top_bit() {
        // crc32("hello") = 0x3610a686
        assert_eq!(conversation_id("hello"), 0x3610_a686);
    }
}
