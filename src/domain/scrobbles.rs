//! Scrobbles (Pleroma's `CommonAPI.listen`, `ScrobbleController`): a `Listen` activity whose
//! `Audio` object carries the title, artist, album, length and a link, addressed by its
//! visibility like a status, kept in a table of its own.
use chrono::Utc;
use entity::{follow, scrobble};
use sea_orm::{
    sea_query::Query, ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
};

use super::statuses::{MastodonPage, PUBLIC};
use crate::{config::Settings, db::Db, error::AppResult};

/// A scrobble as posted.
#[derive(Debug, Clone, Default)]
pub struct NewScrobble {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// Milliseconds.
    pub length: Option<i64>,
    pub external_link: Option<String>,
    /// `public` (default), `unlisted`, `private` or `direct`.
    pub visibility: Option<String>,
}

/// Post a scrobble as `user_id`.
pub async fn create(db: &Db, settings: &Settings, user_id: &str, new: NewScrobble) -> AppResult<scrobble::Model> {
    let object = super::statuses::object_id(settings);
    let uuid = object.rsplit('/').next().unwrap_or_default();
    Ok(scrobble::ActiveModel {
        ap_id: Set(format!("{}/activities/{uuid}", settings.instance_url)),
        id: Set(crate::ids::flake_id()),
        user_id: Set(user_id.to_string()),
        title: Set(new.title),
        artist: Set(new.artist),
        album: Set(new.album),
        length: Set(new.length),
        external_link: Set(new.external_link),
        visibility: Set(new.visibility.unwrap_or_else(|| "public".into())),
        created_at: Set(Utc::now()),
    }
    .insert(&db.write)
    .await?)
}

/// Who may see a scrobble: public and unlisted ones anyone, private ones the author's
/// followers, all of them the author (direct ones address nobody else).
fn visible_to(viewer: Option<&str>) -> Condition {
    let public = Condition::any().add(scrobble::Column::Visibility.is_in(PUBLIC));
    let Some(viewer) = viewer else { return public };
    let followed = Query::select()
        .column(follow::Column::FollowingId)
        .from(follow::Entity)
        .and_where(follow::Column::FollowerId.eq(viewer))
        .to_owned();
    public.add(scrobble::Column::UserId.eq(viewer)).add(
        Condition::all()
            .add(scrobble::Column::Visibility.eq("private"))
            .add(scrobble::Column::UserId.in_subquery(followed)),
    )
}

/// A page of an account's scrobbles `viewer` may see, newest first, paged by id.
pub async fn of_user<C: ConnectionTrait>(
    conn: &C,
    user_id: &str,
    viewer: Option<&str>,
    page: &MastodonPage,
) -> AppResult<Vec<scrobble::Model>> {
    let query = page.apply_keyed(scrobbles_of(user_id, viewer), scrobble::Column::Id, |id| Some(id.to_string()));
    Ok(page.newest_first(query.all(conn).await?))
}

/// How many scrobbles of an account `viewer` may see, the paging ignored (the total of
/// [`of_user`]).
pub async fn count_of_user<C: ConnectionTrait>(conn: &C, user_id: &str, viewer: Option<&str>) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(scrobbles_of(user_id, viewer).count(conn).await?)
}

/// An account's scrobbles `viewer` may see, unpaged.
fn scrobbles_of(user_id: &str, viewer: Option<&str>) -> sea_orm::Select<scrobble::Entity> {
    scrobble::Entity::find().filter(scrobble::Column::UserId.eq(user_id)).filter(visible_to(viewer))
}
