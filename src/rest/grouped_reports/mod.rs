//! The typed writer of `GET /admin/grouped_reports` (issue 26): the legacy body written from a
//! page's rows with serde, a page of groups at a time, streamed.
//!
//! Why not the facade's generic path: the body is the same data as `groupedReports` mapped by
//! `rest::reports::grouped`, but a group repeats its reports' statuses and accounts in full
//! (22 KiB a group, 106 MiB at 10k reports), and through the GraphQL executor each status costs
//! ~80 resolved fields, a `Value` tree, the REST walk and its serialisation: 80–100 s for the
//! whole list. Here a page's rows are read in the statements the GraphQL page prefetch sends
//! (`graphql::statuses::prefetch`, the readers of `domain::statuses::page`), each status and
//! account of the page is serialised once from typed structs, and the groups splice that text.
//! `tests/it/grouped_reports.rs` proves the body equal to the GraphQL-mapped one.
use std::collections::{HashMap, HashSet};

use async_graphql::connection::{CursorType, OpaqueCursor};
use entity::{media_attachment, report, report_note, rule, status, user};
use serde::Serialize;

use crate::{
    auth::{Privilege, Viewer},
    config::Settings,
    domain::{
        favourites::{self, ReactionGroup},
        polls::{self, Tally},
        reports::{self as domain, GroupKey, ReportedStatus},
        statuses::{self as statuses_domain, AuthorStats, Counts, MarkedStatus},
        users,
    },
    error::{AppError, AppResult},
    graphql::scalars::pleroma_time,
    state::AppState,
};

/// Groups a page (as the operation's `first: 50`).
const PAGE: u64 = 50;

/// Linked-status rounds, as the prefetch reads them (a reblog's status, its quote, that quote's).
const LINK_ROUNDS: usize = 3;

/// The body: `{"reports":[` and the groups of every page, `]}`. The first page is read before
/// the answer starts (its errors are the route's); a later page's error ends the body early.
pub async fn body(state: AppState, viewer: Viewer, after: Option<String>) -> AppResult<axum::body::Body> {
    let after = match after {
        Some(cursor) => Some(
            OpaqueCursor::<GroupKey>::decode_cursor(&cursor)
                .map_err(|_| AppError::BadRequest("invalid cursor".into()))?
                .0,
        ),
        None => None,
    };
    let writer = std::sync::Arc::new(Writer::new(state, viewer).await?);
    let (first, next) = writer.page(after.as_ref(), true).await?;
    enum Step {
        After(GroupKey),
        Close,
        Done,
    }
    let start = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) });
    let rest = futures_util::stream::unfold(next.map_or(Step::Close, Step::After), move |step| {
        let writer = writer.clone();
        async move {
            match step {
                Step::Done => None,
                Step::Close => Some((Ok(b"]}".to_vec()), Step::Done)),
                Step::After(key) => match writer.page(Some(&key), false).await {
                    Ok((bytes, next)) => Some((Ok(bytes), next.map_or(Step::Close, Step::After))),
                    Err(err) => {
                        tracing::error!(error = %err, "grouped_reports: a later page failed");
                        Some((Err(std::io::Error::other("a later page failed")), Step::Done))
                    }
                },
            }
        }
    });
    Ok(axum::body::Body::from_stream(futures_util::StreamExt::chain(start, rest)))
}

/// What every page needs: the settings, the viewer and what it may see.
struct Writer {
    state: AppState,
    settings: std::sync::Arc<Settings>,
    viewer: Option<user::Model>,
    /// The viewer manages activation state (`pleroma.deactivated` is shown).
    sees_deactivation: bool,
    /// The media proxy's key when the proxy is on (read once per body).
    proxy_secret: Option<Vec<u8>>,
    emoji: std::sync::Arc<crate::domain::emoji::EmojiIndex>,
}

mod page;
mod render;

fn json(out: &mut Vec<u8>, value: &impl Serialize) -> AppResult<()> {
    serde_json::to_writer(out, value).map_err(|e| AppError::internal(format!("grouped_reports: {e}")))
}

fn to_text(value: &impl Serialize) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::internal(format!("grouped_reports: {e}")))
}

/// Each account and status of a page serialised once: the same object recurs in every group
/// and report that shows it.
#[derive(Default)]
struct Texts {
    accounts: HashMap<String, Option<String>>,
    /// By status id, or `id@report` for a deleted status (each report keeps its own copy).
    statuses: HashMap<String, String>,
}

