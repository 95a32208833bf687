//! `GET /admin/grouped_reports` over many reports: the whole list in the legacy shape, streamed a
//! page of groups at a time, and `groupedReports` pages costing a fixed number of statements.
use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, Utc};
use entity::{report, report_status, status, user};
use sea_orm::{EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp};

/// Statements of A `groupedReports` page (with totalCount), any length (issue 26: exact on both engines).
const GROUPS_PAGE: u64 = 10; // statuses::prefetch: the statuses with their marks, the people (issue 26)

/// Statements of GET grouped_reports: three pages of 50 (issue 26: exact on both engines).
const GROUPED_REST: u64 = 25; // the same, over 3 pages

const GROUPED: &str = "/api/v1/pleroma/admin/grouped_reports";
const ALL: &str = "read write follow push admin";

/// `statuses` statuses by `targets`, and `reports` reports each citing one or two of them,
/// inserted in bulk; returns the expected groups: (status id, report ids newest first, reporter
/// ids), in the list's order (latest report first, then status id).
async fn seed(app: &TestApp, statuses: usize, reports: usize) -> Vec<(String, Vec<String>, Vec<String>)> {
    let db = &app.state.db.write;
    let url = app.state.settings().instance_url.clone();
    let mut targets: Vec<user::Model> = Vec::new();
    let mut reporters: Vec<user::Model> = Vec::new();
    for i in 0..5 {
        targets.push(app.user(&format!("target{i}")).await);
        reporters.push(app.user(&format!("reporter{i}")).await);
    }
    let rows: Vec<status::Model> = (0..statuses)
        .map(|i| {
            let id = pleroma_gateway::ids::flake_id();
            status::Model {
                id: id.clone(),
                ap_id: format!("{url}/objects/{id}"),
                user_id: targets[i % targets.len()].id.clone(),
                content: format!("<p>s{i}</p>"),
                source: Some(format!("s{i}")),
                content_type: "text/plain".into(),
                visibility: "public".into(),
                sensitive: false,
                spoiler_text: String::new(),
                in_reply_to_id: None,
                in_reply_to_user_id: None,
                reblog_of_id: None,
                quote_of_id: None,
                context: format!("{url}/contexts/{id}"),
                language: None,
                local: true,
                idempotency_key: None,
                created_at: Utc::now() - Duration::minutes(i as i64),
                edited_at: None,
                replies_count: 0,
                reblogs_count: 0,
                quotes_count: 0,
                favourites_count: 0,
            }
        })
        .collect();
    for chunk in rows.chunks(200) {
        let models: Vec<status::ActiveModel> = chunk.iter().cloned().map(Into::into).collect();
        status::Entity::insert_many(models).exec(db).await.expect("statuses");
    }
    // Status id → (report id, reporter id) of the reports citing it.
    let mut cited: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut new_reports = Vec::new();
    let mut links = Vec::new();
    for i in 0..reports {
        let id = pleroma_gateway::ids::flake_id();
        let first = &rows[(i * 7) % statuses];
        let reporter = &reporters[i % reporters.len()];
        let mut statuses_cited = vec![first];
        let second = &rows[(i * 7 + 5) % statuses];
        if i % 3 == 0 {
            assert_eq!(second.user_id, first.user_id, "a report cites statuses of one account");
            statuses_cited.push(second);
        }
        for (position, s) in statuses_cited.iter().enumerate() {
            cited.entry(s.id.clone()).or_default().push((id.clone(), reporter.id.clone()));
            links.push(report_status::ActiveModel {
                report_id: Set(id.clone()),
                status_id: Set(s.id.clone()),
                position: Set(position as i32),
                snapshot: Set(pleroma_gateway::domain::reports::snapshot(s)),
            });
        }
        new_reports.push(report::ActiveModel {
            id: Set(id.clone()),
            ap_id: Set(format!("{url}/activities/{id}")),
            actor_id: Set(reporter.id.clone()),
            account_id: Set(first.user_id.clone()),
            content: Set(Some(format!("report {i}"))),
            state: Set("open".into()),
            forwarded: Set(false),
            rule_ids: Set(json!([])),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        });
    }
    for chunk in new_reports.chunks(200) {
        report::Entity::insert_many(chunk.to_vec()).exec(db).await.expect("reports");
    }
    for chunk in links.chunks(200) {
        report_status::Entity::insert_many(chunk.to_vec()).exec(db).await.expect("links");
    }
    let mut groups: Vec<(String, Vec<String>, Vec<String>)> = cited
        .into_iter()
        .map(|(status, mut reports)| {
            reports.sort_by(|a, b| b.0.cmp(&a.0));
            let mut seen = HashSet::new();
            let actors = reports.iter().filter(|r| seen.insert(r.1.clone())).map(|r| r.1.clone()).collect();
            (status, reports.into_iter().map(|r| r.0).collect(), actors)
        })
        .collect();
    groups.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
    groups
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_string()).collect()
}

