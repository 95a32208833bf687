//! A local user's collections (Pleroma's `UserView` `followers.json`, `following.json`,
//! `activity_collection.json` and `activity_collection_page.json`) and the relay actor's.
//!
//! Followers and following are paged by number, ten to a page, with Pleroma's rules: the items
//! of a user who hides them (`hide_followers`, `hide_follows`) are shown only to that user, the
//! count unless it is hidden too (`hide_followers_count`, `hide_follows_count`). The outbox is
//! paged by status id (`max_id`, `min_id`, `since_id`, `limit`), newest first, each item the
//! `Create` or `Announce` of [`super::objects`], only what the reader may see. Nothing else a
//! user does (follows, likes, blocks, mutes) is listed: Pleroma's `fetch_user_activities` asks
//! for `Create` and `Announce` only, and leaves out what the reader blocks or mutes.
use entity::{block, follow, mention, mute, relay_follow, relay_follower, status, user};
use sea_orm::{
    sea_query::{Query, SelectStatement},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationDef,
};
use serde_json::{json, Value};

use super::{objects, relays, LocalActor};
use crate::{
    config::Settings,
    domain::statuses::{self, MastodonPage},
    error::AppError,
};

/// Items on a page of followers or following (Pleroma's `UserView.collection/5`).
pub const PAGE_SIZE: u64 = 10;

/// Which of a user's relationship collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relationship {
    Followers,
    Following,
}

impl Relationship {
    fn path(self) -> &'static str {
        match self {
            Relationship::Followers => "followers",
            Relationship::Following => "following",
        }
    }

    /// `(items shown, count shown)` of `owner`'s collection to `viewer` (a user id).
    pub fn shown(self, owner: &user::Model, viewer: Option<&str>) -> (bool, bool) {
        let own = viewer == Some(owner.id.as_str());
        let (hide, hide_count) = match self {
            Relationship::Followers => (owner.hide_followers, owner.hide_followers_count),
            Relationship::Following => (owner.hide_follows, owner.hide_follows_count),
        };
        let items = own || !hide;
        (items, items || !hide_count)
    }

    /// The join from `follows` to the other user's row.
    fn join(self) -> RelationDef {
        let from = match self {
            Relationship::Followers => follow::Column::FollowerId,
            Relationship::Following => follow::Column::FollowingId,
        };
        follow::Entity::belongs_to(user::Entity).from(from).to(user::Column::Id).into()
    }

    fn owner_column(self) -> follow::Column {
        match self {
            Relationship::Followers => follow::Column::FollowingId,
            Relationship::Following => follow::Column::FollowerId,
        }
    }
}

/// The follows of one collection whose other side is an active account.
fn related(owner: &user::Model, kind: Relationship) -> sea_orm::Select<follow::Entity> {
    follow::Entity::find()
        .join(JoinType::InnerJoin, kind.join())
        .filter(kind.owner_column().eq(owner.id.as_str()))
        .filter(user::Column::IsActive.eq(true))
}

/// How many accounts the collection holds (one statement).
async fn total<C: ConnectionTrait>(conn: &C, owner: &user::Model, kind: Relationship) -> Result<u64, AppError> {
    Ok(related(owner, kind).count(conn).await?)
}

