//! Batched reads of what hangs off a report: its statuses (live, or the copy kept when the
//! report was filed) and its notes. Each loader skips the query when it is given no keys.
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use async_graphql::{dataloader::Loader, Context};
use entity::{report, report_note};

use crate::{
    domain::reports::{self, ReportedStatus},
    graphql::{
        loaders::{DbLoader, LoadError},
        rules::RuleById,
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
/// it: the cited statuses (everything `statuses::prefetch` reads for them) and notes, and
/// every account on the page (reporters, reported users, authors, note writers) with its tags,
/// follow counts and post counts. A fixed number of queries, so a page
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

    let rows: Vec<entity::status::Model> = cited.values().flatten().map(|s| s.status.clone()).collect();
    let mut people: Vec<String> = page.iter().flat_map(|r| [r.account_id.clone(), r.actor_id.clone()]).collect();
    people.extend(notes.values().flatten().map(|n| n.user_id.clone()));
    crate::graphql::statuses::prefetch::statuses_and_accounts(ctx, &rows, &people).await?;

    let loader = ctx.loader();
    loader.feed_many(ids.iter().map(|id| (StatusesOfReport(id.clone()), cited.remove(id).unwrap_or_default()))).await;
    loader.feed_many(ids.iter().map(|id| (NotesOfReport(id.clone()), notes.remove(id).unwrap_or_default()))).await;
    loader.feed_many(rule_ids.iter().map(|id| (RuleById(id.clone()), rules.remove(id)))).await;
    Ok(())
}