/// 1,500 reports citing 400 statuses: every group, in order, in Pleroma's shape, over eight
/// pages of the operation.
#[tokio::test]
async fn every_group_comes_out_in_the_legacy_shape() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    let empty = app.get(GROUPED, Some(&token)).await;
    assert_eq!(empty.body, json!({"reports": []}), "{}", empty.text);

    let expected = seed(&app, 400, 1500).await;
    assert_eq!(expected.len(), 400);
    for path in both_prefixes(GROUPED) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.headers["content-type"], "application/json; charset=utf-8");
        assert_eq!(keys(&reply.body), ["reports"]);
        let groups = reply.body["reports"].as_array().unwrap();
        assert_eq!(groups.len(), expected.len());
        for (group, (status, reports, actors)) in groups.iter().zip(&expected) {
            assert_eq!(keys(group), ["account", "actors", "date", "reports", "status"]);
            assert_eq!(group["status"]["id"], status.as_str());
            assert_eq!(group["status"]["deleted"], false);
            assert_eq!(group["account"]["id"], group["status"]["account"]["id"]);
            assert_eq!(&ids(&group["reports"]), reports);
            assert_eq!(&ids(&group["actors"]), actors);
            assert_eq!(group["date"], group["reports"][0]["created_at"]);
            assert!(group["reports"][0]["statuses"].is_array() && group["reports"][0]["notes"].is_array());
        }
    }
}

/// A page of groups costs the same statements whatever its size, and the REST list costs that
/// many per page.
#[tokio::test]
async fn a_page_of_groups_costs_a_fixed_number_of_statements() {
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    seed(&app, 120, 300).await;
    let query = "query($n: Int) { groupedReports(first: $n) { totalCount nodes { date deleted \
                 account { id username } status { id content account { id } } actors { id } \
                 reports { id account { id } actor { id } statuses { id account { id } } notes { id } } } \
                 pageInfo { hasNextPage endCursor } } }";
    // Warm the token cache so every request pays the same for authentication.
    app.graphql(Some(&token), query, json!({"n": 1})).await;
    let count = |n: u32| {
        let (app, token) = (&app, &token);
        async move {
            let before = app.statements();
            let body = app.graphql(Some(token), query, json!({"n": n})).await;
            let page = &body["data"]["groupedReports"];
            assert_eq!(page["totalCount"], 120, "{body}");
            assert_eq!(page["nodes"].as_array().unwrap().len(), n as usize);
            app.statements() - before
        }
    };
    let one = count(1).await;
    for n in [50, 100, 1] {
        assert_eq!(count(n).await, one, "a page of {n} groups");
    }
    // A page is capped at 100 groups.
    let body = app.graphql(Some(&token), query, json!({"n": 500})).await;
    assert_eq!(body["data"]["groupedReports"]["nodes"].as_array().unwrap().len(), 100, "{body}");

    // REST: 120 groups are three pages of 50; each page costs the same.
    app.get(GROUPED, Some(&token)).await;
    app.state.db.record();
    let reply = app.get(GROUPED, Some(&token)).await;
    assert_eq!(reply.body["reports"].as_array().unwrap().len(), 120);
    // The token read is left out: the token cache keeps an entry 10 s, which a loaded machine
    // can spend between the warm-up and this request.
    let sent: Vec<String> = app.state.db.recorded().into_iter().map(|s| s.sql).collect();
    let three = sent.iter().filter(|sql| !sql.contains("\"oauth_tokens\"")).count() as u64;
    eprintln!("groupedReports: {one} statements a page (with totalCount); GET grouped_reports: {three} for 3 pages");
    // Pages are prefetched whole (`statuses::prefetch`): exact on both engines.
    assert_eq!(one, GROUPS_PAGE);
    assert_eq!(three, GROUPED_REST, "statements for three pages: {sent:#?}");
}