/// The ap_ids on page `page` (from 1), oldest follow first (one statement).
async fn ap_ids<C: ConnectionTrait>(
    conn: &C,
    owner: &user::Model,
    kind: Relationship,
    page: u64,
) -> Result<Vec<String>, AppError> {
    Ok(related(owner, kind)
        .select_only()
        .column(user::Column::ApId)
        .order_by_asc(follow::Column::InsertedAt)
        .order_by_asc(user::Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .into_tuple()
        .all(conn)
        .await?)
}

/// An `OrderedCollectionPage` (Pleroma's `UserView.collection/5`): `next` while the page's
/// offset is below the total, as Pleroma writes it.
pub fn page_document(iri: &str, page: u64, items: Vec<String>, show_items: bool, total: u64) -> Value {
    let mut document = json!({
        "id": format!("{iri}?page={page}"),
        "type": "OrderedCollectionPage",
        "partOf": iri,
        "totalItems": total,
        "orderedItems": if show_items { items } else { vec![] },
    });
    if (page - 1) * PAGE_SIZE < total {
        document["next"] = json!(format!("{iri}?page={}", page + 1));
    }
    document
}

fn with_context(mut document: Value) -> Value {
    document["@context"] = objects::context();
    document
}

/// `GET /users/:nickname/followers` or `/following` without `page`: the collection with its
/// first page embedded when its items are shown, else the first page's URL.
pub async fn collection<C: ConnectionTrait>(
    conn: &C,
    owner: &user::Model,
    kind: Relationship,
    viewer: Option<&str>,
) -> Result<Value, AppError> {
    let iri = format!("{}/{}", owner.ap_id, kind.path());
    let (show_items, show_count) = kind.shown(owner, viewer);
    let count = total(conn, owner, kind).await?;
    let shown_total = if show_count { count } else { 0 };
    let first = if show_items {
        let items = ap_ids(conn, owner, kind, 1).await?;
        match kind {
            // Pleroma's `following.json` embeds its first page with the real count, its items
            // only when the user does not hide them (even from themselves).
            Relationship::Following => page_document(&iri, 1, items, !owner.hide_follows, count),
            Relationship::Followers => page_document(&iri, 1, items, true, shown_total),
        }
    } else {
        json!(format!("{iri}?page=1"))
    };
    let mut document = json!({"id": iri, "type": "OrderedCollection", "first": first});
    // `followers.json` leaves `totalItems` out when the count is hidden, `following.json` says 0.
    if show_count || kind == Relationship::Following {
        document["totalItems"] = json!(shown_total);
    }
    Ok(with_context(document))
}

/// Page `page` (from 1) of the collection; `None` when its items are hidden from `viewer`
/// (Pleroma answers 403).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    owner: &user::Model,
    kind: Relationship,
    viewer: Option<&str>,
    page: u64,
) -> Result<Option<Value>, AppError> {
    let (show_items, show_count) = kind.shown(owner, viewer);
    if !show_items {
        return Ok(None);
    }
    let iri = format!("{}/{}", owner.ap_id, kind.path());
    let count = total(conn, owner, kind).await?;
    let items = ap_ids(conn, owner, kind, page).await?;
    Ok(Some(with_context(page_document(&iri, page, items, true, if show_count { count } else { 0 }))))
}

/// `GET /relay/followers` or `/relay/following`: the relay actor's followers (instances that
/// follow it) or the relays whose follow was accepted, the whole list as the first page.
pub async fn relay_collection<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    kind: Relationship,
) -> Result<Value, AppError> {
    let iri = format!("{}/{}", LocalActor::Relay.id(&settings.instance_url), kind.path());
    let items: Vec<String> = match kind {
        Relationship::Followers => {
            relay_follower::Entity::find()
                .select_only()
                .column(relay_follower::Column::Actor)
                .order_by_asc(relay_follower::Column::InsertedAt)
                .order_by_asc(relay_follower::Column::Actor)
                .into_tuple()
                .all(conn)
                .await?
        }
        Relationship::Following => {
            relay_follow::Entity::find()
                .select_only()
                .column(relay_follow::Column::Actor)
                .filter(relay_follow::Column::State.eq(relays::state::ACCEPTED))
                .order_by_asc(relay_follow::Column::Id)
                .into_tuple()
                .all(conn)
                .await?
        }
    };
    let count = items.len() as u64;
    let first: Vec<String> = items.into_iter().take(PAGE_SIZE as usize).collect();
    let document = json!({
        "id": iri,
        "type": "OrderedCollection",
        "totalItems": count,
        "first": page_document(&iri, 1, first, true, count),
    });
    Ok(with_context(document))
}

