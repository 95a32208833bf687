//! "Pleroma's shape": the statements Pleroma runs for the same page, written out against our
//! tables and run one after another as the raw replay runs (each later statement built from the
//! rows of the earlier ones, as Pleroma builds them).
//!
//! Read from Pleroma (`kphrx/pleroma`): `AdminAPI.StatusController.index` and
//! `ActivityPub.fetch_statuses` / `fetch_user_activities` / `fetch_activities_query` (one
//! statement: activities joined with their objects, `with_preloaded_bookmark`, `restrict_*`;
//! a second for the total where the list shows one), `AdminAPI.StatusView` (each status's actor
//! through `User.get_cached_by_ap_id`: written here as one batched read of the page's users),
//! `MastodonAPI.StatusView.render("index.json")` (the replied-to, quoted and reblogged
//! activities, three statements, and the viewer's `UserRelationship`s, one), and
//! `AdminAPI.Report.extract_report_info` (per report, one statement per cited status, then the
//! status view's three lookups: Pleroma's reports page is N+1).
//!
//! What Pleroma keeps inside an object's JSON (attachments, mentions, tags, emoji, likes,
//! reactions) our tables keep apart: the page's media are one more statement here, the
//! mentioned accounts are read with the authors.
use pleroma_gateway::domain::statuses::Binds;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Which list, and its page.
pub enum Shape {
    /// Admin statuses: godmode, reblogs left out, `page_size`.
    Statuses,
    /// Admin user statuses (with the total).
    UserStatuses { nickname: String },
    /// Admin instance statuses (with the total).
    InstanceStatuses { host: String },
    /// An account's timeline read by the viewer (40).
    AccountTimeline { account_id: String },
    /// Admin reports (with the total).
    Reports,
}

