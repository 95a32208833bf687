//! `pleroma-gateway import`: the README's example, a bad entry (nothing written), re-import (no
//! duplicates), standard input, and sanitised HTML.
use std::{io::Write, process::Command};

use entity::{follow, report, report_status, status, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::TestApp;

/// The JSON block between the README's `import-example` markers.
fn readme_example() -> Value {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- import-example -->").expect("the README's import example");
    let block = &readme[start..];
    let json_start = block.find("```json").unwrap() + "```json".len();
    let json_end = block[json_start..].find("```").unwrap() + json_start;
    serde_json::from_str(&block[json_start..json_end]).expect("the README's example is JSON")
}

fn import(app: &TestApp, doc: &Value) -> std::process::Output {
    let path = app.data_dir.join(format!("import-{}.json", rand::random::<u32>()));
    std::fs::write(&path, doc.to_string()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .arg("import")
        .arg(&path)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

async fn counts(app: &TestApp) -> [u64; 5] {
    let db = &app.state.db.read;
    [
        user::Entity::find().filter(user::Column::Local.eq(false)).count(db).await.unwrap(),
        status::Entity::find().count(db).await.unwrap(),
        follow::Entity::find().count(db).await.unwrap(),
        report::Entity::find().count(db).await.unwrap(),
        report_status::Entity::find().count(db).await.unwrap(),
    ]
}

#[tokio::test]
async fn the_readme_example_imports_and_imports_again_without_duplicates() {
    let app = TestApp::new().await;
    let doc = readme_example();
    let out = import(&app, &doc);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "imported 2 actors, 3 statuses, 1 follows, 1 reports");
    assert_eq!(counts(&app).await, [2, 3, 1, 1, 1]);

    let db = &app.state.db.read;
    let mario = user::Entity::find().filter(user::Column::Nickname.eq("mario@mushroom.example")).one(db);
    let mario = mario.await.unwrap().unwrap();
    assert_eq!(
        (mario.domain.as_deref(), mario.name.as_deref(), mario.actor_type.as_str(), mario.local),
        (Some("mushroom.example"), Some("Mario"), "Person", false)
    );
    assert_eq!(mario.avatar.as_deref(), Some("https://mushroom.example/mario.png"));
    let bot = user::Entity::find().filter(user::Column::ApId.eq("https://mushroom.example/users/bot")).one(db);
    assert_eq!(bot.await.unwrap().unwrap().actor_type, "Service");
    let find = |ap: &'static str| status::Entity::find().filter(status::Column::ApId.eq(ap)).one(db);
    let first = find("https://mushroom.example/objects/1").await.unwrap().unwrap();
    let reply = find("https://mushroom.example/objects/2").await.unwrap().unwrap();
    let reblog = find("https://mushroom.example/activities/3").await.unwrap().unwrap();
    assert_eq!((first.user_id.as_str(), first.content.as_str()), (mario.id.as_str(), "<p>Let's a go!</p>"));
    assert_eq!(reply.in_reply_to_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(reply.in_reply_to_user_id.as_deref(), Some(mario.id.as_str()));
    assert_eq!((reply.visibility.as_str(), reply.context.as_str()), ("unlisted", first.context.as_str()));
    assert_eq!((reblog.reblog_of_id.as_deref(), reblog.content.as_str()), (Some(first.id.as_str()), ""));
    let flag = report::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!(
        (flag.account_id.as_str(), flag.state.as_str(), flag.content.as_deref()),
        (mario.id.as_str(), "open", Some("spam"))
    );
    // The admin API sees the actor.
    let token = app.admin_token().await;
    let shown = app.get("/api/v1/pleroma/admin/users/mario@mushroom.example", Some(&token)).await;
    assert_eq!(shown.body["local"], false, "{}", shown.text);

    // Again, with a change: rows are updated, nothing is duplicated, ids stay.
    let mut again = doc.clone();
    again["actors"][0]["name"] = json!("Super Mario");
    again["reports"][0]["state"] = json!("resolved");
    let out = import(&app, &again);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(counts(&app).await, [2, 3, 1, 1, 1]);
    let renamed = user::Entity::find_by_id(mario.id.clone()).one(db).await.unwrap().unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Super Mario"));
    let flag_again = report::Entity::find().one(db).await.unwrap().unwrap();
    assert_eq!((flag_again.id, flag_again.state.as_str()), (flag.id, "resolved"));
    assert_eq!(find("https://mushroom.example/objects/1").await.unwrap().unwrap().id, first.id);
}

#[tokio::test]
async fn a_bad_entry_names_itself_and_nothing_is_written() {
    let app = TestApp::new().await;
    let doc = readme_example();
    for (change, message) in [
        (
            json!({"path": ["statuses", 1, "actor"], "value": "https://nowhere.example/users/ghost"}),
            "statuses[1]: unknown actor https://nowhere.example/users/ghost",
        ),
        (
            json!({"path": ["actors", 1, "actor_type"], "value": "Robot"}),
            "actors[1]: actor_type must be Person, Service or Application, not Robot",
        ),
        (
            json!({"path": ["actors", 0, "nickname"], "value": "mario"}),
            "actors[0]: nickname must be nick@domain: mario",
        ),
        (
            json!({"path": ["statuses", 2, "reblog_of"], "value": "https://mushroom.example/objects/404"}),
            "statuses[2]: unknown reblog_of status https://mushroom.example/objects/404",
        ),
        (
            json!({"path": ["reports", 0, "state"], "value": "pending"}),
            "reports[0]: state must be open, closed or resolved, not pending",
        ),
        (
            json!({"path": ["follows", 0, "followed"], "value": "https://nowhere.example/users/x"}),
            "follows[0]: unknown actor https://nowhere.example/users/x",
        ),
    ] {
        let mut bad = doc.clone();
        let path = change["path"].as_array().unwrap();
        let mut at = &mut bad;
        for key in path {
            at = match key {
                Value::Number(n) => &mut at[n.as_u64().unwrap() as usize],
                Value::String(s) => &mut at[s.as_str()],
                _ => unreachable!(),
            };
        }
        *at = change["value"].clone();
        let out = import(&app, &bad);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{stderr}");
        assert_eq!(counts(&app).await, [0, 0, 0, 0, 0], "{message}");
    }
    // Unknown keys and broken JSON are refused too.
    let out = import(&app, &json!({"actors": [], "posts": []}));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `posts`"));
}

#[tokio::test]
async fn standard_input_and_sanitised_html() {
    let app = TestApp::new().await;
    let doc = json!({
        "actors": [{"ap_id": "https://a.example/users/eve", "nickname": "eve@a.example"}],
        "statuses": [{"ap_id": "https://a.example/objects/1", "actor": "https://a.example/users/eve",
                      "content": "<p onclick=\"x()\">hi<script>alert(1)</script> <a href=\"https://a.example\">link</a></p>"}]
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .args(["import", "-"])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(doc.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let row = status::Entity::find().one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!(row.content, "<p>hi <a href=\"https://a.example\" rel=\"noopener noreferrer\">link</a></p>");
}