/// `n` reports by `reporter`, each citing `status` alone; returns their ids, newest first.
async fn cite(app: &TestApp, status: &status::Model, reporter: &user::Model, n: usize) -> Vec<String> {
    let db = &app.state.db.write;
    let url = app.state.settings().instance_url.clone();
    let mut ids = Vec::new();
    for _ in 0..n {
        let id = pleroma_gateway::ids::flake_id();
        report::Entity::insert(report::ActiveModel {
            id: Set(id.clone()),
            ap_id: Set(format!("{url}/activities/{id}")),
            actor_id: Set(reporter.id.clone()),
            account_id: Set(status.user_id.clone()),
            content: Set(None),
            state: Set("open".into()),
            forwarded: Set(false),
            rule_ids: Set(json!([])),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        })
        .exec(db)
        .await
        .expect("report");
        report_status::Entity::insert(report_status::ActiveModel {
            report_id: Set(id.clone()),
            status_id: Set(status.id.clone()),
            position: Set(0),
            snapshot: Set(pleroma_gateway::domain::reports::snapshot(status)),
        })
        .exec(db)
        .await
        .expect("link");
        ids.push(id);
    }
    // Flake ids of one millisecond are not in the order they were made.
    ids.sort_by(|a, b| b.cmp(a));
    ids
}

