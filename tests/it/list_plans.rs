//! The admin user list's statements keep good plans with bound parameters on both engines, over
//! a few thousand seeded users: on SQLite the page walks the id index (no temporary B-tree); on
//! PostgreSQL the generic plan (what a prepared statement gets after five executions) of the count
//! and of the page estimates the matches within a small factor of the real number, whatever the
//! state filters.
use ::seed;
use pleroma_gateway::domain::users::{UserSearch, UserState, SQLITE_LIST_INDEX};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::Value;

use crate::common::TestApp;

fn searches() -> Vec<UserSearch> {
    let with = |f: &dyn Fn(&mut UserSearch)| {
        let mut s = UserSearch::default();
        f(&mut s);
        s
    };
    let local_active = vec![UserState::Local, UserState::Active];
    vec![
        with(&|_| {}),
        with(&|s| s.states = local_active.clone()),
        with(&|s| {
            s.query = Some("al".into());
            s.states = local_active.clone();
        }),
        with(&|s| {
            s.query = Some("ali".into());
            s.states = local_active.clone();
        }),
        with(&|s| s.states = vec![UserState::External, UserState::Deactivated]),
        with(&|s| s.states = vec![UserState::IsAdmin]),
        with(&|s| s.actor_types = vec!["Person".into()]),
    ]
}

/// `(estimated, what the plan's scan of users is)` of the generic plan of `statement`.
async fn generic_estimate(db: &sea_orm::DatabaseConnection, statement: &Statement) -> (f64, Value) {
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan").await.unwrap();
    txn.execute_unprepared(&format!("PREPARE list_plan AS {}", statement.sql)).await.unwrap();
    // EXECUTE's arguments are literals (a utility statement takes no bound parameters).
    let args: Vec<String> = statement.values.clone().map(|v| v.0).unwrap_or_default().iter().map(literal).collect();
    let sql = if args.is_empty() {
        "EXPLAIN (FORMAT JSON) EXECUTE list_plan".to_string()
    } else {
        format!("EXPLAIN (FORMAT JSON) EXECUTE list_plan({})", args.join(", "))
    };
    let row = txn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
    let plan: Value = row.try_get::<serde_json::Value>("", "QUERY PLAN").unwrap();
    txn.execute_unprepared("DEALLOCATE list_plan").await.unwrap();
    txn.rollback().await.unwrap();
    // The node that reads `users` (under the aggregate or the limit).
    fn scan(node: &Value) -> Option<&Value> {
        if node["Relation Name"] == "users" || node["Node Type"].as_str().is_some_and(|t| t.starts_with("Bitmap Heap"))
        {
            return Some(node);
        }
        node["Plans"].as_array()?.iter().find_map(scan)
    }
    let root = &plan[0]["Plan"];
    let node = scan(root).unwrap_or(root).clone();
    (node["Plan Rows"].as_f64().unwrap_or(0.0), node)
}

/// A bound value as an SQL literal (the values of these statements: text, integers, flags).
fn literal(value: &sea_orm::Value) -> String {
    use sea_orm::Value as V;
    match value {
        V::String(Some(s)) => format!("'{}'", s.replace('\'', "''")),
        V::Bool(Some(b)) => b.to_string(),
        V::TinyInt(Some(n)) => n.to_string(),
        V::SmallInt(Some(n)) => n.to_string(),
        V::Int(Some(n)) => n.to_string(),
        V::BigInt(Some(n)) => n.to_string(),
        V::TinyUnsigned(Some(n)) => n.to_string(),
        V::SmallUnsigned(Some(n)) => n.to_string(),
        V::Unsigned(Some(n)) => n.to_string(),
        V::BigUnsigned(Some(n)) => n.to_string(),
        other => panic!("no literal for {other:?}"),
    }
}

