//! The Mastodon account routes clients call first, and Pleroma's account tail (issue 25):
//! lookup and search (`MastodonAPI.AccountController.lookup`, `SearchController`,
//! `User.Search`), the caller's profile (`update_credentials`, `User.update_changeset`),
//! endorsements (`User.endorse`), subscriptions (`User.subscribe`), birthdays
//! (`User.get_friends_birthdays_query`) and the federation status (`Instances`).
use std::collections::BTreeMap;

use chrono::{NaiveDate, Utc};
use entity::{block, endorsement, follow, instance, status, subscription, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr, Query},
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{json, Value};

use crate::{
    config::Settings,
    db::Db,
    error::{AppError, AppResult},
};

/// Pleroma's `SearchController` caps every search at 40 results.
pub const SEARCH_LIMIT: u64 = 40;
/// Actor types a profile may take (`Pleroma.Constants.allowed_user_actor_types`).
pub const ACTOR_TYPES: [&str; 3] = ["Person", "Service", "Group"];

/// `GET /api/v1/accounts/lookup?acct=`: a user by nickname, `alice@<this host>` meaning the
/// local `alice` (`User.get_by_nickname`). No visibility check, as Pleroma.
pub async fn lookup<C: ConnectionTrait>(conn: &C, settings: &Settings, acct: &str) -> AppResult<Option<user::Model>> {
    if let Some(found) = super::users::find_by_nickname(conn, acct).await? {
        return Ok(Some(found));
    }
    let host = settings.host();
    match acct.rsplit_once('@') {
        Some((local, domain)) if domain.eq_ignore_ascii_case(&host) && !local.is_empty() => {
            Ok(super::users::find_by_nickname(conn, local).await?.filter(|u| u.local))
        }
        _ => Ok(None),
    }
}