/// Every group walked by `groupedReports` cursors, `size` a page: (status id, report ids).
async fn walk(app: &TestApp, token: &str, size: u32) -> Vec<(String, Vec<String>)> {
    let query = "query($n: Int, $after: String) { groupedReports(first: $n, after: $after) { totalCount \
                 nodes { status { id } reports { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    let (mut out, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let body = app.graphql(Some(token), query, json!({"n": size, "after": after})).await;
        let page = &body["data"]["groupedReports"];
        let nodes = page["nodes"].as_array().unwrap_or_else(|| panic!("{body}"));
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0, "{body}");
        for node in nodes {
            out.push((node["status"]["id"].as_str().unwrap().to_string(), ids(&node["reports"])));
        }
        pages += 1;
        if page["pageInfo"]["hasNextPage"] != true {
            assert_eq!(page["totalCount"].as_u64(), Some(out.len() as u64), "{body}");
            return out;
        }
        assert_eq!(nodes.len(), size as usize, "a page before the last is full");
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Groups keep their order across page boundaries as reports come and go: a status cited by
/// 150 reports moves to the front, back again when they are deleted; a group whose reports
/// are all deleted leaves the list; the kept `report_groups` rows agree with a recount.
#[tokio::test]
async fn groups_keep_their_order_across_pages_as_reports_come_and_go() {
    use pleroma_gateway::domain::counters;
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    let expected = seed(&app, 60, 200).await;
    let mut expected: Vec<(String, Vec<String>)> = expected.into_iter().map(|(s, r, _)| (s, r)).collect();
    assert_eq!(walk(&app, &token, 7).await, expected);
    assert_eq!(walk(&app, &token, 100).await, expected, "one page");

    // The last group's status gets 150 new reports: its group comes first, all its reports in it.
    let (last, _) = expected.last().unwrap().clone();
    let row = status::Entity::find_by_id(last.clone()).one(&app.state.db.read).await.unwrap().unwrap();
    let reporter = app.user("many").await;
    let new = cite(&app, &row, &reporter, 150).await;
    let mut moved = expected.clone();
    let (status, old) = moved.pop().unwrap();
    moved.insert(0, (status, new.iter().chain(&old).cloned().collect()));
    assert_eq!(walk(&app, &token, 7).await, moved);
    let body = app.get(GROUPED, Some(&token)).await.body;
    assert_eq!(body["reports"][0]["reports"].as_array().unwrap().len(), new.len() + old.len());
    assert_eq!(body["reports"][0]["actors"][0]["id"], reporter.id.as_str());

    // Deleting them (and every report of the second group) puts the list back as it was, less one.
    let db = &app.state.db.write;
    let gone: Vec<String> = new.iter().chain(&expected[1].1).cloned().collect();
    report::Entity::delete_many()
        .filter(sea_orm::ColumnTrait::is_in(&report::Column::Id, gone.clone()))
        .exec(db)
        .await
        .unwrap();
    let gone: HashSet<String> = gone.into_iter().collect();
    for (_, reports) in &mut expected {
        reports.retain(|r| !gone.contains(r));
    }
    expected.retain(|(_, reports)| !reports.is_empty());
    // A group that lost its latest report moves back.
    expected.sort_by(|a, b| b.1[0].cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
    assert_eq!(walk(&app, &token, 7).await, expected);
    assert_eq!(counters::drift(&app.state.db.read).await.unwrap(), counters::Drift::default());

    // A wrong kept row is found and repaired.
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE report_groups SET reports_count = 99").await.unwrap();
    db.execute_unprepared("DELETE FROM report_groups WHERE status_id = (SELECT MIN(status_id) FROM report_groups)")
        .await
        .unwrap();
    let drift = counters::drift(&app.state.db.read).await.unwrap();
    assert_eq!(drift.report_groups, expected.len() as u64);
    assert_eq!(counters::repair(db).await.unwrap().report_groups, expected.len() as u64);
    assert_eq!(counters::drift(&app.state.db.read).await.unwrap(), counters::Drift::default());
    assert_eq!(walk(&app, &token, 7).await, expected);

    // A cursor that is not one is a 400.
    let body = app.graphql(Some(&token), "{ groupedReports(after: \"nope\") { totalCount } }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("cursor"), "{body}");
}

/// Accounts and statuses answered once per field and key in an execution (`graphql::shared`)
/// give the answer field-by-field resolution gives, byte for byte: live statuses, statuses
/// deleted since (each report's own copy), notes, the same accounts everywhere.
#[tokio::test]
async fn shared_objects_answer_as_resolvers_do() {
    use pleroma_gateway::{
        auth::{AuthMethod, ClientAddress, Viewer},
        graphql::{request_data, shared::Rendered},
    };
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    let groups = seed(&app, 60, 150).await;
    for (status, _, _) in groups.iter().step_by(7) {
        let path = format!("/api/v1/pleroma/admin/statuses/{status}");
        let deleted = app.request(reqwest::Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(deleted.status, reqwest::StatusCode::OK, "{}", deleted.text);
    }
    let report = &groups[1].1[0];
    let note = format!("/api/v1/pleroma/admin/reports/{report}/notes");
    let noted = app.request(reqwest::Method::POST, &note, Some(&token), Some(json!({"content": "seen"}))).await;
    assert_eq!(noted.status, reqwest::StatusCode::NO_CONTENT, "{}", noted.text);
    let viewer = Viewer {
        method: AuthMethod::Token,
        user: Some(admin),
        scopes: Some(ALL.split(' ').map(String::from).collect()),
        token_id: None,
        app_id: None,
        address: ClientAddress::Unknown,
    };
    // Fields apart, and fragments spread in several places (shared across the fields).
    let queries = [
        "{ groupedReports(first: 100) { nodes { date deleted \
         account { id username acct followersCount statusesCount pleroma { tags isAdmin } } \
         status { id content createdAt account { id username statusesCount } mentions { id } } \
         actors { id username } \
         reports { id state account { id acct } actor { id acct } \
           statuses { id content account { id acct } } notes { id content user { id acct } } } } } }",
        "{ groupedReports(first: 100) { nodes { date deleted account { ...A } status { ...S } actors { ...A } \
           reports { id a: account { ...A } actor { ...A @include(if: true) } statuses { ...S } \
             notes { user { ...A } } } } } } \
         fragment A on Account { id acct username statusesCount pleroma { tags } } \
         fragment S on Status { id content account { ...A } mentions { id } }",
    ];
    let app = &app;
    for query in queries {
        let run = |rendered: Rendered| {
            let request =
                request_data(async_graphql::Request::new(query), viewer.clone(), &app.state.db, &app.state.live)
                    .data(rendered);
            async move { serde_json::to_string(&app.state.schema.execute(request).await).unwrap() }
        };
        let shared = run(Rendered::default()).await;
        let afresh = run(Rendered::disabled()).await;
        assert!(!shared.contains("\"errors\""), "{shared}");
        assert!(shared.contains("\"deleted\":true"), "{shared}");
        assert_eq!(shared, afresh, "{query}");
    }
}

/// The REST body is written by a typed writer (`rest::grouped_reports`) from the page's rows;
/// it answers what the operation mapped by the facade's generic path answers, as parsed JSON,
/// over a mix: live and deleted statuses (each report's copy), several reports per status,
/// notes, rules, remote accounts and statuses, a reply, a quote, a poll, a mention, a hashtag,
/// reactions, the viewer's favourite, bookmark and a pin; both prefixes.
#[tokio::test]
async fn the_typed_body_answers_as_the_operation_does() {
    use pleroma_gateway::auth::{AuthMethod, ClientAddress, Viewer};
    use reqwest::Method;
    let app = TestApp::new().await;
    let admin = app.admin("admin").await;
    let token = app.token(&admin, ALL).await;
    let groups = seed(&app, 40, 90).await;

    // Posts through the API: a poll with a hashtag and a mention, a reply, a quote, reactions.
    let poster = app.user("poster").await;
    let poster_token = app.token(&poster, ALL).await;
    let fan = app.user("fan").await;
    let fan_token = app.token(&fan, ALL).await;
    let post = |token: String, body: Value| {
        let app = &app;
        async move {
            let reply = app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(body)).await;
            assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.text);
            reply.body["id"].as_str().unwrap().to_string()
        }
    };
    let polled = post(
        poster_token.clone(),
        json!({"status": "vote #Rust @target0 :blank:", "spoiler_text": "cw", "poll": {"options": ["a", "b"], "expires_in": 3600}}),
    )
    .await;
    let reply = post(fan_token.clone(), json!({"status": "@poster no", "in_reply_to_id": polled})).await;
    let quote = post(fan_token.clone(), json!({"status": "look", "quote_id": polled})).await;
    for (who, emoji) in [(&fan_token, "👍"), (&poster_token, "👍"), (&fan_token, "🎉")] {
        let path = format!("/api/v1/pleroma/statuses/{polled}/reactions/{emoji}");
        let reacted = app.request(Method::PUT, &path, Some(who), None).await;
        assert_eq!(reacted.status, reqwest::StatusCode::OK, "{}", reacted.text);
    }
    for path in [format!("/api/v1/statuses/{polled}/favourite"), format!("/api/v1/statuses/{quote}/bookmark")] {
        let marked = app.request(Method::POST, &path, Some(&token), None).await;
        assert_eq!(marked.status, reqwest::StatusCode::OK, "{}", marked.text);
    }
    let pinned = app.request(Method::POST, &format!("/api/v1/statuses/{polled}/pin"), Some(&poster_token), None).await;
    assert_eq!(pinned.status, reqwest::StatusCode::OK, "{}", pinned.text);
    let rule = app
        .request(
            Method::POST,
            "/api/v1/pleroma/admin/rules",
            Some(&token),
            Some(json!({"text": "Be kind", "hint": "h"})),
        )
        .await;
    assert_eq!(rule.status, reqwest::StatusCode::OK, "{}", rule.text);
    let rule_id = rule.body["id"].as_str().unwrap().to_string();

    // A remote account's statuses, reported by a local and a remote reporter.
    let remote = app.remote_user("far", "remote.example").await;
    let remote_reporter = app.remote_user("spy", "elsewhere.example").await;
    let db = &app.state.db.write;
    let mut remote_statuses = Vec::new();
    for i in 0..3 {
        let id = pleroma_gateway::ids::flake_id();
        let row = status::Model {
            id: id.clone(),
            ap_id: format!("https://remote.example/objects/{id}"),
            user_id: remote.id.clone(),
            content: format!("<p>far {i} #Tag</p>"),
            source: None,
            content_type: "text/html".into(),
            visibility: "public".into(),
            sensitive: i == 1,
            spoiler_text: String::new(),
            in_reply_to_id: (i == 2).then(|| polled.clone()),
            in_reply_to_user_id: (i == 2).then(|| poster.id.clone()),
            reblog_of_id: None,
            quote_of_id: None,
            context: format!("https://remote.example/contexts/{i}"),
            language: Some("en".into()),
            local: false,
            idempotency_key: None,
            created_at: Utc::now(),
            edited_at: (i == 0).then(Utc::now),
            replies_count: 0,
            reblogs_count: 0,
            quotes_count: 0,
            favourites_count: 0,
        };
        status::Entity::insert(status::ActiveModel::from(row.clone())).exec(db).await.expect("remote status");
        remote_statuses.push(row);
    }
    for (i, reporter) in [&remote_reporter, &fan].into_iter().enumerate() {
        let id = pleroma_gateway::ids::flake_id();
        report::Entity::insert(report::ActiveModel {
            id: Set(id.clone()),
            ap_id: Set(format!("https://elsewhere.example/activities/{id}")),
            actor_id: Set(reporter.id.clone()),
            account_id: Set(remote.id.clone()),
            content: Set((i == 0).then(|| "spam".to_string())),
            state: Set("open".into()),
            forwarded: Set(false),
            rule_ids: Set(json!([rule_id.clone()])),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        })
        .exec(db)
        .await
        .expect("report");
        for (position, s) in remote_statuses.iter().enumerate().skip(i) {
            report_status::Entity::insert(report_status::ActiveModel {
                report_id: Set(id.clone()),
                status_id: Set(s.id.clone()),
                position: Set(position as i32),
                snapshot: Set(pleroma_gateway::domain::reports::snapshot(s)),
            })
            .exec(db)
            .await
            .expect("link");
        }
    }
    // Local reports of the API's posts (one citing the poll, the reply and the quote), with a rule.
    for (reporter, statuses) in [(&fan_token, vec![polled.clone()]), (&token, vec![reply.clone(), quote.clone()])] {
        let account = if statuses[0] == polled { poster.id.clone() } else { fan.id.clone() };
        let body = json!({"account_id": account, "status_ids": statuses, "comment": "look", "rule_ids": [rule_id]});
        let filed = app.request(Method::POST, "/api/v1/reports", Some(reporter), Some(body)).await;
        assert_eq!(filed.status, reqwest::StatusCode::OK, "{}", filed.text);
    }
    // Deleted statuses (each report keeps its copy) and notes.
    for (status, _, _) in groups.iter().step_by(5) {
        let path = format!("/api/v1/pleroma/admin/statuses/{status}");
        let deleted = app.request(Method::DELETE, &path, Some(&token), None).await;
        assert_eq!(deleted.status, reqwest::StatusCode::OK, "{}", deleted.text);
    }
    for report in [&groups[1].1[0], &groups[2].1[0]] {
        let note = format!("/api/v1/pleroma/admin/reports/{report}/notes");
        let noted = app.request(Method::POST, &note, Some(&token), Some(json!({"content": "seen"}))).await;
        assert_eq!(noted.status, reqwest::StatusCode::NO_CONTENT, "{}", noted.text);
    }

    let viewer = Viewer {
        method: AuthMethod::Token,
        user: Some(admin.clone()),
        scopes: Some(ALL.split(' ').map(String::from).collect()),
        token_id: None,
        app_id: None,
        address: ClientAddress::Unknown,
    };
    let mapped = pleroma_gateway::rest::paged_operation_body(&app.state, GROUPED, viewer)
        .await
        .expect("the row")
        .expect("the operation's body");
    let mapped: Value = serde_json::from_slice(&mapped).expect("JSON");
    let count = mapped["reports"].as_array().unwrap().len();
    assert_eq!(count, 40 + 3 + 3, "every group");
    let text = mapped.to_string();
    for expected in ["\"deleted\":true", "\"poll\":{", "\"emoji_reactions\":[{", "\"quote\":{", "far@remote.example"] {
        assert!(text.contains(expected), "the mix shows {expected}");
    }
    for path in both_prefixes(GROUPED) {
        let written = app.get(&path, Some(&token)).await;
        assert_eq!(written.status, reqwest::StatusCode::OK, "{}", written.text);
        assert_eq!(written.headers["content-type"], "application/json; charset=utf-8");
        let (got, want) = (&written.body["reports"], &mapped["reports"]);
        if let Some(difference) = first_difference(got, want, "reports") {
            panic!("{path}: {difference}");
        }
        assert_eq!(written.body, mapped, "{path}");
    }
}

/// Where two JSON values first differ (`path: left vs right`), keys compared as sets.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| match (x.get(k), y.get(k)) {
                (Some(l), Some(r)) => first_difference(l, r, &format!("{path}.{k}")),
                (l, r) => Some(format!("{path}.{k}: {l:?} vs {r:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (l, r))| first_difference(l, r, &format!("{path}[{i}]")))
        }
        _ if a == b => None,
        _ => Some(format!("{path}: {a} vs {b}")),
    }
}