impl Texts {
    fn account(&mut self, w: &Writer, data: &PageData, id: &str) -> AppResult<Option<&str>> {
        if !self.accounts.contains_key(id) {
            let text = match data.users.get(id) {
                Some(user) => Some(to_text(&w.account(data, user, true))?),
                None => None,
            };
            self.accounts.insert(id.to_string(), text);
        }
        Ok(self.accounts.get(id).and_then(|t| t.as_deref()))
    }

    fn status(&mut self, w: &Writer, data: &PageData, report_id: &str, cited: &ReportedStatus) -> AppResult<&str> {
        let key = if cited.deleted { format!("{}@{report_id}", cited.status.id) } else { cited.status.id.clone() };
        if !self.statuses.contains_key(&key) {
            let text = to_text(&w.status(data, &cited.status, Nesting::Top))?;
            self.statuses.insert(key.clone(), text);
        }
        Ok(self.statuses.get(&key).map_or("null", String::as_str))
    }
}

/// Everything a page of groups shows, read as the GraphQL page prefetch reads it.
struct PageData {
    /// The statuses each report cites (live, or the report's copy).
    cited: HashMap<String, Vec<ReportedStatus>>,
    notes: HashMap<String, Vec<report_note::Model>>,
    rules: HashMap<String, rule::Model>,
    /// Statuses shown (cited, and those they reblog or quote), by id.
    loaded: HashMap<String, status::Model>,
    marked: HashMap<String, MarkedStatus>,
    users: HashMap<String, user::Model>,
    tags: HashMap<String, Vec<String>>,
    muted: HashSet<String>,
    media: HashMap<String, Vec<media_attachment::Model>>,
    reactions: HashMap<String, Vec<ReactionGroup>>,
    visible: HashSet<String>,
    tallies: HashMap<String, Tally>,
    votes: HashMap<String, Vec<i32>>,
    hidden: Option<(HashSet<String>, HashSet<String>)>,
}

fn sorted(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    ids.sort();
    ids
}

/// Where a status is rendered: on its own (a report's, a group's), or as another's quote
/// (`reblog` and `pleroma.quote` then `null`, as Pleroma renders one with `show_quote: false`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Top,
    Quoted,
}

/// Pleroma's `StatusView` of a status, as `rest::statuses::Status` puts it on the wire.
#[derive(Serialize)]
struct WireStatus<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to_id: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_reply_to_account_id: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<()>,
    content: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<()>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    edited_at: Option<Option<String>>,
    reblogs_count: u64,
    replies_count: u64,
    favourites_count: u64,
    reblogged: bool,
    favourited: bool,
    bookmarked: bool,
    muted: bool,
    pinned: bool,
    sensitive: bool,
    spoiler_text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    poll: Option<Option<WirePoll<'a>>>,
    mentions: Vec<WireMention<'a>>,
    tags: Vec<WireTag>,
    application: Option<()>,
    language: Option<&'a str>,
    emojis: Vec<WireEmoji>,
    account: Option<WireAccount<'a>>,
    uri: &'a str,
    visibility: &'a str,
    media_attachments: Vec<WireAttachment<'a>>,
    reblog: Option<Box<WireStatus<'a>>>,
    pleroma: WireStatusPleroma<'a>,
}

/// A status's `pleroma`; a reblog keeps `local`, `pinned_at` and `bookmark_folder` only.
#[derive(Serialize)]
struct WireStatusPleroma<'a> {
    local: bool,
    #[serde(flatten)]
    post: Option<PostPleroma<'a>>,
    pinned_at: Option<String>,
    bookmark_folder: Option<&'a str>,
}

#[derive(Serialize)]
struct PostPleroma<'a> {
    conversation_id: i64,
    context: &'a str,
    in_reply_to_account_acct: Option<&'a str>,
    quote_id: Option<&'a str>,
    quote_url: Option<&'a str>,
    quote_visible: bool,
    content: PlainText,
    spoiler_text: PlainText,
    expires_at: Option<()>,
    direct_conversation_id: Option<()>,
    thread_muted: bool,
    emoji_reactions: Vec<WireReaction<'a>>,
    parent_visible: bool,
    quotes_count: u64,
    list_id: Option<()>,
    quote: Option<Box<WireStatus<'a>>>,
}

#[derive(Serialize)]
struct PlainText {
    #[serde(rename = "text/plain")]
    plain: String,
}

#[derive(Serialize)]
struct WireMention<'a> {
    id: &'a str,
    acct: &'a str,
    username: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct WireTag {
    name: String,
    url: String,
}

#[derive(Serialize)]
struct WireEmoji {
    shortcode: String,
    url: String,
    static_url: String,
    visible_in_picker: bool,
}

