//! Batched reads of what hangs off a report: its statuses (live, or the copy kept when the
//! report was filed) and its notes. Each loader skips the query when it is given no keys.
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{dataloader::Loader, Context};
use entity::{report, report_note};

use crate::{
    domain::{
        reports::{self, ReportedStatus},
        statuses, users,
    },
    graphql::{
        loaders::{DbLoader, LoadError},
        rules::RuleById,
        statuses::{AuthorStatsOf, CountsOf, MediaOf, MentionsOf, RebloggedBy, StatusById, VisibleTo},
        users::{FollowCountsOf, TagsOf, UserById},
        ContextExt,
    },
};

/// Key: the statuses a report cites (by report id), in the reporter's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusesOfReport(pub String);

/// Key: the notes of a report (by report id), oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotesOfReport(pub String);

fn ids<K>(keys: &[K], id: impl Fn(&K) -> &String) -> Vec<String> {
    keys.iter().map(|k| id(k).clone()).collect()
}

impl Loader<StatusesOfReport> for DbLoader {
    type Value = Vec<ReportedStatus>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[StatusesOfReport],
    ) -> Result<HashMap<StatusesOfReport, Vec<ReportedStatus>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = reports::statuses_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

impl Loader<NotesOfReport> for DbLoader {
    type Value = Vec<report_note::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[NotesOfReport]) -> Result<HashMap<NotesOfReport, Vec<report_note::Model>>, LoadError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let mut found = reports::notes_of(&self.db.read, &ids(keys, |k| &k.0)).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(&k.0).unwrap_or_default())).collect())
    }
}

/// Load what a page of reports shows into the request's loader, where the nested fields find
/// it: the cited statuses (with their mentions, media, counters, the statuses they reply to or
/// quote) and notes, and every account on the page (reporters, reported users, authors, note
/// writers) with its tags, follow counts and post counts. A fixed number of queries, so a page
/// of 50 costs the statements of a page of 1 however resolution happens to batch.
pub async fn prefetch(ctx: &Context<'_>, page: &[report::Model]) -> async_graphql::Result<()> {
    if page.is_empty() {
        return Ok(());
    }
    let db = &ctx.db().read;
    let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
    let rule_ids: Vec<String> = page
        .iter()
        .flat_map(|r| serde_json::from_value::<Vec<String>>(r.rule_ids.clone()).unwrap_or_default())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (mut cited, mut notes, mut rules) = tokio::try_join!(
        reports::statuses_of(db, &ids),
        reports::notes_of(db, &ids),
        crate::domain::rules::by_ids(db, &rule_ids)
    )?;

    let rows: Vec<&entity::status::Model> = cited.values().flatten().map(|s| &s.status).collect();
    let status_ids: Vec<String> = rows.iter().map(|s| s.id.clone()).collect::<HashSet<_>>().into_iter().collect();
    let linked: Vec<String> = rows
        .iter()
        .flat_map(|s| [s.in_reply_to_id.clone(), s.quote_of_id.clone(), s.reblog_of_id.clone()])
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut user_ids: HashSet<String> = page.iter().flat_map(|r| [r.account_id.clone(), r.actor_id.clone()]).collect();
    user_ids.extend(rows.iter().map(|s| s.user_id.clone()));
    user_ids.extend(rows.iter().filter_map(|s| s.in_reply_to_user_id.clone()));
    user_ids.extend(notes.values().flatten().map(|n| n.user_id.clone()));
    let user_ids: Vec<String> = user_ids.into_iter().collect();
    let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());

    let (found, mut tags, follows, stats) = tokio::try_join!(
        users::by_ids(db, &user_ids),
        users::tags_of(db, &user_ids),
        users::follow_counts_of(db, &user_ids),
        statuses::author_stats(db, &user_ids),
    )?;
    let (mut mentions, mut media, counts, linked_rows) = tokio::try_join!(
        statuses::mentioned_users(db, &status_ids),
        statuses::media_of(db, &status_ids),
        statuses::counts_of(db, &status_ids),
        statuses::by_ids(db, &linked),
    )?;
    let (reblogged, visible) = tokio::try_join!(
        async {
            match &viewer {
                Some(viewer) => statuses::reblogged_by(db, viewer, &status_ids).await,
                None => Ok(HashSet::new()),
            }
        },
        statuses::visible_ids(db, viewer.as_deref(), &linked),
    )?;

    let loader = ctx.loader();
    loader.feed_many(ids.iter().map(|id| (StatusesOfReport(id.clone()), cited.remove(id).unwrap_or_default()))).await;
    loader.feed_many(ids.iter().map(|id| (NotesOfReport(id.clone()), notes.remove(id).unwrap_or_default()))).await;
    loader.feed_many(found.into_iter().map(|u| (UserById(u.id.clone()), u))).await;
    loader.feed_many(rule_ids.iter().map(|id| (RuleById(id.clone()), rules.remove(id)))).await;
    loader.feed_many(user_ids.iter().map(|id| (TagsOf(id.clone()), tags.remove(id).unwrap_or_default()))).await;
    loader
        .feed_many(user_ids.iter().map(|id| (FollowCountsOf(id.clone()), follows.get(id).copied().unwrap_or_default())))
        .await;
    loader
        .feed_many(user_ids.iter().map(|id| (AuthorStatsOf(id.clone()), stats.get(id).copied().unwrap_or_default())))
        .await;
    loader
        .feed_many(status_ids.iter().map(|id| (MentionsOf(id.clone()), mentions.remove(id).unwrap_or_default())))
        .await;
    loader.feed_many(status_ids.iter().map(|id| (MediaOf(id.clone()), media.remove(id).unwrap_or_default()))).await;
    loader
        .feed_many(status_ids.iter().map(|id| (CountsOf(id.clone()), counts.get(id).copied().unwrap_or_default())))
        .await;
    if let Some(viewer) = &viewer {
        loader
            .feed_many(status_ids.iter().map(|id| (RebloggedBy(viewer.clone(), id.clone()), reblogged.contains(id))))
            .await;
        // The caller's bookmarks of the cited statuses (`bookmarked`, `pleroma.bookmark_folder`).
        let mut bookmarked = crate::domain::bookmarks::bookmarked(db, viewer, &status_ids).await?;
        loader
            .feed_many(status_ids.iter().map(|id| {
                let value = match bookmarked.remove(id) {
                    Some(folder) => (true, folder),
                    None => (false, None),
                };
                (crate::graphql::bookmarks::BookmarkOf(viewer.clone(), id.clone()), value)
            }))
            .await;
    }
    loader.feed_many(linked.iter().map(|id| (VisibleTo(viewer.clone(), id.clone()), visible.contains(id)))).await;
    loader.feed_many(linked_rows.into_iter().map(|s| (StatusById(s.id.clone()), s))).await;
    Ok(())
}
