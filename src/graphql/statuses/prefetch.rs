//! One per-page read of everything a rendered status needs, fed into the request's loaders
//! before any field resolves. A list resolver calls [`statuses`] with its page's rows (and
//! [`accounts`] with the other accounts it shows); the nested fields then find every value in
//! the loaders' caches, so a page costs a fixed set of statements whatever its length and
//! however resolution happens to batch (a DataLoader batch closes 1 ms after its first key: a
//! key arriving late would otherwise cost a statement of its own).
//!
//! To add a per-status field: give it a loader whose key is the status id (or `(viewer, id)`),
//! read its values for `page.shown` in [`statuses`] below (one batched call, joined with the
//! others), and `feed_many` a value for EVERY id, the "none" value included: a key missing
//! from the cache goes back to the database.
use std::collections::{HashMap, HashSet};

use async_graphql::{Context, SelectionField};
use entity::status;

use super::{AuthorStatsOf, CountsOf, MediaOf, MentionsOf, MutedBy, RebloggedBy, StatusById, VisibleTo};
use crate::{
    domain::{bookmarks, events, favourites, pins, polls, statuses as domain, users},
    graphql::{
        bookmarks::BookmarkOf,
        events::{EventOf, JoinStateOf, ParticipantsCountOf, RequestsCountOf},
        favourites::{FavouriteCountOf, FavouritedBy, HiddenBy, ReactionsOf},
        pins::PinOf,
        polls::{OwnVotesOf, PollOf},
        users::{FollowCountsOf, TagsOf, UserById},
        ContextExt,
    },
};

/// How deep statuses nest in a rendered status: a reblog's status, its quote, and that
/// quote's quote (only its `ap_id`, for `quote_url`). Deeper selections still resolve, through
/// the loaders.
const LINK_ROUNDS: usize = 3;

/// Load these accounts, with what an account shows (tags, follow and post counts), into the
/// request's loader.
pub async fn accounts(ctx: &Context<'_>, user_ids: &[String]) -> async_graphql::Result<()> {
    let mut ids: Vec<String> = user_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let db = &ctx.db().read;
    let (found, mut tags) = tokio::try_join!(users::by_ids(db, &ids), users::tags_of(db, &ids))?;
    // The counts are the rows' kept counters.
    let follows: HashMap<String, (u64, u64)> =
        found.iter().map(|u| (u.id.clone(), users::follow_counts_of_row(u))).collect();
    let stats: HashMap<String, domain::AuthorStats> =
        found.iter().map(|u| (u.id.clone(), domain::AuthorStats::of(u))).collect();
    let loader = ctx.loader();
    loader.feed_many(found.into_iter().map(|u| (UserById(u.id.clone()), u))).await;
    loader.feed_many(ids.iter().map(|id| (TagsOf(id.clone()), tags.remove(id).unwrap_or_default()))).await;
    loader
        .feed_many(ids.iter().map(|id| (FollowCountsOf(id.clone()), follows.get(id).copied().unwrap_or_default())))
        .await;
    loader
        .feed_many(ids.iter().map(|id| (AuthorStatsOf(id.clone()), stats.get(id).copied().unwrap_or_default())))
        .await;
    Ok(())
}

/// Whether the current field's selection asks, at any depth, for `parent { child }`.
fn selects(field: SelectionField<'_>, parent: &str, child: &str) -> bool {
    field
        .selection_set()
        .any(|f| (f.name() == parent && f.selection_set().any(|c| c.name() == child)) || selects(f, parent, child))
}

fn sorted(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut ids: Vec<String> = ids.into_iter().collect::<HashSet<_>>().into_iter().collect();
    ids.sort();
    ids
}

/// Load what these statuses (and the reblogged and quoted statuses they show) render into the
/// request's loaders: the linked statuses, authors and accounts replied to (with their counts
/// and tags), mentions, media, counters, reactions, polls (and the caller's votes), pins, the
/// caller's reblogs, favourites, bookmarks and mutes, whether linked statuses are visible, and
/// events when selected.
pub async fn statuses(ctx: &Context<'_>, rows: &[status::Model]) -> async_graphql::Result<()> {
    statuses_and_accounts(ctx, rows, &[]).await
}

