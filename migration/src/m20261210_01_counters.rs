//! Kept counters, where Pleroma keeps them: a status's replies, reblogs, quotes and favourites
//! (Pleroma's `object.data` `repliesCount`, `announcement_count`, `quotesCount`, `like_count`,
//! moved by `Object.increase_replies_count` and friends), and a user's posts, followers,
//! followings and last post time (`users.note_count`, `follower_count`, `following_count`,
//! `last_status_at`, kept by `User.update_note_count` / `update_follower_count`).
//!
//! They are kept by triggers, so every writer (the API, inbound federation, import, seed,
//! cascaded deletes) moves them in its own transaction without knowing about them. The counted
//! rows are the ones the served numbers counted before: replies and quotes that are public or
//! unlisted, every reblog, every favourite; posts that are public or unlisted and not reblogs;
//! the last post time is that of the author's newest status (reblogs included).
//! Existing rows are backfilled here; `pleroma-gateway counters repair` recomputes them later.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Statuses {
    Table,
    RepliesCount,
    ReblogsCount,
    QuotesCount,
    FavouritesCount,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    StatusesCount,
    FollowersCount,
    FollowingCount,
    LastStatusAt,
}

const PUBLIC: &str = "('public', 'unlisted')";

/// What a status row `r` adds to (`d` = `+`) or takes from (`d` = `-`) the counters.
fn status_effects(r: &str, d: &str) -> Vec<String> {
    vec![
        format!(
            "UPDATE statuses SET replies_count = replies_count {d} 1 \
             WHERE id = {r}.in_reply_to_id AND {r}.visibility IN {PUBLIC}"
        ),
        format!("UPDATE statuses SET reblogs_count = reblogs_count {d} 1 WHERE id = {r}.reblog_of_id"),
        format!(
            "UPDATE statuses SET quotes_count = quotes_count {d} 1 \
             WHERE id = {r}.quote_of_id AND {r}.visibility IN {PUBLIC}"
        ),
        format!(
            "UPDATE users SET statuses_count = statuses_count {d} 1 \
             WHERE id = {r}.user_id AND {r}.reblog_of_id IS NULL AND {r}.visibility IN {PUBLIC}"
        ),
        format!(
            "UPDATE users SET last_status_at = (SELECT s.created_at FROM statuses s \
             WHERE s.user_id = {r}.user_id ORDER BY s.id DESC LIMIT 1) WHERE id = {r}.user_id"
        ),
    ]
}

fn favourite_effects(r: &str, d: &str) -> Vec<String> {
    vec![format!("UPDATE statuses SET favourites_count = favourites_count {d} 1 WHERE id = {r}.status_id")]
}

fn follow_effects(r: &str, d: &str) -> Vec<String> {
    vec![
        format!("UPDATE users SET followers_count = followers_count {d} 1 WHERE id = {r}.following_id"),
        format!("UPDATE users SET following_count = following_count {d} 1 WHERE id = {r}.follower_id"),
    ]
}

/// `(table, columns whose update moves a counter, effects of a row)`.
type Counted = (&'static str, &'static str, fn(&str, &str) -> Vec<String>);

const COUNTED: [Counted; 3] = [
    ("statuses", "visibility, in_reply_to_id, reblog_of_id, quote_of_id, user_id", status_effects),
    ("favourites", "status_id", favourite_effects),
    ("follows", "follower_id, following_id", follow_effects),
];

/// The trigger statements, for this backend.
fn triggers(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    for (table, columns, effects) in COUNTED {
        let events: [(&str, String, Vec<String>); 3] = [
            ("insert", "INSERT".to_string(), effects("NEW", "+")),
            ("delete", "DELETE".to_string(), effects("OLD", "-")),
            ("update", format!("UPDATE OF {columns}"), [effects("OLD", "-"), effects("NEW", "+")].concat()),
        ];
        for (suffix, event, body) in events {
            let name = format!("{table}_counters_{suffix}");
            let body: String = body.iter().map(|s| format!("{s};\n")).collect();
            match backend {
                DbBackend::Postgres => {
                    out.push(format!(
                        "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}RETURN NULL;\nEND\n$$"
                    ));
                    out.push(format!(
                        "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
                    ));
                }
                _ => out.push(format!("CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN\n{body}END")),
            }
        }
    }
    out
}

fn drop_triggers(backend: DbBackend) -> Vec<String> {
    let mut out = Vec::new();
    for (table, _, _) in COUNTED {
        for suffix in ["insert", "delete", "update"] {
            let name = format!("{table}_counters_{suffix}");
            out.push(format!(
                "DROP TRIGGER IF EXISTS {name}{}",
                if backend == DbBackend::Postgres { format!(" ON {table}") } else { String::new() }
            ));
            if backend == DbBackend::Postgres {
                out.push(format!("DROP FUNCTION IF EXISTS {name}()"));
            }
        }
    }
    out
}

/// The backfill (the same recomputation as `counters repair`).
const BACKFILL: [&str; 2] = [
    "UPDATE statuses SET \
     replies_count = (SELECT COUNT(*) FROM statuses r WHERE r.in_reply_to_id = statuses.id AND r.visibility IN ('public', 'unlisted')), \
     reblogs_count = (SELECT COUNT(*) FROM statuses r WHERE r.reblog_of_id = statuses.id), \
     quotes_count = (SELECT COUNT(*) FROM statuses r WHERE r.quote_of_id = statuses.id AND r.visibility IN ('public', 'unlisted')), \
     favourites_count = (SELECT COUNT(*) FROM favourites f WHERE f.status_id = statuses.id)",
    "UPDATE users SET \
     statuses_count = (SELECT COUNT(*) FROM statuses s WHERE s.user_id = users.id AND s.reblog_of_id IS NULL AND s.visibility IN ('public', 'unlisted')), \
     followers_count = (SELECT COUNT(*) FROM follows f WHERE f.following_id = users.id), \
     following_count = (SELECT COUNT(*) FROM follows f WHERE f.follower_id = users.id), \
     last_status_at = (SELECT s.created_at FROM statuses s WHERE s.user_id = users.id ORDER BY s.id DESC LIMIT 1)",
];

fn counter<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [Statuses::RepliesCount, Statuses::ReblogsCount, Statuses::QuotesCount, Statuses::FavouritesCount]
        {
            manager.alter_table(Table::alter().table(Statuses::Table).add_column(counter(column)).to_owned()).await?;
        }
        for column in [Users::StatusesCount, Users::FollowersCount, Users::FollowingCount] {
            manager.alter_table(Table::alter().table(Users::Table).add_column(counter(column)).to_owned()).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::LastStatusAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in BACKFILL {
            db.execute_unprepared(statement).await?;
        }
        for statement in triggers(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in drop_triggers(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        for column in [Statuses::RepliesCount, Statuses::ReblogsCount, Statuses::QuotesCount, Statuses::FavouritesCount]
        {
            manager.alter_table(Table::alter().table(Statuses::Table).drop_column(column).to_owned()).await?;
        }
        for column in [Users::StatusesCount, Users::FollowersCount, Users::FollowingCount, Users::LastStatusAt] {
            manager.alter_table(Table::alter().table(Users::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
