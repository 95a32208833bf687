//! Status counts kept per instance and visibility (and indexes that give three lists their order), as Pleroma's `counter_cache` table (migration
//! `20200508092434_update_counter_cache_table`: a row per instance with its `public`,
//! `unlisted`, `private` and `direct` counts, moved by a trigger on every write of a post) for
//! `GET /api/v1/pleroma/admin/stats` (`Stats.get_status_visibility_count`), which otherwise
//! counts every status on each call.
//!
//! A row's instance is its author's `users.domain` (`''` for local accounts), the host the
//! admin statuses list filters on; reblogs are not counted (the served figures left them out).
//! While the author's row is being deleted (a cascade) the statuses' own triggers find no
//! author and leave the counts alone: a `BEFORE DELETE` trigger on `users` has taken the
//! author's statuses off already. `pleroma-gateway counters repair` recomputes the table.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// Add `d` (`+1` or `-1`) for the status row `r` to its instance's counts.
fn status_effect(r: &str, d: &str) -> String {
    let columns: Vec<String> =
        VISIBILITIES.iter().map(|v| format!("CASE WHEN {r}.visibility = '{v}' THEN {d} ELSE 0 END")).collect();
    format!(
        "INSERT INTO status_visibility_counts (instance, public, unlisted, private, direct) \
         SELECT COALESCE(u.domain, ''), {} FROM users u WHERE u.id = {r}.user_id AND {r}.reblog_of_id IS NULL \
         ON CONFLICT (instance) DO UPDATE SET {}",
        columns.join(", "),
        VISIBILITIES.map(|v| format!("{v} = status_visibility_counts.{v} + excluded.{v}")).join(", ")
    )
}

/// Take the statuses of the user row `r` (being deleted) off its instance's counts.
fn user_effect(r: &str) -> String {
    let sets: Vec<String> = VISIBILITIES
        .iter()
        .map(|v| {
            format!(
                "{v} = {v} - (SELECT COUNT(*) FROM statuses s WHERE s.user_id = {r}.id \
                 AND s.reblog_of_id IS NULL AND s.visibility = '{v}')"
            )
        })
        .collect();
    format!("UPDATE status_visibility_counts SET {} WHERE instance = COALESCE({r}.domain, '')", sets.join(", "))
}

/// `(name, table, timing and event, body)` of each trigger.
fn triggers() -> Vec<(&'static str, &'static str, &'static str, Vec<String>)> {
    vec![
        ("statuses_visibility_insert", "statuses", "AFTER INSERT", vec![status_effect("NEW", "1")]),
        ("statuses_visibility_delete", "statuses", "AFTER DELETE", vec![status_effect("OLD", "-1")]),
        (
            "statuses_visibility_update",
            "statuses",
            "AFTER UPDATE OF visibility, reblog_of_id, user_id",
            vec![status_effect("OLD", "-1"), status_effect("NEW", "1")],
        ),
        ("users_visibility_delete", "users", "BEFORE DELETE", vec![user_effect("OLD")]),
    ]
}

/// The recount, as rows `(instance, public, unlisted, private, direct)`: the backfill and
/// `counters repair`.
const RECOUNT: &str = "SELECT COALESCE(u.domain, '') AS instance, \
     CAST(SUM(CASE WHEN s.visibility = 'public' THEN 1 ELSE 0 END) AS BIGINT) AS public, \
     CAST(SUM(CASE WHEN s.visibility = 'unlisted' THEN 1 ELSE 0 END) AS BIGINT) AS unlisted, \
     CAST(SUM(CASE WHEN s.visibility = 'private' THEN 1 ELSE 0 END) AS BIGINT) AS private, \
     CAST(SUM(CASE WHEN s.visibility = 'direct' THEN 1 ELSE 0 END) AS BIGINT) AS direct \
     FROM statuses s JOIN users u ON u.id = s.user_id WHERE s.reblog_of_id IS NULL \
     GROUP BY COALESCE(u.domain, '')";

/// Indexes replaced so a list's page is read in the index's order, its tie-breaker included
/// (no sort for the page): `(old, new, table, new columns, old columns)`. Grouped reports read
/// a status's latest report from the index alone (the table's rows carry each status's
/// snapshot).
const REINDEXED: [(&str, &str, &str, &str, &str); 3] = [
    (
        "idx_report_statuses_status",
        "idx_report_statuses_status_report",
        "report_statuses",
        "status_id, report_id",
        "status_id",
    ),
    (
        "idx_moderation_log_inserted_at",
        "idx_moderation_log_inserted_id",
        "moderation_log",
        "inserted_at, id",
        "inserted_at",
    ),
    ("idx_chats_user_updated", "idx_chats_user_updated_id", "chats", "user_id, updated_at, id", "user_id, updated_at"),
];

#[derive(DeriveIden)]
enum StatusVisibilityCounts {
    Table,
    Instance,
    Public,
    Unlisted,
    Private,
    Direct,
}

fn counter<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().default(0).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StatusVisibilityCounts as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(ColumnDef::new(T::Instance).string().not_null().primary_key())
                    .col(counter(T::Public))
                    .col(counter(T::Unlisted))
                    .col(counter(T::Private))
                    .col(counter(T::Direct))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (old, new, table, columns, _) in REINDEXED {
            db.execute_unprepared(&format!("CREATE INDEX {new} ON {table} ({columns})")).await?;
            db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
        }
        db.execute_unprepared(&format!(
            "INSERT INTO status_visibility_counts (instance, public, unlisted, private, direct) {RECOUNT}"
        ))
        .await?;
        for (name, table, event, body) in triggers() {
            let body: String = body.iter().map(|s| format!("{s};\n")).collect();
            if manager.get_database_backend() == DbBackend::Postgres {
                let returned = if event.starts_with("BEFORE") { "OLD" } else { "NULL" };
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}RETURN {returned};\nEND\n$$"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()"
                ))
                .await?;
            } else {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} {event} ON {table} FOR EACH ROW BEGIN\n{body}END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (name, table, _, _) in triggers() {
            if postgres {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON {table}")).await?;
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {name}()")).await?;
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
            }
        }
        for (old, new, table, _, columns) in REINDEXED {
            db.execute_unprepared(&format!("CREATE INDEX {old} ON {table} ({columns})")).await?;
            db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
        }
        manager.drop_table(Table::drop().table(StatusVisibilityCounts::Table).to_owned()).await
    }
}
