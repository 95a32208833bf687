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

impl Writer {
    async fn new(state: AppState, viewer: Viewer) -> AppResult<Self> {
        let settings = state.settings();
        let sees_deactivation = viewer.user.as_ref().is_some_and(|v| {
            Privilege::held_by(v, &settings.instance).contains(&Privilege::UsersManageActivationState)
        });
        let proxy_secret = if settings.media_proxy.enabled {
            match crate::domain::media_proxy::secret(&state.db.write).await {
                Ok(secret) => Some(secret),
                Err(err) => {
                    tracing::warn!(error = %err, "media proxy: no signing key");
                    None
                }
            }
        } else {
            None
        };
        let emoji = crate::domain::emoji::index(&settings);
        Ok(Writer { settings, viewer: viewer.user, sees_deactivation, proxy_secret, emoji, state })
    }

    fn viewer_id(&self) -> Option<&str> {
        self.viewer.as_ref().map(|v| v.id.as_str())
    }

    fn proxied(&self, url: String) -> String {
        match &self.proxy_secret {
            Some(secret) => crate::domain::media_proxy::proxied(&self.settings, secret, &url),
            None => url,
        }
    }

    /// One page's groups as JSON text (after the opening for the first page), and the key to
    /// read the next page after, when there is one.
    async fn page(&self, after: Option<&GroupKey>, first: bool) -> AppResult<(Vec<u8>, Option<GroupKey>)> {
        let db = &self.state.db.read;
        // One group more than the page tells whether another page follows.
        let mut groups = domain::grouped_page(db, after, PAGE + 1).await?;
        let more = groups.len() as u64 > PAGE;
        groups.truncate(PAGE as usize);
        let next = if more { groups.last().map(|g| g.key.clone()) } else { None };
        let mut out = Vec::with_capacity(64 * 1024);
        if first {
            out.extend_from_slice(br#"{"reports":["#);
        }
        if groups.is_empty() {
            return Ok((out, next));
        }
        let data = Box::pin(PageData::read(self, &groups)).await?;
        let mut text = Texts::default();
        let mut wrote = !first;
        for group in &groups {
            let Some(latest) = group.reports.first() else { continue };
            let cited = data.cited.get(&latest.id).into_iter().flatten().find(|s| s.status.id == group.key.status);
            let Some(cited) = cited else { continue };
            if wrote {
                out.push(b',');
            }
            wrote = true;
            self.group(&mut out, &data, &mut text, &group.reports, latest, cited)?;
        }
        Ok((out, next))
    }

    /// `{"date", "account", "actors", "reports", "status"}`, the status with `deleted`.
    fn group(
        &self,
        out: &mut Vec<u8>,
        data: &PageData,
        text: &mut Texts,
        reports: &[report::Model],
        latest: &report::Model,
        cited: &ReportedStatus,
    ) -> AppResult<()> {
        out.extend_from_slice(br#"{"date":"#);
        json(out, &pleroma_time(&latest.created_at))?;
        out.extend_from_slice(br#","account":"#);
        self.account_or_null(out, data, text, &cited.status.user_id)?;
        out.extend_from_slice(br#","actors":["#);
        let mut seen = HashSet::new();
        let mut comma = false;
        for report in reports {
            if seen.insert(report.actor_id.as_str()) && data.users.contains_key(&report.actor_id) {
                if comma {
                    out.push(b',');
                }
                comma = true;
                self.account_or_null(out, data, text, &report.actor_id)?;
            }
        }
        out.extend_from_slice(br#"],"reports":["#);
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.report(out, data, text, report)?;
        }
        out.extend_from_slice(br#"],"status":"#);
        let status = text.status(self, data, &latest.id, cited)?;
        // The status's object with `deleted` added last, as Pleroma's `Map.put`.
        out.extend_from_slice(&status.as_bytes()[..status.len() - 1]);
        out.extend_from_slice(if cited.deleted { br#","deleted":true}}"# } else { br#","deleted":false}}"# });
        Ok(())
    }

    fn account_or_null(&self, out: &mut Vec<u8>, data: &PageData, text: &mut Texts, id: &str) -> AppResult<()> {
        match text.account(self, data, id)? {
            Some(account) => out.extend_from_slice(account.as_bytes()),
            None => out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    /// Pleroma's admin `ReportView`.
    fn report(&self, out: &mut Vec<u8>, data: &PageData, text: &mut Texts, report: &report::Model) -> AppResult<()> {
        out.extend_from_slice(br#"{"id":"#);
        json(out, &report.id)?;
        out.extend_from_slice(br#","state":"#);
        json(out, &report.state)?;
        out.extend_from_slice(br#","account":"#);
        self.account_or_null(out, data, text, &report.account_id)?;
        out.extend_from_slice(br#","actor":"#);
        self.account_or_null(out, data, text, &report.actor_id)?;
        out.extend_from_slice(br#","content":"#);
        json(out, &report.content)?;
        out.extend_from_slice(br#","created_at":"#);
        json(out, &pleroma_time(&report.created_at))?;
        out.extend_from_slice(br#","statuses":["#);
        for (i, cited) in data.cited.get(&report.id).into_iter().flatten().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(text.status(self, data, &report.id, cited)?.as_bytes());
        }
        out.extend_from_slice(br#"],"notes":["#);
        for (i, note) in data.notes.get(&report.id).into_iter().flatten().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(br#"{"id":"#);
            json(out, &note.id)?;
            out.extend_from_slice(br#","content":"#);
            json(out, &note.content)?;
            out.extend_from_slice(br#","user":"#);
            self.account_or_null(out, data, text, &note.user_id)?;
            out.extend_from_slice(br#","created_at":"#);
            json(out, &pleroma_time(&note.inserted_at))?;
            out.push(b'}');
        }
        out.extend_from_slice(br#"],"rules":"#);
        let ids: Vec<String> = serde_json::from_value(report.rule_ids.clone()).unwrap_or_default();
        let rules: Vec<WireRule<'_>> = ids
            .iter()
            .filter_map(|id| data.rules.get(id))
            .map(|r| WireRule { id: r.id.to_string(), priority: r.priority, text: &r.text, hint: r.hint.as_deref() })
            .collect();
        json(out, &rules)?;
        out.push(b'}');
        Ok(())
    }
}

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

impl PageData {
    async fn read(w: &Writer, groups: &[domain::Group]) -> AppResult<PageData> {
        let db = &w.state.db.read;
        let viewer = w.viewer_id();
        // A report citing several statuses is in several groups: read once.
        let mut seen = HashSet::new();
        let page: Vec<&report::Model> =
            groups.iter().flat_map(|g| g.reports.iter()).filter(|r| seen.insert(r.id.clone())).collect();
        let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
        let rule_ids = sorted(
            page.iter().flat_map(|r| serde_json::from_value::<Vec<String>>(r.rule_ids.clone()).unwrap_or_default()),
        );
        let (cited, notes, rules) = tokio::try_join!(
            domain::statuses_of(db, &ids),
            domain::notes_of(db, &ids),
            crate::domain::rules::by_ids(db, &rule_ids)
        )?;

        // The statuses with their marks: the cited ones and those they link to, a round per
        // nesting level (`prefetch::read_and_feed`). The cited rows are kept (a deleted
        // status's copy).
        let rows: Vec<&status::Model> = cited.values().flatten().map(|s| &s.status).collect();
        let mut loaded: HashMap<String, status::Model> = rows.iter().map(|s| (s.id.clone(), (*s).clone())).collect();
        let mut marked: HashMap<String, MarkedStatus> = HashMap::new();
        let links = |rows: &mut dyn Iterator<Item = &status::Model>| -> Vec<String> {
            rows.flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()]).flatten().collect()
        };
        let mut wanted = sorted(rows.iter().map(|s| s.id.clone()).chain(links(&mut rows.iter().copied())));
        for _ in 0..LINK_ROUNDS {
            if wanted.is_empty() {
                break;
            }
            let found = statuses_domain::statuses_with_marks(db, &wanted, viewer).await?;
            for status in &found {
                loaded.entry(status.row.id.clone()).or_insert_with(|| status.row.clone());
            }
            let next = links(&mut found.iter().map(|s| &s.row));
            marked.extend(found.into_iter().map(|s| (s.row.id.clone(), s)));
            wanted = sorted(next.into_iter().filter(|id| !loaded.contains_key(id)));
        }
        let shown: Vec<&status::Model> = loaded.values().collect();
        let posts = sorted(shown.iter().filter(|s| s.reblog_of_id.is_none()).map(|s| s.id.clone()));
        let mut people: Vec<String> = shown.iter().map(|s| s.user_id.clone()).collect();
        people.extend(page.iter().flat_map(|r| [r.account_id.clone(), r.actor_id.clone()]));
        people.extend(notes.values().flatten().map(|n| n.user_id.clone()));
        people.extend(shown.iter().filter_map(|s| s.in_reply_to_user_id.clone()));
        people.extend(posts.iter().filter_map(|id| marked.get(id)).flat_map(|m| m.mentioned.iter().cloned()));
        let people = sorted(people);
        let checked = sorted(shown.iter().flat_map(|s| [s.quote_of_id.clone(), s.in_reply_to_id.clone()]).flatten());
        let having = |has: fn(&MarkedStatus) -> bool| -> Vec<String> {
            posts.iter().filter(|id| marked.get(*id).is_some_and(has)).cloned().collect()
        };
        let (with_media, with_reactions, with_poll) =
            (having(|m| m.with_media), having(|m| m.with_reactions), having(|m| m.with_poll));
        let (found, media, reactions, visible, tallies) = tokio::try_join!(
            async {
                if people.is_empty() {
                    Ok(Vec::new())
                } else {
                    statuses_domain::people(db, &people, viewer).await
                }
            },
            statuses_domain::media_of(db, &with_media),
            favourites::reactions_of(db, &with_reactions),
            async {
                if checked.is_empty() {
                    Ok(HashSet::new())
                } else {
                    statuses_domain::visible_ids(db, viewer, &checked).await
                }
            },
            async { polls::tallies(db, &with_poll).await },
        )?;
        let reacted = reactions.values().any(|groups| !groups.is_empty());
        let polled = sorted(tallies.keys().cloned());
        let (hidden, votes) = match viewer {
            Some(viewer) => tokio::try_join!(
                async {
                    if reacted {
                        favourites::blocks_and_mutes(db, viewer).await.map(Some)
                    } else {
                        Ok(None)
                    }
                },
                async {
                    if polled.is_empty() {
                        Ok(HashMap::new())
                    } else {
                        polls::own_votes(db, viewer, &polled).await
                    }
                },
            )?,
            None => (None, HashMap::new()),
        };
        let mut users = HashMap::new();
        let mut tags = HashMap::new();
        let mut muted = HashSet::new();
        for person in found {
            if person.muted {
                muted.insert(person.user.id.clone());
            }
            tags.insert(person.user.id.clone(), person.tags);
            users.insert(person.user.id.clone(), person.user);
        }
        Ok(PageData {
            cited,
            notes,
            rules,
            loaded,
            marked,
            users,
            tags,
            muted,
            media,
            reactions,
            visible,
            tallies,
            votes,
            hidden,
        })
    }
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

impl Writer {
    /// The account of `user` (`graphql::accounts::Account` with `AdminAccount`'s selection).
    fn account<'a>(&'a self, data: &'a PageData, user: &'a user::Model, admin: bool) -> WireAccount<'a> {
        let is_self = self.viewer_id() == Some(user.id.as_str());
        let (followers, following) = users::follow_counts_of_row(user);
        let stats = AuthorStats::of(user);
        let display_name = user.name.as_deref().filter(|n| !n.is_empty()).unwrap_or(&user.nickname);
        let avatar = user.avatar.clone().unwrap_or_else(|| format!("{}/images/avi.png", self.settings.instance_url));
        let header = self.proxied(
            user.banner.clone().unwrap_or_else(|| format!("{}/images/banner.png", self.settings.instance_url)),
        );
        let shows_role = is_self || user.show_role;
        let tags = data.tags.get(&user.id).map_or(NO_TAGS, Vec::as_slice);
        WireAccount {
            id: &user.id,
            username: user.nickname.split('@').next().unwrap_or(&user.nickname),
            acct: &user.nickname,
            display_name,
            locked: user.is_locked,
            created_at: pleroma_time(&user.inserted_at),
            followers_count: if user.hide_followers_count && user.hide_followers && !is_self { 0 } else { followers },
            following_count: if user.hide_follows_count && user.hide_follows && !is_self { 0 } else { following },
            statuses_count: stats.statuses,
            note: &user.bio,
            url: &user.ap_id,
            avatar_static: self.proxied(avatar.clone()),
            avatar: if admin { avatar } else { self.proxied(avatar) },
            header_static: header.clone(),
            header,
            emojis: [],
            fields: profile_fields(&user.fields),
            bot: matches!(user.actor_type.as_str(), "Service" | "Group"),
            source: WireSource {
                note: user.raw_bio.as_deref().unwrap_or(&user.bio),
                sensitive: false,
                fields: profile_fields(&user.raw_fields),
                pleroma: SourcePleroma { discoverable: user.is_discoverable, actor_type: &user.actor_type },
            },
            last_status_at: stats.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
            fqn: if user.local { format!("{}@{}", user.nickname, self.settings.host()) } else { user.nickname.clone() },
            pleroma: WireAccountPleroma {
                ap_id: &user.ap_id,
                also_known_as: serde_json::from_value(user.also_known_as.clone()).unwrap_or_default(),
                is_confirmed: user.is_confirmed,
                is_suggested: user.is_suggested,
                tags,
                hide_followers_count: user.hide_followers_count,
                hide_follows_count: user.hide_follows_count,
                hide_followers: user.hide_followers,
                hide_follows: user.hide_follows,
                hide_favorites: user.hide_favorites,
                relationship: Empty {},
                skip_thread_containment: user.skip_thread_containment,
                background_image: user.background.as_deref(),
                accepts_chat_messages: user.accepts_chat_messages,
                favicon: None,
                avatar_description: &user.avatar_description,
                header_description: &user.header_description,
                is_admin: shows_role.then_some(user.is_admin),
                is_moderator: shows_role.then_some(user.is_moderator),
                privileges: shows_role.then(|| {
                    Privilege::held_by(user, &self.settings.instance).into_iter().map(Privilege::as_str).collect()
                }),
                deactivated: self.sees_deactivation.then_some(!user.is_active),
            },
            admin: admin.then(|| AdminSide {
                email: user.email.as_deref(),
                nickname: &user.nickname,
                is_active: user.is_active,
                local: user.local,
                roles: Roles { admin: user.is_admin, moderator: user.is_moderator },
                tags,
                is_confirmed: user.is_confirmed,
                is_approved: user.is_approved,
                is_suggested: user.is_suggested,
                registration_reason: user.registration_reason.as_deref(),
                actor_type: &user.actor_type,
            }),
        }
    }

    /// `row` as `graphql::statuses::Status` answers `MastoStatus` (`Quoted`: the quote's
    /// `MastoStatusBody` and account), then as `rest::statuses::Status` puts it on the wire.
    fn status<'a>(&'a self, data: &'a PageData, row: &'a status::Model, nesting: Nesting) -> WireStatus<'a> {
        let reblog_row = row.reblog_of_id.as_ref().and_then(|id| data.loaded.get(id));
        let is_reblog = row.reblog_of_id.is_some();
        let shown = reblog_row.unwrap_or(row);
        let target = row.reblog_of_id.as_deref().unwrap_or(&row.id);
        let mark = data.marked.get(target);
        let counts = if is_reblog { Counts::default() } else { Counts::of(row) };
        let viewer = self.viewer_id();
        let pinned_at =
            mark.and_then(|m| m.pin.as_ref()).filter(|(user, _)| *user == row.user_id).map(|(_, at)| pleroma_time(at));
        let bookmark = if viewer.is_some() { mark.and_then(|m| m.bookmark.as_ref()) } else { None };
        let instance_url = self.settings.instance_url.as_str();
        let mentions: Vec<WireMention<'a>> = match (is_reblog, reblog_row) {
            (true, Some(original)) => data.users.get(&original.user_id).into_iter().map(mention).collect(),
            _ => data
                .marked
                .get(&row.id)
                .filter(|_| !is_reblog)
                .map(|m| m.mentioned.iter().filter_map(|u| data.users.get(u)).map(mention).collect())
                .unwrap_or_default(),
        };
        let text = statuses_domain::plain_text(&shown.content);
        let tags = crate::domain::mrf::hashtags_in(&text)
            .into_iter()
            .map(|name| {
                let path = percent_encoding::utf8_percent_encode(&name, URI_ENCODE).to_string();
                WireTag { url: format!("{instance_url}/tag/{path}"), name }
            })
            .collect();
        let emojis = if row.local { self.emojis(&[&shown.content, &row.spoiler_text]) } else { Vec::new() };
        let media =
            data.media.get(target).map(|list| list.iter().map(|m| self.attachment(m)).collect()).unwrap_or_default();
        let reblog = match nesting {
            Nesting::Top => reblog_row.map(|r| Box::new(self.status(data, r, Nesting::Top))),
            Nesting::Quoted => None,
        };
        let post = (!is_reblog).then(|| {
            let quote = match (nesting, &row.quote_of_id) {
                (Nesting::Top, Some(id)) if data.visible.contains(id) => {
                    data.loaded.get(id).map(|q| Box::new(self.status(data, q, Nesting::Quoted)))
                }
                _ => None,
            };
            PostPleroma {
                conversation_id: statuses_domain::conversation_id(&row.context),
                context: &row.context,
                in_reply_to_account_acct: row
                    .in_reply_to_user_id
                    .as_ref()
                    .and_then(|id| data.users.get(id))
                    .map(|u| u.nickname.as_str()),
                quote_id: row.quote_of_id.as_deref(),
                quote_url: row.quote_of_id.as_ref().and_then(|id| data.loaded.get(id)).map(|q| q.ap_id.as_str()),
                quote_visible: row.quote_of_id.as_ref().is_some_and(|id| data.visible.contains(id)),
                content: PlainText { plain: text.clone() },
                spoiler_text: PlainText { plain: row.spoiler_text.clone() },
                expires_at: None,
                direct_conversation_id: None,
                thread_muted: false,
                emoji_reactions: self.reactions(data, &row.id),
                parent_visible: row.in_reply_to_id.as_ref().is_some_and(|id| data.visible.contains(id)),
                quotes_count: counts.quotes,
                list_id: None,
                quote,
            }
        });
        WireStatus {
            id: &row.id,
            url: Some(if row.local && !is_reblog {
                format!("{instance_url}/notice/{}", row.id)
            } else {
                row.ap_id.clone()
            }),
            in_reply_to_id: Some(row.in_reply_to_id.as_deref()),
            in_reply_to_account_id: Some(row.in_reply_to_user_id.as_deref()),
            card: (!is_reblog).then_some(()),
            content: &shown.content,
            text: (!is_reblog).then_some(()),
            created_at: pleroma_time(&row.created_at),
            edited_at: (!is_reblog).then(|| row.edited_at.as_ref().map(pleroma_time)),
            reblogs_count: counts.reblogs,
            replies_count: counts.replies,
            favourites_count: if is_reblog { 0 } else { statuses_domain::served(row.favourites_count) },
            reblogged: viewer.is_some() && mark.is_some_and(|m| m.reblogged),
            favourited: viewer.is_some() && mark.is_some_and(|m| m.favourited),
            bookmarked: bookmark.is_some(),
            muted: viewer.is_some() && !is_reblog && data.muted.contains(&row.user_id),
            pinned: pinned_at.is_some(),
            sensitive: !is_reblog && row.sensitive,
            spoiler_text: if is_reblog { "" } else { &row.spoiler_text },
            poll: (!is_reblog).then(|| data.tallies.get(&row.id).map(|t| self.poll(data, row, t))),
            mentions,
            tags,
            application: None,
            language: shown.language.as_deref(),
            emojis,
            account: data.users.get(&row.user_id).map(|u| self.account(data, u, false)),
            uri: &row.ap_id,
            visibility: &row.visibility,
            media_attachments: media,
            reblog,
            pleroma: WireStatusPleroma {
                local: row.local,
                post,
                pinned_at,
                bookmark_folder: bookmark.and_then(|f| f.as_deref()),
            },
        }
    }

    fn emojis(&self, texts: &[&str]) -> Vec<WireEmoji> {
        let base = &self.settings.instance_url;
        self.emoji
            .used_in(texts)
            .into_iter()
            .map(|emoji| {
                let url = format!("{base}{}", emoji.file);
                WireEmoji { shortcode: emoji.shortcode, static_url: url.clone(), url, visible_in_picker: true }
            })
            .collect()
    }

    fn attachment<'a>(&self, media: &'a media_attachment::Model) -> WireAttachment<'a> {
        let file = crate::graphql::statuses::file_url(&self.settings, media);
        WireAttachment {
            id: &media.id,
            url: self.proxied(file.clone()),
            preview_url: self.proxied(file.clone()),
            remote_url: file.clone(),
            text_url: file,
            kind: match media.content_type.split('/').next() {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "unknown",
            },
            description: media.description.as_deref(),
            pleroma: MimeType { mime_type: &media.content_type },
            blurhash: None,
        }
    }

    /// Reactions without those of accounts the viewer blocks or mutes (`reactions_for`).
    fn reactions<'a>(&self, data: &'a PageData, id: &str) -> Vec<WireReaction<'a>> {
        let Some(groups) = data.reactions.get(id) else { return Vec::new() };
        let viewer = self.viewer_id();
        let (blocked, muted) = match (&data.hidden, viewer) {
            (Some((blocked, muted)), Some(_)) => (Some(blocked), Some(muted)),
            _ => (None, None),
        };
        groups
            .iter()
            .filter_map(|g| {
                let ids: Vec<&'a str> = g
                    .user_ids
                    .iter()
                    .filter(|u| !blocked.is_some_and(|b| b.contains(*u)) && !muted.is_some_and(|m| m.contains(*u)))
                    .map(String::as_str)
                    .collect();
                (!ids.is_empty()).then(|| WireReaction {
                    name: g.name(&self.settings.instance_url),
                    count: ids.len() as u64,
                    me: viewer.is_some_and(|v| ids.contains(&v)),
                    url: g.url.as_deref(),
                    account_ids: ids,
                })
            })
            .collect()
    }

    fn poll<'a>(&self, data: &'a PageData, row: &'a status::Model, tally: &'a Tally) -> WirePoll<'a> {
        let titles = polls::titles(&tally.row);
        let mut texts: Vec<&str> = vec![&row.content, &row.spoiler_text];
        texts.extend(titles.iter().map(String::as_str));
        let emojis = self.emojis(&texts);
        let own = data.votes.get(&row.id).map_or(&[][..], Vec::as_slice);
        let viewer = self.viewer_id();
        WirePoll {
            id: &tally.row.status_id,
            expires_at: pleroma_time(&tally.row.expires_at),
            expired: tally.row.expires_at < chrono::Utc::now(),
            multiple: tally.row.multiple,
            votes_count: tally.votes.iter().sum(),
            emojis,
            pleroma: NonAnonymous { non_anonymous: false },
            voters_count: tally.voters,
            options: titles
                .into_iter()
                .enumerate()
                .map(|(i, title)| WirePollOption { title, votes_count: tally.votes.get(i).copied().unwrap_or(0) })
                .collect(),
            voted: viewer.map(|v| !own.is_empty() || v == row.user_id),
            own_votes: viewer.map(|_| own),
        }
    }
}

fn mention(u: &user::Model) -> WireMention<'_> {
    WireMention {
        id: &u.id,
        acct: &u.nickname,
        username: u.nickname.split('@').next().unwrap_or(&u.nickname),
        url: &u.ap_id,
    }
}
