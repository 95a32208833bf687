//! The Mastodon account routes clients call first, and Pleroma's account tail (issue 25):
//! lookup and search (`MastodonAPI.AccountController.lookup`, `SearchController`,
//! `User.Search`), the caller's profile (`update_credentials`, `User.update_changeset`),
//! endorsements (`User.endorse`), subscriptions (`User.subscribe`), birthdays
//! (`User.get_friends_birthdays_query`) and the federation status (`Instances`).
mod endorsements;
mod profile;
mod remote;
mod search;

use entity::{block, follow, user};
use sea_orm::{sea_query::Query, ColumnTrait, ConnectionTrait};

use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

pub use endorsements::*;
pub use profile::*;
pub use remote::*;
pub use search::*;

/// Pleroma's `SearchController` caps every search at 40 results.
pub const SEARCH_LIMIT: u64 = 40;
/// Actor types a profile may take (`Pleroma.Constants.allowed_user_actor_types`).
pub const ACTOR_TYPES: [&str; 3] = ["Person", "Service", "Group"];

/// `GET /api/v1/accounts/lookup?acct=`: a user by nickname, `alice@<this host>` meaning the
/// local `alice` (`User.get_by_nickname`). No visibility check, as Pleroma.
pub async fn lookup<C: ConnectionTrait>(conn: &C, settings: &Settings, acct: &str) -> AppResult<Option<user::Model>> {
    if let Some(found) = crate::domain::users::find_by_nickname(conn, acct).await? {
        return Ok(Some(found));
    }
    let host = settings.host();
    match acct.rsplit_once('@') {
        Some((local, domain)) if domain.eq_ignore_ascii_case(&host) && !local.is_empty() => {
            Ok(crate::domain::users::find_by_nickname(conn, local).await?.filter(|u| u.local))
        }
        _ => Ok(None),
    }
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

/// A user, when an account route names one (`assign_account_by_id`): `NotFound` otherwise.
pub async fn account<C: ConnectionTrait>(conn: &C, key: &str) -> AppResult<user::Model> {
    crate::domain::users::find_by_nickname_or_id(conn, key)
        .await?
        .ok_or_else(|| AppError::NotFound("Record not found".into()))
}