#[tokio::test]
async fn list_statements_keep_good_plans_with_bound_parameters() {
    let app = TestApp::new().await;
    let options = seed::SeedOptions { users: 3_000, seed: 5, ..Default::default() };
    seed::seed_users(&app.state.db.write, &options, "x").await.unwrap();
    let db = &app.state.db.read;
    let backend = db.get_database_backend();
    db.execute_unprepared("ANALYZE").await.unwrap();
    for search in searches() {
        let matches = search.count(db).await.unwrap() as f64;
        let page = search.listed_page_statement(backend, 100, 50);
        let count = search.count_statement(backend);
        if backend == DbBackend::Sqlite {
            let explain = Statement::from_sql_and_values(
                backend,
                format!("EXPLAIN QUERY PLAN {}", page.sql),
                page.values.clone().map(|v| v.0).unwrap_or_default(),
            );
            let plan: Vec<String> = db
                .query_all_raw(explain)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String>("", "detail").unwrap())
                .collect();
            assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{search:?}: {plan:?}");
            assert!(plan.iter().any(|d| d.contains(SQLITE_LIST_INDEX)), "{search:?}: {plan:?}");
            continue;
        }
        // A search term stays a bound `LIKE $n`, whose generic estimate is PostgreSQL's default
        // selectivity; the flags are literals, estimated from the column statistics.
        if search.query.is_some() {
            continue;
        }
        for statement in [&count, &page] {
            let (estimated, node) = generic_estimate(db, statement).await;
            let (low, high) = (matches / 4.0, (matches * 4.0).max(20.0));
            assert!(
                (low..=high).contains(&estimated),
                "{search:?}: generic plan estimates {estimated} rows for {matches} matches: {node}\n{}",
                statement.sql
            );
        }
    }
}

/// A list reads its columns by position: every field of a listed page equals the same user's
/// full row, set or not, local and remote.
#[tokio::test]
async fn a_listed_page_reads_what_the_full_rows_hold() {
    use pleroma_gateway::domain::users::ListedUser;
    use sea_orm::Set;
    let app = TestApp::new().await;
    app.user_with("alice", |u| {
        u.name = Set(Some("Alice A.".into()));
        u.avatar = Set(Some("https://example.org/a.png".into()));
        u.registration_reason = Set(Some("hi".into()));
        u.is_admin = Set(true);
        u.is_confirmed = Set(false);
        u.is_suggested = Set(true);
        u.password_reset_pending = Set(true);
        u.actor_type = Set("Service".into());
    })
    .await;
    app.user_with("bob", |u| {
        u.is_moderator = Set(true);
        u.is_active = Set(false);
        u.is_approved = Set(false);
    })
    .await;
    app.remote_user("carol", "remote.example").await;
    let db = &app.state.db.read;
    let search = UserSearch::default();
    let full: Vec<ListedUser> = search.page(db, 0, 10).await.unwrap().iter().map(ListedUser::from).collect();
    let listed = search.listed_page(db, 0, 10).await.unwrap();
    assert_eq!(full.len(), 3);
    assert_eq!(listed, full);
}

/// The plan of `statement` on its engine, as lines: SQLite's `EXPLAIN QUERY PLAN` details; on
/// PostgreSQL the nodes of `EXPLAIN (FORMAT JSON)` as `Node Type on relation`, planned with
/// sequential scans and sorts priced out (`enable_seqscan`, `enable_sort` off), so a `Seq
/// Scan` or a `Sort` left in the plan is one no index can avoid, whatever the table's size.
async fn plan_of(db: &sea_orm::DatabaseConnection, statement: &Statement) -> Vec<String> {
    let values = statement.values.clone().map(|v| v.0).unwrap_or_default();
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let explain = Statement::from_sql_and_values(
                DbBackend::Sqlite,
                format!("EXPLAIN QUERY PLAN {}", statement.sql),
                values,
            );
            db.query_all_raw(explain)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String>("", "detail").unwrap())
                .collect()
        }
        backend => {
            let txn = db.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_sort = off").await.unwrap();
            let explain =
                Statement::from_sql_and_values(backend, format!("EXPLAIN (FORMAT JSON) {}", statement.sql), values);
            let row = txn.query_one_raw(explain).await.unwrap().unwrap();
            let plan: Value = row.try_get::<serde_json::Value>("", "QUERY PLAN").unwrap();
            txn.rollback().await.unwrap();
            fn walk(node: &Value, out: &mut Vec<String>) {
                out.push(format!(
                    "{} on {} ({})",
                    node["Node Type"].as_str().unwrap_or(""),
                    node["Relation Name"].as_str().unwrap_or("-"),
                    node["Index Name"].as_str().unwrap_or("-")
                ));
                for child in node["Plans"].as_array().into_iter().flatten() {
                    walk(child, out);
                }
            }
            let mut out = Vec::new();
            walk(&plan[0]["Plan"], &mut out);
            out
        }
    }
}