/// What an account search asks.
#[derive(Debug, Clone, Default)]
pub struct AccountSearch {
    pub query: String,
    /// Only accounts the viewer follows.
    pub following: bool,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl AccountSearch {
    fn limit(&self) -> u64 {
        self.limit.unwrap_or(20).clamp(1, SEARCH_LIMIT)
    }
}

/// `User.Search.format_query`'s words: the query without a leading `@` or this host's suffix,
/// split at punctuation (`to_tsquery`), lower-cased, each once.
pub fn search_words(query: &str, host: &str) -> Vec<String> {
    let query = query.trim().trim_start_matches('@');
    let suffix = format!("@{host}");
    let query = if query.to_lowercase().ends_with(&suffix.to_lowercase()) {
        &query[..query.len() - suffix.len()]
    } else {
        query
    };
    let mut words: Vec<String> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_lowercase();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

fn contains(column: impl Into<Expr>, word: &str) -> Expr {
    Func::lower(column.into()).like(LikeExpr::new(super::users::like_pattern(word)).escape('\\'))
}

/// Accounts blocking the viewer or blocked by them, as a subquery of ids.
fn blocked_ids(viewer: &str) -> (sea_orm::sea_query::SelectStatement, sea_orm::sea_query::SelectStatement) {
    let blocked = Query::select()
        .column(block::Column::BlockedId)
        .from(block::Entity)
        .and_where(block::Column::BlockerId.eq(viewer))
        .to_owned();
    let blockers = Query::select()
        .column(block::Column::BlockerId)
        .from(block::Entity)
        .and_where(block::Column::BlockedId.eq(viewer))
        .to_owned();
    (blocked, blockers)
}

fn followed_ids(viewer: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(follow::Column::FollowingId)
        .from(follow::Entity)
        .and_where(follow::Column::FollowerId.eq(viewer))
        .to_owned()
}

/// `User.search`: active accounts (not `Application` actors, not internal ones) whose nickname
/// or display name contains any word of the query, with the viewer's blocks either way left
/// out; an exact nickname (or actor id) first, then nickname prefixes, then the rest by
/// nickname. One statement.
pub async fn search_accounts<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    viewer: Option<&user::Model>,
    search: &AccountSearch,
) -> AppResult<Vec<user::Model>> {
    let words = search_words(&search.query, &settings.host());
    let exact = search.query.trim().trim_start_matches('@').to_lowercase();
    if words.is_empty() && exact.is_empty() {
        return Ok(vec![]);
    }
    let mut matches = Condition::any()
        .add(Expr::expr(Func::lower(Expr::col((user::Entity, user::Column::Nickname)))).eq(exact.clone()))
        .add(user::Column::ApId.eq(search.query.trim()));
    for word in &words {
        matches = matches
            .add(contains(Expr::col((user::Entity, user::Column::Nickname)), word))
            .add(contains(Expr::col((user::Entity, user::Column::Name)), word));
    }
    let mut query = user::Entity::find()
        .filter(matches)
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::ActorType.ne("Application"))
        .filter(user::Column::Nickname.not_like("internal.%"));
    if let Some(viewer) = viewer {
        let (blocked, blockers) = blocked_ids(&viewer.id);
        query =
            query.filter(user::Column::Id.not_in_subquery(blocked)).filter(user::Column::Id.not_in_subquery(blockers));
        if search.following {
            query = query.filter(user::Column::Id.in_subquery(followed_ids(&viewer.id)));
        }
    }
    let nickname = || Expr::expr(Func::lower(Expr::col((user::Entity, user::Column::Nickname))));
    let prefix = format!("{}%", exact.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let rank: Expr = Expr::case(nickname().eq(exact.clone()), 0)
        .case(nickname().like(LikeExpr::new(prefix).escape('\\')), 1)
        .finally(2)
        .into();
    Ok(query
        .order_by(rank, sea_orm::Order::Asc)
        .order_by_asc(user::Column::Nickname)
        .offset(search.offset.unwrap_or(0))
        .limit(search.limit())
        .all(conn)
        .await?)
}

/// What a status search asks (`Pleroma.Search.DatabaseSearch`).
#[derive(Debug, Clone, Default)]
pub struct StatusSearch {
    pub query: String,
    /// Only statuses of this account.
    pub author_id: Option<String>,
    /// Only statuses of accounts the viewer follows.
    pub following: bool,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Statuses (reblogs aside) the viewer may see whose text holds every word of the query, newest
/// first, authors blocking the viewer or blocked by them left out. One statement.
pub async fn search_statuses<C: ConnectionTrait>(
    conn: &C,
    viewer: Option<&user::Model>,
    search: &StatusSearch,
) -> AppResult<Vec<status::Model>> {
    let words: Vec<String> = search
        .query
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '#' && c != '@'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Ok(vec![]);
    }
    let viewer_id = viewer.map(|v| v.id.as_str());
    let mut query = status::Entity::find()
        .filter(super::statuses::visible_to(viewer_id))
        .filter(status::Column::ReblogOfId.is_null());
    for word in &words {
        query = query.filter(contains(Expr::col((status::Entity, status::Column::Content)), word));
    }
    if let Some(author) = &search.author_id {
        query = query.filter(status::Column::UserId.eq(author.as_str()));
    }
    if let Some(viewer) = viewer_id {
        let (blocked, blockers) = blocked_ids(viewer);
        query = query
            .filter(status::Column::UserId.not_in_subquery(blocked))
            .filter(status::Column::UserId.not_in_subquery(blockers));
        if search.following {
            query = query.filter(status::Column::UserId.in_subquery(followed_ids(viewer)));
        }
    }
    Ok(query
        .order_by_desc(status::Column::Id)
        .offset(search.offset.unwrap_or(0))
        .limit(search.limit.unwrap_or(20).clamp(1, SEARCH_LIMIT))
        .all(conn)
        .await?)
}

/// `SearchController.prepare_tags`: the hashtags a query names — its `#words` when it has
/// any, else its words and, joined, their capitalised concatenation; a URL stands for the last
/// segment of its path. Paged by `offset` and `limit`.
pub fn search_hashtags(query: &str, offset: Option<u64>, limit: Option<u64>) -> Vec<String> {
    let query = query.trim();
    let query = if query.contains("http://") || query.contains("https://") {
        query.trim_end_matches('/').rsplit('/').next().unwrap_or(query).split(['?', '#']).next().unwrap_or("")
    } else {
        query
    };
    let mut tags: Vec<String> = Vec::new();
    for word in query.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#')).filter(|w| !w.is_empty()) {
        if !tags.iter().any(|t| t.to_lowercase() == word.to_lowercase()) {
            tags.push(word.to_string());
        }
    }
    let explicit: Vec<String> = tags.iter().filter(|t| t.starts_with('#')).cloned().collect();
    let any_explicit = !explicit.is_empty();
    let mut tags: Vec<String> = if any_explicit { explicit } else { tags };
    tags = tags.into_iter().map(|t| t.trim_start_matches('#').to_string()).filter(|t| !t.is_empty()).collect();
    if !any_explicit {
        let joined: String = tags
            .iter()
            .map(|t| {
                let mut chars = t.chars();
                chars
                    .next()
                    .map_or_else(String::new, |f| f.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
            })
            .collect();
        if !joined.is_empty() && !tags.iter().any(|t| t.to_lowercase() == joined.to_lowercase()) {
            tags.push(joined);
        }
    }
    let limit = usize::try_from(limit.unwrap_or(20).clamp(1, SEARCH_LIMIT)).unwrap_or(20);
    tags.into_iter().skip(usize::try_from(offset.unwrap_or(0)).unwrap_or(usize::MAX)).take(limit).collect()
}

/// A user, when an account route names one (`assign_account_by_id`): `NotFound` otherwise.
pub async fn account<C: ConnectionTrait>(conn: &C, key: &str) -> AppResult<user::Model> {
    super::users::find_by_nickname_or_id(conn, key).await?.ok_or_else(|| AppError::NotFound("Record not found".into()))
}

/// The active accounts `endorser` features, in the order they were endorsed.
pub async fn endorsed_by<C: ConnectionTrait>(conn: &C, endorser: &str) -> AppResult<Vec<user::Model>> {
    let ids = Query::select()
        .column(endorsement::Column::EndorsedId)
        .from(endorsement::Entity)
        .and_where(endorsement::Column::EndorserId.eq(endorser))
        .to_owned();
    let mut users = user::Entity::find()
        .filter(user::Column::Id.in_subquery(ids))
        .filter(user::Column::IsActive.eq(true))
        .all(conn)
        .await?;
    let order: Vec<String> = endorsement::Entity::find()
        .filter(endorsement::Column::EndorserId.eq(endorser))
        .order_by_asc(endorsement::Column::InsertedAt)
        .order_by_asc(endorsement::Column::EndorsedId)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.endorsed_id)
        .collect();
    users.sort_by_key(|u| order.iter().position(|id| *id == u.id).unwrap_or(usize::MAX));
    Ok(users)
}