/// `GET /users/:nickname/outbox` without `page=true` (Pleroma's `activity_collection.json`).
pub fn outbox(owner: &user::Model) -> Value {
    let iri = format!("{}/outbox", owner.ap_id);
    with_context(json!({"id": iri, "type": "OrderedCollection", "first": format!("{iri}?page=true")}))
}

/// One page of the outbox: the `Create`s and `Announce`s of `owner`'s statuses that `viewer`
/// may see, newest first (a constant number of statements). The caller adds `id`, `next` and
/// `prev` (links on its own URL), from the first and last status ids returned.
pub async fn outbox_page<C: ConnectionTrait>(
    conn: &C,
    settings: &Settings,
    owner: &user::Model,
    viewer: Option<&str>,
    paging: &MastodonPage,
) -> Result<(Value, Vec<String>), AppError> {
    let Some(unblocked) = reader_filter(conn, owner, viewer).await? else {
        let document = json!({
            "type": "OrderedCollectionPage",
            "partOf": format!("{}/outbox", owner.ap_id),
            "orderedItems": [],
        });
        return Ok((with_context(document), vec![]));
    };
    let query = status::Entity::find()
        .filter(status::Column::UserId.eq(owner.id.as_str()))
        .filter(statuses::visible_to(viewer))
        .filter(unblocked);
    let mut rows = paging.apply(query).all(conn).await?;
    rows.sort_by(|a, b| b.id.cmp(&a.id));
    let loaded = objects::Loaded::read(conn, &rows).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut item = objects::activity(settings, &loaded, row);
            if let Some(map) = item.as_object_mut() {
                map.remove("@context");
            }
            item
        })
        .collect();
    let ids = rows.into_iter().map(|r| r.id).collect();
    let document = json!({
        "type": "OrderedCollectionPage",
        "partOf": format!("{}/outbox", owner.ap_id),
        "orderedItems": items,
    });
    Ok((with_context(document), ids))
}

/// Pleroma's `restrict_blocked` and `restrict_muted` as `fetch_user_activities` applies them:
/// unless the reader blocks the owner (then nothing is filtered), a reader who mutes the owner
/// sees nothing (`None`), and otherwise no reblog of, nor status mentioning, an account the
/// reader blocks or mutes.
async fn reader_filter<C: ConnectionTrait>(
    conn: &C,
    owner: &user::Model,
    viewer: Option<&str>,
) -> Result<Option<Condition>, AppError> {
    let Some(viewer) = viewer.filter(|v| *v != owner.id) else { return Ok(Some(Condition::all())) };
    let pair = (viewer.to_string(), owner.id.clone());
    if block::Entity::find_by_id(pair.clone()).one(conn).await?.is_some() {
        return Ok(Some(Condition::all()));
    }
    if mute::Entity::find_by_id(pair).one(conn).await?.is_some() {
        return Ok(None);
    }
    let mut shown = Condition::all();
    for accounts in shunned(viewer) {
        let their_statuses = Query::select()
            .column(status::Column::Id)
            .from(status::Entity)
            .and_where(status::Column::UserId.in_subquery(accounts.clone()))
            .to_owned();
        let mentioning = Query::select()
            .column(mention::Column::StatusId)
            .from(mention::Entity)
            .and_where(mention::Column::UserId.in_subquery(accounts))
            .to_owned();
        shown = shown
            .add(
                Condition::any()
                    .add(status::Column::ReblogOfId.is_null())
                    .add(status::Column::ReblogOfId.not_in_subquery(their_statuses)),
            )
            .add(status::Column::Id.not_in_subquery(mentioning));
    }
    Ok(Some(shown))
}

/// The ids of the accounts `viewer` blocks, then those it mutes.
fn shunned(viewer: &str) -> [SelectStatement; 2] {
    [
        Query::select()
            .column(block::Column::BlockedId)
            .from(block::Entity)
            .and_where(block::Column::BlockerId.eq(viewer))
            .to_owned(),
        Query::select()
            .column(mute::Column::MutedId)
            .from(mute::Entity)
            .and_where(mute::Column::MuterId.eq(viewer))
            .to_owned(),
    ]
}
