//! A row per reported status (`report_groups`: the status, its latest report and how many
//! reports cite it), kept by triggers on `report_statuses`, so the legacy
//! `GET /admin/grouped_reports` walks its groups by a keyset over an index instead of
//! aggregating every report link on each page (issue 26: 554 s for 12,628 groups with `OFFSET`).
//!
//! Pleroma computed the groups on each call (`Utils.get_reported_activities`: a `DISTINCT` over
//! every Flag's objects). A group's order is its latest report, newest first, then its status
//! id: the index `(latest_report_id DESC, status_id)` gives it without a sort on both engines.
//! `pleroma-gateway counters repair` recomputes the table.
use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The recount, as rows `(status_id, latest_report_id, reports_count)`: the backfill and
/// `counters repair` (a copy lives in `domain::counters`).
const RECOUNT: &str = "SELECT status_id, MAX(report_id), COUNT(*) FROM report_statuses GROUP BY status_id";

/// `(name, event, body)` of each trigger on `report_statuses`.
fn triggers() -> [(&'static str, &'static str, Vec<&'static str>); 2] {
    [
        (
            "report_statuses_group_insert",
            "AFTER INSERT",
            vec![
                "INSERT INTO report_groups (status_id, latest_report_id, reports_count) \
                 VALUES (NEW.status_id, NEW.report_id, 1) \
                 ON CONFLICT (status_id) DO UPDATE SET \
                 latest_report_id = CASE WHEN excluded.latest_report_id > report_groups.latest_report_id \
                 THEN excluded.latest_report_id ELSE report_groups.latest_report_id END, \
                 reports_count = report_groups.reports_count + 1",
            ],
        ),
        (
            // After the row is gone: the latest of the reports left (statement-level effects
            // are visible to an AFTER row trigger on both engines).
            "report_statuses_group_delete",
            "AFTER DELETE",
            vec![
                "UPDATE report_groups SET reports_count = reports_count - 1, latest_report_id = \
                 COALESCE((SELECT MAX(report_id) FROM report_statuses WHERE status_id = OLD.status_id), \
                 latest_report_id) WHERE status_id = OLD.status_id",
                "DELETE FROM report_groups WHERE status_id = OLD.status_id AND reports_count <= 0",
            ],
        ),
    ]
}

#[derive(DeriveIden)]
enum ReportGroups {
    Table,
    StatusId,
    LatestReportId,
    ReportsCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ReportGroups as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(ColumnDef::new(T::StatusId).string().not_null().primary_key())
                    .col(ColumnDef::new(T::LatestReportId).string().not_null())
                    .col(ColumnDef::new(T::ReportsCount).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_report_groups_latest_status")
                    .table(T::Table)
                    .col((T::LatestReportId, IndexOrder::Desc))
                    .col(T::StatusId)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO report_groups (status_id, latest_report_id, reports_count) {RECOUNT}"
        ))
        .await?;
        for (name, event, body) in triggers() {
            let body: String = body.iter().map(|s| format!("{s};\n")).collect();
            if manager.get_database_backend() == DbBackend::Postgres {
                db.execute_unprepared(&format!(
                    "CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n{body}RETURN NULL;\nEND\n$$"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} {event} ON report_statuses FOR EACH ROW EXECUTE FUNCTION {name}()"
                ))
                .await?;
            } else {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {name} {event} ON report_statuses FOR EACH ROW BEGIN\n{body}END"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (name, _, _) in triggers() {
            if postgres {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON report_statuses")).await?;
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {name}()")).await?;
            } else {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}")).await?;
            }
        }
        manager.drop_table(Table::drop().table(ReportGroups::Table).to_owned()).await
    }
}