/// `User.endorse`: at most `max_endorsed` (`:instance, :max_endorsed_users`; 0 refuses every
/// one), and only accounts the endorser follows (400 with Pleroma's messages otherwise).
pub async fn endorse(db: &Db, max_endorsed: u64, endorser: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    let count =
        endorsement::Entity::find().filter(endorsement::Column::EndorserId.eq(&endorser.id)).count(&txn).await?;
    if count >= max_endorsed {
        return Err(AppError::BadRequest("You have already pinned the maximum number of users".into()));
    }
    let following = follow::Entity::find_by_id((endorser.id.clone(), target.id.clone())).one(&txn).await?.is_some();
    if !following {
        return Err(AppError::BadRequest(format!("Could not endorse: You are not following {}", target.nickname)));
    }
    endorsement::Entity::insert(endorsement::ActiveModel {
        endorser_id: Set(endorser.id.clone()),
        endorsed_id: Set(target.id.clone()),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `User.unendorse`.
pub async fn unendorse(db: &Db, endorser: &user::Model, target: &user::Model) -> AppResult<()> {
    endorsement::Entity::delete_by_id((endorser.id.clone(), target.id.clone())).exec(&db.write).await?;
    Ok(())
}

/// `User.subscribe`: refused (403) when the target blocks the subscriber (`deny_follow_blocked`).
pub async fn subscribe(db: &Db, subscriber: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    let blocked = block::Entity::find_by_id((target.id.clone(), subscriber.id.clone())).one(&txn).await?.is_some();
    if blocked {
        return Err(AppError::Forbidden(format!("Could not subscribe: {} is blocking you", target.nickname)));
    }
    subscription::Entity::insert(subscription::ActiveModel {
        subscriber_id: Set(subscriber.id.clone()),
        target_id: Set(target.id.clone()),
        inserted_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// `User.unsubscribe`; a follow's `notify` ends with it (both are the same subscription in
/// Pleroma).
pub async fn unsubscribe(db: &Db, subscriber: &user::Model, target: &user::Model) -> AppResult<()> {
    let txn = db.begin().await?;
    subscription::Entity::delete_by_id((subscriber.id.clone(), target.id.clone())).exec(&txn).await?;
    follow::Entity::update_many()
        .col_expr(follow::Column::Notify, Expr::value(false))
        .filter(follow::Column::FollowerId.eq(&subscriber.id))
        .filter(follow::Column::FollowingId.eq(&target.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Accounts `viewer` follows whose shown birthday falls on this day of this month, active ones
/// only (`User.get_friends_birthdays_query`).
pub async fn birthdays<C: ConnectionTrait>(
    conn: &C,
    viewer: &str,
    day: u32,
    month: u32,
) -> AppResult<Vec<user::Model>> {
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return Ok(vec![]);
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.in_subquery(followed_ids(viewer)))
        .filter(user::Column::IsActive.eq(true))
        .filter(user::Column::ShowBirthday.eq(true))
        .filter(user::Column::Birthday.like(format!("%-{month:02}-{day:02}")))
        .order_by_asc(user::Column::Nickname)
        .all(conn)
        .await?)
}

/// Hosts federation has found unreachable for longer than `timeout_days`
/// (`:instance, :federation_reachability_timeout_days`), with since when (Pleroma's
/// `Instances.get_consistently_unreachable`). With 0 days none is (Pleroma's threshold is then
/// the year 0).
pub async fn unreachable_instances<C: ConnectionTrait>(
    conn: &C,
    timeout_days: u64,
) -> AppResult<BTreeMap<String, chrono::DateTime<Utc>>> {
    if timeout_days == 0 {
        return Ok(BTreeMap::new());
    }
    let days = i64::try_from(std::cmp::min(timeout_days, 365_000)).unwrap_or(365_000);
    let threshold = Utc::now() - chrono::Duration::days(days);
    Ok(instance::Entity::find()
        .filter(instance::Column::UnreachableSince.lt(threshold))
        .order_by_asc(instance::Column::UnreachableSince)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.host, i.unreachable_since?)))
        .collect())
}

/// Record that delivery to `host` failed since `at` (an earlier first failure is kept) or worked
/// again (`None`): what federation's deliveries report (`Instances.set_unreachable` and
/// `set_reachable`).
pub async fn set_reachability<C: ConnectionTrait>(
    conn: &C,
    host: &str,
    unreachable_at: Option<chrono::DateTime<Utc>>,
) -> AppResult<()> {
    let now = Utc::now();
    let unreachable = unreachable_at.is_some();
    let host = host.to_lowercase();
    let existing = instance::Entity::find_by_id(host.clone()).one(conn).await?;
    let since = if unreachable { existing.as_ref().and_then(|i| i.unreachable_since).or(unreachable_at) } else { None };
    let row = instance::ActiveModel {
        host: Set(host),
        unreachable_since: Set(since),
        updated_at: Set(now),
        inserted_at: Set(Some(now)),
        ..Default::default()
    };
    instance::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(instance::Column::Host)
                .update_columns([instance::Column::UnreachableSince, instance::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What a remote-interaction form is told when the profile cannot be fingered.
pub const NO_SUCH_REMOTE_USER: &str = "Couldn't find user";

/// `POST /api/v1/pleroma/remote_interaction` (`UtilController.remote_interaction`): finger the
/// remote `profile` (`alice@remote.example` or an actor URL) over WebFinger and give its
/// subscribe template (`http://ostatus.org/schema/1.0/subscribe`) with `{uri}` replaced by
/// `ap_id`. Anything failing is `BadRequest("Couldn't find user")`.
pub async fn remote_interaction_url(settings: &Settings, profile: &str, ap_id: &str) -> AppResult<String> {
    let not_found = || AppError::BadRequest(NO_SUCH_REMOTE_USER.into());
    let profile = profile.trim().trim_start_matches('@');
    let (resource, host) = if profile.starts_with("https://") || profile.starts_with("http://") {
        let url = url::Url::parse(profile).map_err(|_| not_found())?;
        (profile.to_string(), url.host_str().ok_or_else(not_found)?.to_string())
    } else {
        let (_, host) = profile.rsplit_once('@').ok_or_else(not_found)?;
        (format!("acct:{profile}"), host.to_string())
    };
    if host.is_empty() || host.contains(['/', '?', '#']) {
        return Err(not_found());
    }
    let client = crate::outbound::Client::new(settings.http.policy(), settings.http.federation_limits())
        .map_err(|_| not_found())?;
    let mut url = client.url(&format!("https://{host}/.well-known/webfinger")).map_err(|_| not_found())?;
    url.query_pairs_mut().append_pair("resource", &resource);
    let response = client
        .get(url)
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|_| not_found())?;
    if !(200..300).contains(&response.status()) {
        return Err(not_found());
    }
    let document = response.json().await.map_err(|_| not_found())?;
    subscribe_template(&document).map(|t| t.replace("{uri}", ap_id)).ok_or_else(not_found)
}

/// The subscribe template of a WebFinger document (`WebFinger.webfinger_from_json`).
pub fn subscribe_template(document: &Value) -> Option<String> {
    document["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == "http://ostatus.org/schema/1.0/subscribe")
        .and_then(|l| l["template"].as_str())
        .map(String::from)
}

/// An image of the profile to change.
pub enum ImageChange {
    /// Removed (Pleroma's `""`).
    Clear,
    /// A new upload.
    Upload(super::media::NewMedia),
    /// Something else given as text: refused, as Pleroma's upload of a string fails.
    Text,
}

/// A change of the caller's profile (`PATCH /api/v1/accounts/update_credentials`); `None`
/// leaves a setting as it is.
#[derive(Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub avatar: Option<ImageChange>,
    pub header: Option<ImageChange>,
    pub background: Option<ImageChange>,
    pub locked: Option<bool>,
    pub bot: Option<bool>,
    pub actor_type: Option<String>,
    pub discoverable: Option<bool>,
    /// `[(name, value)]` as typed; entries with an empty name are dropped.
    pub fields: Option<Vec<(String, String)>>,
    pub default_scope: Option<String>,
    pub no_rich_text: Option<bool>,
    pub hide_followers: Option<bool>,
    pub hide_follows: Option<bool>,
    pub hide_followers_count: Option<bool>,
    pub hide_follows_count: Option<bool>,
    pub hide_favorites: Option<bool>,
    pub show_role: Option<bool>,
    pub skip_thread_containment: Option<bool>,
    pub allow_following_move: Option<bool>,
    pub accepts_chat_messages: Option<bool>,
    pub show_birthday: Option<bool>,
    /// `YYYY-MM-DD`; `""` removes it.
    pub birthday: Option<String>,
    pub also_known_as: Option<Vec<String>>,
    pub avatar_description: Option<String>,
    pub header_description: Option<String>,
    /// Merged into the frontend settings store (`pleroma_settings_store`).
    pub settings_store: Option<Value>,
}

fn too_large(message: &str) -> AppError {
    AppError::TooLarge(message.into())
}

/// The URL an upload is served at (`Pleroma.Upload, :base_url`, else `/media/`).
fn upload_url(settings: &Settings, file_name: &str) -> String {
    match settings.upload.base_url.as_deref() {
        Some(base) => format!("{}/{file_name}", base.trim_end_matches('/')),
        None => format!("{}/media/{file_name}", settings.instance_url),
    }
}

/// Check `update` as `User.update_changeset` does, answering the first error Pleroma's
/// controller would (its changeset lists the last validation first): fields' lengths ("One or
/// more field entries are too long"), their number ("Too many field entries"), the image
/// descriptions, the actor type ("Invalid request", 403), the display name ("Name is too
/// long"), the bio ("Bio is too long") — 413 but for the actor type.
fn validate(settings: &Settings, update: &ProfileUpdate) -> AppResult<()> {
    let limits = &settings.limits;
    let chars = |s: &str| s.chars().count();
    if let Some(fields) = &update.fields {
        let fields: Vec<_> = fields.iter().filter(|(n, _)| !n.is_empty()).collect();
        if fields
            .iter()
            .any(|(n, v)| chars(n) > limits.account_field_name_length || chars(v) > limits.account_field_value_length)
        {
            return Err(too_large("One or more field entries are too long"));
        }
        if fields.len() > limits.max_account_fields {
            return Err(too_large("Too many field entries"));
        }
    }
    if update.header_description.as_deref().is_some_and(|d| chars(d) > limits.description_limit) {
        return Err(too_large("Banner description is too long"));
    }
    if update.avatar_description.as_deref().is_some_and(|d| chars(d) > limits.description_limit) {
        return Err(too_large("Avatar description is too long"));
    }
    if update.actor_type.as_deref().is_some_and(|t| !ACTOR_TYPES.contains(&t)) {
        return Err(AppError::Forbidden("Invalid request".into()));
    }
    if update.display_name.as_deref().is_some_and(|n| chars(n) > limits.user_name_length) {
        return Err(too_large("Name is too long"));
    }
    if update.note.as_deref().is_some_and(|n| chars(n) > limits.user_bio_length) {
        return Err(too_large("Bio is too long"));
    }
    if let Some(scope) = update.default_scope.as_deref() {
        if !["public", "unlisted", "private", "direct"].contains(&scope) {
            return Err(AppError::BadRequest(format!("Invalid value for enum: {scope}")));
        }
    }
    if let Some(birthday) = update.birthday.as_deref().filter(|b| !b.is_empty()) {
        if NaiveDate::parse_from_str(birthday, "%Y-%m-%d").is_err() {
            return Err(AppError::BadRequest(format!("Invalid date. Got: {birthday}")));
        }
    }
    Ok(())
}

/// Store a new profile image within its size limit ("File is too large", 413); its URL.
async fn store_image(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    change: ImageChange,
    limit: u64,
    description: Option<String>,
) -> AppResult<Option<String>> {
    match change {
        ImageChange::Clear => Ok(None),
        ImageChange::Text => Err(AppError::Forbidden("Invalid request".into())),
        ImageChange::Upload(file) => {
            let size = file.file.metadata().map_err(AppError::internal)?.len();
            if size > limit {
                return Err(too_large("File is too large"));
            }
            let new = super::media::NewMedia { description, ..file };
            let media = super::media::store(db, settings, user, new).await.map_err(|e| match e {
                AppError::Invalid(fields) if fields.contains_key("file") => too_large("File is too large"),
                other => other,
            })?;
            Ok(Some(upload_url(settings, &media.file_name)))
        }
    }
}

/// Apply `update` to `user`'s profile as `update_credentials` does; the saved row.
pub async fn update_profile(
    db: &Db,
    settings: &Settings,
    user: &user::Model,
    update: ProfileUpdate,
) -> AppResult<user::Model> {
    validate(settings, &update)?;
    let limits = &settings.limits;
    let mut update = update;
    let mut row = user.clone().into_active_model();
    // Images first: a refused file changes nothing else.
    if let Some(change) = update.avatar.take() {
        let url =
            store_image(db, settings, user, change, limits.avatar_upload_limit, update.avatar_description.clone())
                .await?;
        row.avatar = Set(url);
    }
    if let Some(change) = update.header.take() {
        let url =
            store_image(db, settings, user, change, limits.banner_upload_limit, update.header_description.clone())
                .await?;
        row.banner = Set(url);
    }
    if let Some(change) = update.background.take() {
        row.background = Set(store_image(db, settings, user, change, limits.background_upload_limit, None).await?);
    }
    if let Some(name) = update.display_name {
        // Ecto casts "" to nil: the display name falls back to the nickname.
        row.name = Set(Some(name).filter(|n| !n.is_empty()));
    }
    if let Some(note) = update.note {
        row.bio = Set(super::statuses::render_content(&note, "text/plain", &[], &settings.instance_url));
        row.raw_bio = Set(Some(note));
    }
    if let Some(fields) = update.fields {
        let fields: Vec<(String, String)> = fields.into_iter().filter(|(n, _)| !n.is_empty()).collect();
        let raw: Vec<Value> = fields.iter().map(|(n, v)| json!({"name": n, "value": v})).collect();
        let rendered: Vec<Value> = fields
            .iter()
            .map(|(n, v)| json!({"name": n, "value": super::statuses::render_content(v, "text/plain", &[], &settings.instance_url)}))
            .collect();
        row.raw_fields = Set(Value::Array(raw));
        row.fields = Set(Value::Array(rendered));
    }
    if let Some(bot) = update.bot {
        row.actor_type = Set(if bot { "Service" } else { "Person" }.into());
    }
    if let Some(actor_type) = update.actor_type {
        row.actor_type = Set(actor_type);
    }
    let flags: [(Option<bool>, &mut sea_orm::ActiveValue<bool>); 13] = [
        (update.locked, &mut row.is_locked),
        (update.discoverable, &mut row.is_discoverable),
        (update.no_rich_text, &mut row.no_rich_text),
        (update.hide_followers, &mut row.hide_followers),
        (update.hide_follows, &mut row.hide_follows),
        (update.hide_followers_count, &mut row.hide_followers_count),
        (update.hide_follows_count, &mut row.hide_follows_count),
        (update.hide_favorites, &mut row.hide_favorites),
        (update.show_role, &mut row.show_role),
        (update.skip_thread_containment, &mut row.skip_thread_containment),
        (update.allow_following_move, &mut row.allow_following_move),
        (update.accepts_chat_messages, &mut row.accepts_chat_messages),
        (update.show_birthday, &mut row.show_birthday),
    ];
    for (value, column) in flags {
        if let Some(value) = value {
            *column = Set(value);
        }
    }
    if let Some(scope) = update.default_scope {
        row.default_scope = Set(scope);
    }
    if let Some(birthday) = update.birthday {
        row.birthday = Set(Some(birthday).filter(|b| !b.is_empty()));
    }
    if let Some(aliases) = update.also_known_as {
        row.also_known_as = Set(json!(aliases));
    }
    if let Some(description) = update.avatar_description {
        row.avatar_description = Set(description);
    }
    if let Some(description) = update.header_description {
        row.header_description = Set(description);
    }
    if let Some(Value::Object(changes)) = update.settings_store {
        let mut store = match &user.settings_store {
            Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        store.extend(changes);
        row.settings_store = Set(Value::Object(store));
    }
    row.updated_at = Set(Utc::now());
    let txn = db.begin().await?;
    let saved = row.update(&txn).await?;
    super::federation::publisher::profile_updated(&txn, &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_drop_the_local_host_and_punctuation() {
        assert_eq!(search_words("@Alice@x.test", "x.test"), ["alice"]);
        assert_eq!(search_words("bob_smith@remote.example", "x.test"), ["bob", "smith", "remote", "example"]);
        assert!(search_words("  @ ", "x.test").is_empty());
    }

    #[test]
    fn hashtags_as_pleroma_prepares_them() {
        // SearchControllerTest: "explicit tags are preferred", "joined tag is added".
        assert_eq!(search_hashtags("#text #tag not", None, None), ["text", "tag"]);
        assert_eq!(search_hashtags("text tag", None, None), ["text", "tag", "TextTag"]);
        assert_eq!(search_hashtags("https://x.test/tag/cofe", None, None), ["cofe"]);
        assert_eq!(search_hashtags("a b c", Some(1), Some(1)), ["b"]);
    }

    #[test]
    fn the_subscribe_template_is_found() {
        let doc = json!({"links": [
            {"rel": "self", "href": "https://r.example/users/a"},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": "https://r.example/ostatus_subscribe?acct={uri}"}
        ]});
        assert_eq!(subscribe_template(&doc).as_deref(), Some("https://r.example/ostatus_subscribe?acct={uri}"));
        assert_eq!(subscribe_template(&json!({})), None);
    }
}