/// [`statuses`], with more accounts the page shows (reporters, recipients...) read in the same
/// statements as the statuses' authors.
pub async fn statuses_and_accounts(
    ctx: &Context<'_>,
    rows: &[status::Model],
    more_people: &[String],
) -> async_graphql::Result<()> {
    // Boxed: the joined reads make a large future, and list resolvers nest it in theirs.
    Box::pin(read_and_feed(ctx, rows, more_people)).await
}

async fn read_and_feed(ctx: &Context<'_>, rows: &[status::Model], more_people: &[String]) -> async_graphql::Result<()> {
    if rows.is_empty() {
        return accounts(ctx, more_people).await;
    }
    let db = &ctx.db().read;
    let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
    let with_events = selects(ctx.field(), "pleroma", "event");

    // The linked statuses, a round per nesting level (none when nothing is left to load).
    let mut loaded: HashMap<String, status::Model> = rows.iter().map(|s| (s.id.clone(), s.clone())).collect();
    let mut frontier: Vec<status::Model> = rows.to_vec();
    for _ in 0..LINK_ROUNDS {
        let wanted = sorted(
            frontier
                .iter()
                .flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()])
                .flatten()
                .filter(|id| !loaded.contains_key(id)),
        );
        if wanted.is_empty() {
            break;
        }
        frontier = domain::by_ids(db, &wanted).await?;
        for row in &frontier {
            loaded.insert(row.id.clone(), row.clone());
        }
    }
    let shown: Vec<&status::Model> = loaded.values().collect();
    // The statuses shown as another's reblog or quote (some may be on the page itself).
    let linked: HashSet<String> =
        shown.iter().flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()]).flatten().collect();
    // Per-status data is read for posts; a reblog shows its status's (or zero counters).
    let ids = sorted(shown.iter().filter(|s| s.reblog_of_id.is_none()).map(|s| s.id.clone()));
    let authors = sorted(shown.iter().map(|s| s.user_id.clone()));
    let mut people = authors.clone();
    people.extend(more_people.iter().cloned());
    people.extend(shown.iter().filter_map(|s| s.in_reply_to_user_id.clone()));
    let people = sorted(people);
    // `quote_visible` and `parent_visible`.
    let checked = sorted(shown.iter().flat_map(|s| [s.quote_of_id.clone(), s.in_reply_to_id.clone()]).flatten());

    let ((), (mut mentions, mut media), (mut reactions, visible), (mut tallies, mut pinned)) = tokio::try_join!(
        accounts(ctx, &people),
        async {
            let found = tokio::try_join!(domain::mentioned_users(db, &ids), domain::media_of(db, &ids))?;
            Ok::<_, async_graphql::Error>(found)
        },
        async {
            let found = tokio::try_join!(favourites::reactions_of(db, &ids), async {
                if checked.is_empty() {
                    Ok(HashSet::new())
                } else {
                    domain::visible_ids(db, viewer.as_deref(), &checked).await
                }
            },)?;
            Ok::<_, async_graphql::Error>(found)
        },
        async {
            let found = tokio::try_join!(polls::tallies(db, &ids), pins::pins_of(db, &ids))?;
            Ok::<_, async_graphql::Error>(found)
        },
    )?;
    let polled = sorted(tallies.keys().cloned());
    let reacted = reactions.values().any(|groups| !groups.is_empty());

    let loader = ctx.loader();
    loader
        .feed_many(loaded.values().filter(|s| linked.contains(&s.id)).map(|s| (StatusById(s.id.clone()), s.clone())))
        .await;
    loader.feed_many(ids.iter().map(|id| (MentionsOf(id.clone()), mentions.remove(id).unwrap_or_default()))).await;
    loader.feed_many(ids.iter().map(|id| (MediaOf(id.clone()), media.remove(id).unwrap_or_default()))).await;
    // The counts are the rows' kept counters.
    let posts = || ids.iter().filter_map(|id| loaded.get(id));
    loader.feed_many(posts().map(|s| (CountsOf(s.id.clone()), domain::Counts::of(s)))).await;
    loader.feed_many(posts().map(|s| (FavouriteCountOf(s.id.clone()), domain::served(s.favourites_count)))).await;
    loader.feed_many(ids.iter().map(|id| (ReactionsOf(id.clone()), reactions.remove(id).unwrap_or_default()))).await;
    loader.feed_many(checked.iter().map(|id| (VisibleTo(viewer.clone(), id.clone()), visible.contains(id)))).await;
    loader.feed_many(ids.iter().map(|id| (PollOf(id.clone()), tallies.remove(id)))).await;
    loader.feed_many(ids.iter().map(|id| (PinOf(id.clone()), pinned.remove(id)))).await;

    if let Some(viewer) = &viewer {
        let (reblogged, favourited, mut bookmarked, muted, hidden, mut votes) = tokio::try_join!(
            domain::reblogged_by(db, viewer, &ids),
            favourites::favourited_by(db, viewer, &ids),
            bookmarks::bookmarked(db, viewer, &ids),
            domain::muted_by(db, viewer, &people),
            // Only read when a reaction is shown (as `reactions_for` does).
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
        )?;
        loader
            .feed_many(
                polled.iter().map(|id| (OwnVotesOf(viewer.clone(), id.clone()), votes.remove(id).unwrap_or_default())),
            )
            .await;
        let key = |id: &String| (viewer.clone(), id.clone());
        loader.feed_many(ids.iter().map(|id| (RebloggedBy(viewer.clone(), id.clone()), reblogged.contains(id)))).await;
        loader
            .feed_many(ids.iter().map(|id| (FavouritedBy(viewer.clone(), id.clone()), favourited.contains(id))))
            .await;
        loader.feed_many(people.iter().map(|id| (MutedBy(viewer.clone(), id.clone()), muted.contains(id)))).await;
        loader
            .feed_many(ids.iter().map(|id| {
                let (viewer, id) = key(id);
                let value = match bookmarked.remove(&id) {
                    Some(folder) => (true, folder),
                    None => (false, None),
                };
                (BookmarkOf(viewer, id), value)
            }))
            .await;
        if let Some(hidden) = hidden {
            loader.feed_one(HiddenBy(viewer.clone()), hidden).await;
        }
    }

    if with_events {
        let records = events::records(db, &ids).await?;
        let event_ids = sorted(records.iter().map(|e| e.status_id.clone()));
        let mut records: HashMap<String, entity::event::Model> =
            records.into_iter().map(|e| (e.status_id.clone(), e)).collect();
        // Pending requests are shown to the organiser only.
        let own = sorted(event_ids.iter().filter(|id| loaded.get(*id).map(|s| &s.user_id) == viewer.as_ref()).cloned());
        let (accepted, pending, states) = tokio::try_join!(
            async {
                if event_ids.is_empty() {
                    Ok(HashMap::new())
                } else {
                    events::counts(db, &event_ids, "accept").await
                }
            },
            async {
                if own.is_empty() {
                    Ok(HashMap::new())
                } else {
                    events::counts(db, &own, "pending").await
                }
            },
            async {
                match &viewer {
                    Some(viewer) if !event_ids.is_empty() => events::states_of(db, viewer, &event_ids).await,
                    _ => Ok(HashMap::new()),
                }
            },
        )?;
        loader.feed_many(ids.iter().map(|id| (EventOf(id.clone()), records.remove(id)))).await;
        loader
            .feed_many(
                event_ids.iter().map(|id| (ParticipantsCountOf(id.clone()), accepted.get(id).copied().unwrap_or(0))),
            )
            .await;
        loader
            .feed_many(own.iter().map(|id| (RequestsCountOf(id.clone()), pending.get(id).copied().unwrap_or(0))))
            .await;
        if let Some(viewer) = &viewer {
            loader
                .feed_many(
                    event_ids.iter().map(|id| (JoinStateOf(viewer.clone(), id.clone()), states.get(id).cloned())),
                )
                .await;
        }
    }
    Ok(())
}
