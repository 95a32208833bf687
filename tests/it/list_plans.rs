//! The admin user list's statements keep good plans with bound parameters on both engines, over
//! a few thousand seeded users: on SQLite the page walks the id index (no temporary B-tree); on
//! PostgreSQL the generic plan (what a prepared statement gets after five executions) of the count
//! and of the page estimates the matches within a small factor of the real number, whatever the
//! state filters.
use pleroma_gateway::{
    domain::users::{UserSearch, UserState, SQLITE_LIST_INDEX},
    seed,
};
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
