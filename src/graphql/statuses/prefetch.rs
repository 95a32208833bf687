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
    domain::{events, favourites, polls, statuses as domain, users},
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

/// Load these accounts, with what an account shows (tags, follow and post counts, whether the
/// caller mutes them), into the request's loader: one statement.
pub async fn accounts(ctx: &Context<'_>, user_ids: &[String]) -> async_graphql::Result<()> {
    let viewer = ctx.viewer().user.as_ref().map(|u| u.id.clone());
    accounts_for(ctx, user_ids, viewer.as_deref()).await.map(|_| ())
}

/// [`accounts`] for `viewer`; the users found, by id.
async fn accounts_for(
    ctx: &Context<'_>,
    user_ids: &[String],
    viewer: Option<&str>,
) -> async_graphql::Result<HashMap<String, entity::user::Model>> {
    let ids = sorted(user_ids.iter().cloned());
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = domain::people(&ctx.db().read, &ids, viewer).await?;
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    let mut muted: HashSet<String> = HashSet::new();
    // The counts are the rows' kept counters.
    let mut follows: HashMap<String, (u64, u64)> = HashMap::new();
    let mut stats: HashMap<String, domain::AuthorStats> = HashMap::new();
    let mut users = Vec::with_capacity(found.len());
    for person in found {
        let id = person.user.id.clone();
        follows.insert(id.clone(), users::follow_counts_of_row(&person.user));
        stats.insert(id.clone(), domain::AuthorStats::of(&person.user));
        if person.muted {
            muted.insert(id.clone());
        }
        tags.insert(id, person.tags);
        users.push(person.user);
    }
    let loader = ctx.loader();
    let by_id: HashMap<String, entity::user::Model> = users.iter().map(|u| (u.id.clone(), u.clone())).collect();
    loader.feed_many(users.into_iter().map(|u| (UserById(u.id.clone()), u))).await;
    loader.feed_many(ids.iter().map(|id| (TagsOf(id.clone()), tags.remove(id).unwrap_or_default()))).await;
    loader
        .feed_many(ids.iter().map(|id| (FollowCountsOf(id.clone()), follows.get(id).copied().unwrap_or_default())))
        .await;
    loader
        .feed_many(ids.iter().map(|id| (AuthorStatsOf(id.clone()), stats.get(id).copied().unwrap_or_default())))
        .await;
    if let Some(viewer) = viewer {
        loader.feed_many(ids.iter().map(|id| (MutedBy(viewer.to_string(), id.clone()), muted.contains(id)))).await;
    }
    Ok(by_id)
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

    // The statuses with their mentions, pins and the caller's marks: the page's and those it
    // links to in one statement, then a round per deeper nesting level (none when nothing is
    // left to load). The rows given are kept (a report shows a status's copy once deleted).
    let mut loaded: HashMap<String, status::Model> = rows.iter().map(|s| (s.id.clone(), s.clone())).collect();
    let mut marked: HashMap<String, domain::MarkedStatus> = HashMap::new();
    let links = |rows: &mut dyn Iterator<Item = &status::Model>| -> Vec<String> {
        rows.flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()]).flatten().collect()
    };
    let mut wanted = sorted(rows.iter().map(|s| s.id.clone()).chain(links(&mut rows.iter())));
    for _ in 0..LINK_ROUNDS {
        if wanted.is_empty() {
            break;
        }
        let found = domain::statuses_with_marks(db, &wanted, viewer.as_deref()).await?;
        for status in &found {
            loaded.entry(status.row.id.clone()).or_insert_with(|| status.row.clone());
        }
        let next = links(&mut found.iter().map(|s| &s.row));
        marked.extend(found.into_iter().map(|s| (s.row.id.clone(), s)));
        wanted = sorted(next.into_iter().filter(|id| !loaded.contains_key(id)));
    }
    let shown: Vec<&status::Model> = loaded.values().collect();
    // The statuses shown as another's reblog or quote (some may be on the page itself).
    let linked: HashSet<String> =
        shown.iter().flat_map(|s| [s.reblog_of_id.clone(), s.quote_of_id.clone()]).flatten().collect();
    // Per-status data is read for posts; a reblog shows its status's (or zero counters).
    let ids = sorted(shown.iter().filter(|s| s.reblog_of_id.is_none()).map(|s| s.id.clone()));
    let mentioned: HashSet<String> =
        ids.iter().filter_map(|id| marked.get(id)).flat_map(|m| m.mentioned.iter().cloned()).collect();
    let mut people: Vec<String> = shown.iter().map(|s| s.user_id.clone()).collect();
    people.extend(more_people.iter().cloned());
    people.extend(shown.iter().filter_map(|s| s.in_reply_to_user_id.clone()));
    people.extend(mentioned.iter().cloned());
    let people = sorted(people);
    // `quote_visible` and `parent_visible`.
    let checked = sorted(shown.iter().flat_map(|s| [s.quote_of_id.clone(), s.in_reply_to_id.clone()]).flatten());
    // Media, reactions and polls are read for the statuses that have some (none: no statement).
    // A status given but not read (a deleted status's copy) has none.
    let having = |has: fn(&domain::MarkedStatus) -> bool| -> Vec<String> {
        ids.iter().filter(|id| marked.get(*id).is_some_and(has)).cloned().collect()
    };
    let (with_media, with_reactions, with_poll) =
        (having(|m| m.with_media), having(|m| m.with_reactions), having(|m| m.with_poll));

    let (users_found, mut media, (mut reactions, visible), mut tallies) = tokio::try_join!(
        accounts_for(ctx, &people, viewer.as_deref()),
        async { Ok::<_, async_graphql::Error>(domain::media_of(db, &with_media).await?) },
        async {
            let found = tokio::try_join!(favourites::reactions_of(db, &with_reactions), async {
                if checked.is_empty() {
                    Ok(HashSet::new())
                } else {
                    domain::visible_ids(db, viewer.as_deref(), &checked).await
                }
            },)?;
            Ok::<_, async_graphql::Error>(found)
        },
        async { Ok::<_, async_graphql::Error>(polls::tallies(db, &with_poll).await?) },
    )?;
    // The mentioned accounts, as read with the others.
    let mut mentions: HashMap<String, Vec<entity::user::Model>> = ids
        .iter()
        .filter_map(|id| marked.get(id))
        .map(|m| (m.row.id.clone(), m.mentioned.iter().filter_map(|u| users_found.get(u).cloned()).collect()))
        .collect();
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
    loader.feed_many(ids.iter().map(|id| (PinOf(id.clone()), marked.get(id).and_then(|m| m.pin.clone())))).await;

    if let Some(viewer) = &viewer {
        let (hidden, mut votes) = tokio::try_join!(
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
        let mark = |id: &String| marked.get(id);
        loader
            .feed_many(
                ids.iter().map(|id| (RebloggedBy(viewer.clone(), id.clone()), mark(id).is_some_and(|m| m.reblogged))),
            )
            .await;
        loader
            .feed_many(
                ids.iter().map(|id| (FavouritedBy(viewer.clone(), id.clone()), mark(id).is_some_and(|m| m.favourited))),
            )
            .await;
        loader
            .feed_many(ids.iter().map(|id| {
                let value = match mark(id).and_then(|m| m.bookmark.clone()) {
                    Some(folder) => (true, folder),
                    None => (false, None),
                };
                (BookmarkOf(viewer.clone(), id.clone()), value)
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