/// What a plan line says about `table`: read whole (no index), or sorted for the page.
fn full_scan(line: &str, tables: &[&str]) -> bool {
    tables.iter().any(|t| {
        // SQLite: `SCAN statuses` (a `USING … INDEX` scan walks an index in order);
        // PostgreSQL: `Seq Scan on statuses`.
        line == format!("SCAN {t}") || line.starts_with(&format!("Seq Scan on {t} "))
    })
}

fn sorts(line: &str) -> bool {
    (line.contains("TEMP B-TREE FOR") && line.contains("ORDER BY"))
        || line.starts_with("Sort on")
        || line.starts_with("Incremental Sort")
}

/// `statuses::prefetch`'s statements, known by a column each names, and what they read.
const PREFETCH: &[(&str, &str)] = &[("page_mentions", "the statuses with their marks"), ("page_tags", "the people")];

/// A plan line that reads a table whole, whatever its alias: SQLite's `SCAN s` (not the bound
/// ids' `json_each` nor a subquery's rows), PostgreSQL's `Seq Scan`.
fn scans_a_table(line: &str) -> bool {
    (line.starts_with("SCAN ") && !line.contains("VIRTUAL TABLE") && !line.contains("(subquery"))
        || line.starts_with("Seq Scan on ")
}

/// Issue 26: the statement that reads each content list's page keeps an index plan on both
/// engines: it reads no list table whole and sorts nothing for the page (statuses by the
/// primary key or `(user_id, id)`, reports by `(state, id)` or the primary key, the moderation
/// log and chats by their own keys). Counts are not pages (an exact total reads the matches);
/// grouped reports walk their kept groups (`report_groups`) by its `(latest report, status)` index.
#[tokio::test]
async fn every_content_lists_page_statement_walks_an_index() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let options = seed::SeedOptions { users: 300, seed: 9, ..Default::default() };
    seed::seed_users(&app.state.db.write, &options, "x").await.unwrap();
    let content = seed::ContentOptions {
        statuses: 3_000,
        reports: 200,
        seed: 9,
        instance_url: app.state.settings().instance_url.clone(),
    };
    seed::seed_content(&app.state.db.write, &content).await.unwrap();
    let db = &app.state.db.read;
    db.execute_unprepared("ANALYZE").await.unwrap();
    let one = |sql: &'static str| async move {
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap().unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    };
    let (nickname, id) = (
        one("SELECT nickname FROM users WHERE local = TRUE ORDER BY statuses_count DESC, id LIMIT 1").await,
        one("SELECT id FROM users WHERE local = TRUE ORDER BY statuses_count DESC, id LIMIT 1").await,
    );
    let host =
        one("SELECT domain FROM users WHERE domain <> '' GROUP BY domain ORDER BY COUNT(*) DESC, domain LIMIT 1").await;
    let alice = app.user("plans_alice").await;
    let token = app.token(&alice, "read write").await;
    let lists: Vec<(&str, String, &str, &[&str])> = vec![
        (
            "admin statuses",
            "/api/v1/pleroma/admin/statuses?page_size=50&godmode=true".into(),
            "statuses",
            &["statuses"],
        ),
        ("admin statuses, public", "/api/v1/pleroma/admin/statuses?page_size=50".into(), "statuses", &["statuses"]),
        (
            "admin statuses, local",
            "/api/v1/pleroma/admin/statuses?page_size=50&local_only=true".into(),
            "statuses",
            &["statuses"],
        ),
        (
            "user statuses",
            format!("/api/v1/pleroma/admin/users/{nickname}/statuses?page_size=50&godmode=true"),
            "statuses",
            &["statuses"],
        ),
        (
            "instance statuses",
            format!("/api/v1/pleroma/admin/instances/{host}/statuses?page_size=50"),
            "statuses",
            &["statuses"],
        ),
        ("account statuses", format!("/api/v1/accounts/{id}/statuses?limit=40"), "statuses", &["statuses"]),
        ("reports", "/api/v1/pleroma/admin/reports?page_size=50".into(), "reports", &["reports"]),
        ("reports, open", "/api/v1/pleroma/admin/reports?page_size=50&state=open".into(), "reports", &["reports"]),
        (
            "moderation log",
            "/api/v1/pleroma/admin/moderation_log?page_size=50".into(),
            "moderation_log",
            &["moderation_log"],
        ),
        ("chats", "/api/v1/pleroma/chats".into(), "chats", &["chats"]),
        ("chats, paged", "/api/v2/pleroma/chats".into(), "chats", &["chats"]),
        ("admin chats", format!("/api/v1/pleroma/admin/users/{nickname}/chats"), "chats", &["chats"]),
    ];
    let mut failures = Vec::new();
    let mut prefetched = std::collections::HashSet::new();
    for (name, path, table, whole) in lists {
        let caller = if path.starts_with("/api/v1/pleroma/admin") { &admin } else { &token };
        app.state.db.record();
        let reply = app.get(&path, Some(caller)).await;
        let sent = app.state.db.recorded();
        assert_eq!(reply.status, 200, "{name}: {}", reply.text);
        // The page: the statement reading the list's table in order or with a LIMIT (a count has neither).
        let from = [format!("FROM \"{table}\""), format!("FROM {table} ")];
        let pages: Vec<&Statement> = sent
            .iter()
            .filter(|s| {
                from.iter().any(|f| s.sql.contains(f.as_str()))
                    && (s.sql.contains("LIMIT") || s.sql.contains("ORDER BY"))
            })
            .filter(|s| !s.sql.contains("COUNT("))
            .collect();
        assert!(
            !pages.is_empty(),
            "{name}: no page statement in {:#?}",
            sent.iter().map(|s| &s.sql).collect::<Vec<_>>()
        );
        for page in pages {
            let plan = plan_of(db, page).await;
            if plan.iter().any(|l| full_scan(l, whole) || sorts(l)) {
                failures.push(format!("{name}:\n  {}\n  {plan:?}", page.sql));
            }
        }
        // `statuses::prefetch`'s two statements (the statuses with their marks, the people with
        // their tags): by id through the keys, each correlated read through an index.
        for prefetch in sent.iter().filter(|s| PREFETCH.iter().any(|(marker, _)| s.sql.contains(marker))) {
            prefetched.extend(PREFETCH.iter().filter(|(marker, _)| prefetch.sql.contains(marker)).map(|(m, _)| *m));
            let plan = plan_of(db, prefetch).await;
            if plan.iter().any(|l| scans_a_table(l) || sorts(l)) {
                failures.push(format!("{name}, prefetch:\n  {}\n  {plan:?}", prefetch.sql));
            }
        }
    }
    for (marker, what) in PREFETCH {
        assert!(prefetched.contains(marker), "no list sent the prefetch of {what}");
    }
    // Grouped reports: a page of groups walks the kept `report_groups` index from the cursor on
    // (the first page and one after a cursor), never the table whole, sorting nothing.
    let reply = app.get("/api/v1/pleroma/admin/grouped_reports", Some(&admin)).await;
    assert_eq!(reply.status, 200);
    let page = "query($after: String) { groupedReports(first: 20, after: $after) { nodes { date } \
                pageInfo { endCursor } } }";
    let first = app.graphql(Some(&admin), page, serde_json::json!({})).await;
    let cursor = first["data"]["groupedReports"]["pageInfo"]["endCursor"].clone();
    assert!(cursor.is_string(), "{first}");
    for variables in [serde_json::json!({}), serde_json::json!({ "after": cursor })] {
        app.state.db.record();
        let _ = app.graphql(Some(&admin), page, variables.clone()).await;
        let sent = app.state.db.recorded();
        let grouped = sent.iter().find(|s| s.sql.contains("report_groups")).expect("groups");
        let plan = plan_of(db, grouped).await;
        if plan.iter().any(|l| full_scan(l, &["report_groups"]) || sorts(l)) {
            failures.push(format!("grouped reports {variables}:\n  {}\n  {plan:?}", grouped.sql));
        }
        let links = sent.iter().find(|s| s.sql.contains("FROM \"report_statuses\"")).expect("links");
        let plan = plan_of(db, links).await;
        if plan.iter().any(|l| full_scan(l, &["report_statuses"])) {
            failures.push(format!("grouped reports' links {variables}:\n  {}\n  {plan:?}", links.sql));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