#[derive(Serialize)]
struct WireAttachment<'a> {
    id: &'a str,
    url: String,
    remote_url: String,
    preview_url: String,
    text_url: String,
    #[serde(rename = "type")]
    kind: &'static str,
    description: Option<&'a str>,
    pleroma: MimeType<'a>,
    blurhash: Option<()>,
}

#[derive(Serialize)]
struct MimeType<'a> {
    mime_type: &'a str,
}

#[derive(Serialize)]
struct WireReaction<'a> {
    name: String,
    count: u64,
    me: bool,
    url: Option<&'a str>,
    account_ids: Vec<&'a str>,
}

/// A profile field as `graphql::users::ProfileField` reads it (none when one is malformed).
#[derive(Serialize, serde::Deserialize)]
struct ProfileField {
    name: String,
    value: String,
}

fn profile_fields(json: &serde_json::Value) -> Vec<ProfileField> {
    serde_json::from_value(json.clone()).unwrap_or_default()
}

#[derive(Serialize)]
struct WirePoll<'a> {
    id: &'a str,
    expires_at: String,
    expired: bool,
    multiple: bool,
    votes_count: u64,
    emojis: Vec<WireEmoji>,
    pleroma: NonAnonymous,
    voters_count: u64,
    options: Vec<WirePollOption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    own_votes: Option<&'a [i32]>,
}

#[derive(Serialize)]
struct NonAnonymous {
    non_anonymous: bool,
}

#[derive(Serialize)]
struct WirePollOption {
    title: String,
    votes_count: u64,
}

/// Pleroma's admin `RuleView`.
#[derive(Serialize)]
struct WireRule<'a> {
    id: String,
    priority: i32,
    text: &'a str,
    hint: Option<&'a str>,
}

/// Pleroma's `AdminAccount`: the Mastodon account with the admin user's keys merged in (the
/// admin side wins, as `rest::accounts::Account` merges them).
#[derive(Serialize)]
struct WireAccount<'a> {
    id: &'a str,
    username: &'a str,
    acct: &'a str,
    display_name: &'a str,
    locked: bool,
    created_at: String,
    followers_count: u64,
    following_count: u64,
    statuses_count: u64,
    note: &'a str,
    url: &'a str,
    /// Proxied, or not for an `AdminAccount` (the admin side's wins).
    avatar: String,
    avatar_static: String,
    header: String,
    header_static: String,
    emojis: [(); 0],
    fields: Vec<ProfileField>,
    bot: bool,
    source: WireSource<'a>,
    last_status_at: Option<String>,
    fqn: String,
    pleroma: WireAccountPleroma<'a>,
    /// `AdminAccount`'s keys (accounts of groups, reports and notes; statuses show Mastodon's).
    #[serde(flatten)]
    admin: Option<AdminSide<'a>>,
}

/// The admin user's keys an `AdminAccount` adds to the Mastodon account.
#[derive(Serialize)]
struct AdminSide<'a> {
    email: Option<&'a str>,
    nickname: &'a str,
    is_active: bool,
    local: bool,
    roles: Roles,
    tags: &'a [String],
    is_confirmed: bool,
    is_approved: bool,
    is_suggested: bool,
    registration_reason: Option<&'a str>,
    actor_type: &'a str,
}

#[derive(Serialize)]
struct Roles {
    admin: bool,
    moderator: bool,
}

#[derive(Serialize)]
struct WireSource<'a> {
    note: &'a str,
    sensitive: bool,
    fields: Vec<ProfileField>,
    pleroma: SourcePleroma<'a>,
}

#[derive(Serialize)]
struct SourcePleroma<'a> {
    discoverable: bool,
    actor_type: &'a str,
}

#[derive(Serialize)]
struct WireAccountPleroma<'a> {
    ap_id: &'a str,
    also_known_as: Vec<String>,
    is_confirmed: bool,
    is_suggested: bool,
    tags: &'a [String],
    hide_followers_count: bool,
    hide_follows_count: bool,
    hide_followers: bool,
    hide_follows: bool,
    hide_favorites: bool,
    relationship: Empty,
    skip_thread_containment: bool,
    background_image: Option<&'a str>,
    accepts_chat_messages: bool,
    favicon: Option<()>,
    avatar_description: &'a str,
    header_description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_admin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_moderator: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    privileges: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deactivated: Option<bool>,
}

#[derive(Serialize)]
struct Empty {}

/// What Elixir's `URI.encode` leaves as is, of what a hashtag holds (as `graphql::statuses`).
const URI_ENCODE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

const NO_TAGS: &[String] = &[];

fn mention(u: &user::Model) -> WireMention<'_> {
    WireMention {
        id: &u.id,
        acct: &u.nickname,
        username: u.nickname.split('@').next().unwrap_or(&u.nickname),
        url: &u.ap_id,
    }
}
