//! Account, status and hashtag search (`SearchController`, `User.Search`, `Pleroma.Search.DatabaseSearch`).

use entity::{status, user};
use sea_orm::{
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{blocked_ids, followed_ids, SEARCH_LIMIT};
use crate::{config::Settings, error::AppResult};

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
    /// The page size used.
    pub fn limit(&self) -> u64 {
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
    Func::lower(column.into()).like(LikeExpr::new(crate::domain::users::like_pattern(word)).escape('\\'))
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
    let Some(query) = account_matches(settings, viewer, search) else { return Ok(vec![]) };
    let exact = search.query.trim().trim_start_matches('@').to_lowercase();
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

/// How many accounts [`search_accounts`] finds, the paging ignored.
pub async fn search_accounts_count<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    viewer: Option<&user::Model>,
    search: &AccountSearch,
) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    match account_matches(settings, viewer, search) {
        Some(query) => Ok(query.count(conn).await?),
        None => Ok(0),
    }
}

/// The accounts an account search matches, unordered and unpaged; `None` when the query holds
/// nothing to look for.
fn account_matches(
    settings: &Settings,
    viewer: Option<&user::Model>,
    search: &AccountSearch,
) -> Option<sea_orm::Select<user::Entity>> {
    let words = search_words(&search.query, &settings.host());
    let exact = search.query.trim().trim_start_matches('@').to_lowercase();
    if words.is_empty() && exact.is_empty() {
        return None;
    }
    let mut matches = Condition::any()
        .add(Expr::expr(Func::lower(Expr::col((user::Entity, user::Column::Nickname)))).eq(exact))
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
    Some(query)
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
        .filter(crate::domain::statuses::visible_to(viewer_id))
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
}