/// Run the shape once; the statements it ran.
pub async fn run(db: &DatabaseConnection, shape: &Shape, viewer: &str, page_size: u64) -> usize {
    let backend = db.get_database_backend();
    let sent = std::cell::Cell::new(0usize);
    let exec = |statement: Statement| {
        sent.set(sent.get() + 1);
        let db = db.clone();
        async move { db.query_all_raw(statement).await.expect("Pleroma-shape statement") }
    };
    let col = |row: &sea_orm::QueryResult, name: &str| row.try_get::<Option<String>>("", name).unwrap();
    let ids_of = |rows: &[sea_orm::QueryResult], name: &str| -> Vec<String> {
        let mut ids: Vec<String> = rows.iter().filter_map(|r| col(r, name)).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    match shape {
        Shape::Reports => {
            // `Utils.get_reports`: the page with its notes preloaded, and the total.
            let mut q = Binds::new(backend);
            let limit = q.bind(page_size as i64);
            let page = exec(q.statement(format!(
                "SELECT r.*, n.id AS note_id, n.user_id AS note_user_id, n.content AS note_content \
                 FROM (SELECT * FROM reports ORDER BY id DESC LIMIT {limit}) r \
                 LEFT JOIN report_notes n ON n.report_id = r.id ORDER BY r.id DESC"
            )))
            .await;
            exec(Statement::from_string(backend, "SELECT COUNT(*) FROM reports")).await;
            let reports = ids_of(&page, "id");
            let mut people = ids_of(&page, "actor_id");
            people.extend(ids_of(&page, "account_id"));
            people.extend(ids_of(&page, "note_user_id"));
            // Per report: each cited status (`get_create_by_object_ap_id_with_object`), then the
            // status view's replied-to, quoted and reblogged lookups.
            for report in &reports {
                let mut q = Binds::new(backend);
                let r = q.bind(report.clone());
                let cited = exec(q.statement(format!(
                    "SELECT status_id FROM report_statuses WHERE report_id = {r} ORDER BY position"
                )))
                .await;
                let mut statuses = Vec::new();
                for status in ids_of(&cited, "status_id") {
                    let mut q = Binds::new(backend);
                    let s = q.bind(status);
                    statuses.extend(exec(q.statement(format!("SELECT * FROM statuses WHERE id = {s}"))).await);
                }
                people.extend(ids_of(&statuses, "user_id"));
                sent.set(sent.get() + linked(db, backend, &statuses).await);
            }
            people.sort();
            people.dedup();
            let mut q = Binds::new(backend);
            let among = q.ids(&people);
            exec(q.statement(format!("SELECT * FROM users WHERE id IN {among}"))).await;
        }
        _ => {
            let mut q = Binds::new(backend);
            let v = q.bind(viewer.to_string());
            let (filter, total) = match shape {
                Shape::Statuses => ("s.reblog_of_id IS NULL".to_string(), false),
                Shape::UserStatuses { nickname } => {
                    let mut u = Binds::new(backend);
                    let n = u.bind(nickname.clone());
                    let user = exec(u.statement(format!("SELECT * FROM users WHERE nickname = {n}"))).await;
                    let id = col(&user[0], "id").unwrap();
                    (format!("s.user_id = {} AND s.reblog_of_id IS NULL", q.bind(id)), true)
                }
                Shape::InstanceStatuses { host } => {
                    // `restrict_instance`: the actor's host.
                    let h = q.bind(host.clone());
                    (format!("s.user_id IN (SELECT id FROM users WHERE domain = {h}) AND s.reblog_of_id IS NULL"), true)
                }
                Shape::AccountTimeline { account_id } => {
                    let mut u = Binds::new(backend);
                    let a = u.bind(account_id.clone());
                    exec(u.statement(format!("SELECT * FROM users WHERE id = {a}"))).await;
                    (
                        format!(
                            "s.user_id = {} AND s.visibility IN ('public', 'unlisted')",
                            q.bind(account_id.clone())
                        ),
                        false,
                    )
                }
                Shape::Reports => unreachable!(),
            };
            let limit = q.bind(page_size as i64);
            // The page, with the viewer's bookmark joined (`with_preloaded_bookmark`).
            let page = exec(q.statement(format!(
                "SELECT s.*, b.id AS bookmark_id FROM statuses s \
                 LEFT JOIN bookmarks b ON b.status_id = s.id AND b.user_id = {v} \
                 WHERE {filter} ORDER BY s.id DESC LIMIT {limit}"
            )))
            .await;
            if total {
                let mut q = Binds::new(backend);
                let filter = match shape {
                    Shape::UserStatuses { .. } => {
                        let id = col(&page[0], "user_id").unwrap();
                        format!("user_id = {} AND reblog_of_id IS NULL", q.bind(id))
                    }
                    Shape::InstanceStatuses { host } => format!(
                        "user_id IN (SELECT id FROM users WHERE domain = {}) AND reblog_of_id IS NULL",
                        q.bind(host.clone())
                    ),
                    _ => unreachable!(),
                };
                exec(q.statement(format!("SELECT COUNT(*) FROM statuses WHERE {filter}"))).await;
            }
            let ids = ids_of(&page, "id");
            let mut people = ids_of(&page, "user_id");
            if let Shape::AccountTimeline { .. } = shape {
                // `StatusView.render("index.json")` for a reader: replied-to, quoted and
                // reblogged activities, and the reader's relationships with the actors.
                sent.set(sent.get() + linked(db, backend, &page).await);
                let mut q = Binds::new(backend);
                let (v1, a1, v2, a2) =
                    (q.bind(viewer.to_string()), q.ids(&people), q.bind(viewer.to_string()), q.ids(&people));
                exec(q.statement(format!(
                    "SELECT 'mute' AS kind, muted_id AS target FROM mutes WHERE muter_id = {v1} AND muted_id IN {a1} \
                     UNION ALL SELECT 'block', blocked_id FROM blocks WHERE blocker_id = {v2} AND blocked_id IN {a2}"
                )))
                .await;
            }
            // The page's users (actors and mentioned), batched; the page's media.
            people.sort();
            let mut q = Binds::new(backend);
            let (authors, page_ids) = (q.ids(&people), q.ids(&ids));
            exec(q.statement(format!(
                "SELECT * FROM users WHERE id IN {authors} \
                 OR id IN (SELECT user_id FROM mentions WHERE status_id IN {page_ids})"
            )))
            .await;
            let mut q = Binds::new(backend);
            let page_ids = q.ids(&ids);
            exec(q.statement(format!("SELECT * FROM media_attachments WHERE status_id IN {page_ids}"))).await;
        }
    }
    sent.get()
}

/// `get_replied_to_activities`, `get_quoted_activities` and the reblogged (parent) activities
/// of these statuses: three statements, run even when a list is empty (as `Repo.all` runs them).
async fn linked(db: &DatabaseConnection, backend: DbBackend, statuses: &[sea_orm::QueryResult]) -> usize {
    for column in ["in_reply_to_id", "quote_of_id", "reblog_of_id"] {
        let mut ids: Vec<String> =
            statuses.iter().filter_map(|r| r.try_get::<Option<String>>("", column).unwrap()).collect();
        ids.sort();
        ids.dedup();
        let mut q = Binds::new(backend);
        let among = q.ids(&ids);
        db.query_all_raw(q.statement(format!("SELECT * FROM statuses WHERE id IN {among}"))).await.unwrap();
    }
    3
}
