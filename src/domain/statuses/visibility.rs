//! Who may see a status (`activity_pub/visibility.ex`), as SQL conditions and lookups.

use entity::{follow, mention, status};
use sea_orm::{sea_query::Query, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{PUBLIC, VISIBILITIES};
use crate::error::AppResult;

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
