//! Configuration from the API (§12): every declared setting through `POST` and back through
//! `GET /admin/config` in Pleroma's encoding, live effect on this and another gateway process,
//! reboot-time settings and restart, sub-key deletion, file/database precedence, the legacy
//! migrations, refusals, descriptions, and the GraphQL `settings` / `updateSettings`.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, Reply, TestApp};

const CONFIG: &str = "/api/v1/pleroma/admin/config";
const DISABLED: &str = "You must enable configurable_from_database in your config file.";

async fn post(app: &TestApp, token: &str, configs: Value) -> Reply {
    app.request(Method::POST, CONFIG, Some(token), Some(json!({ "configs": configs }))).await
}

fn tuple(key: &str, value: Value) -> Value {
    json!({ "tuple": [key, value] })
}

/// `value`'s sub-key `sub` in a keyword list.
fn sub(value: &Value, key: &str) -> Value {
    value
        .as_array()
        .and_then(|items| items.iter().find(|i| i["tuple"][0] == key))
        .map(|i| i["tuple"][1].clone())
        .unwrap_or(Value::Null)
}

fn entry<'a>(configs: &'a Value, group: &str, key: &str) -> &'a Value {
    configs["configs"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["group"] == group && e["key"] == key))
        .unwrap_or_else(|| panic!("no entry {group}, {key} in {configs}"))
}

/// A different valid value for a setting of Pleroma type `ty` whose value is `current`.
fn changed(ty: &Value, current: &Value) -> Value {
    match ty {
        Value::String(t) if t == "string" => json!("changed@example.org"),
        Value::String(t) if t == "boolean" => json!(!current.as_bool().unwrap()),
        Value::String(t) if t == "integer" => json!(current.as_i64().unwrap() + 1),
        Value::String(t) if t == "module" => json!("Pleroma.Captcha.Kocaptcha"),
        Value::String(t) if t == "map" => json!({"kenoma": {
            "name": "kenoma", "git": "https://git.example/kenoma", "build_url": "https://example.org/${ref}.zip",
            "ref": "stable", "build_dir": null
        }}),
        t if *t == json!(["list", "atom"]) => json!([":users_read", ":messages_delete"]),
        t if *t == json!(["list", "string"]) => json!(["203.0.113.0/24"]),
        t if *t == json!(["tuple", ["list", "tuple"]]) => json!([{"tuple": [1000, 7]}, {"tuple": [2000, 9]}]),
        other => panic!("no changed value for type {other}"),
    }
}

/// Whether a value has the JSON form its Pleroma type says.
fn fits(ty: &Value, value: &Value) -> bool {
    match ty {
        Value::String(t) if t == "string" => value.is_string() || value.is_null(),
        Value::String(t) if t == "boolean" => value.is_boolean(),
        Value::String(t) if t == "integer" => value.is_i64() || value.is_u64(),
        Value::String(t) if t == "map" => value.is_object(),
        Value::String(t) if t == "module" => value.as_str().is_some_and(|s| s.starts_with("Pleroma.")),
        Value::Array(types) if types.first() == Some(&json!("list")) => value.as_array().is_some_and(|items| {
            items.iter().all(|i| match types[1].as_str() {
                Some("atom") => i.as_str().is_some_and(|s| s.starts_with(':')),
                Some("string") => i.is_string(),
                _ => false,
            })
        }),
        t if *t == json!(["tuple", ["list", "tuple"]]) => {
            value.is_null()
                || value.get("tuple").is_some()
                || value.as_array().is_some_and(|l| l.iter().all(|i| i.get("tuple").is_some()))
        }
        _ => false,
    }
}

#[tokio::test]
async fn every_declared_setting_round_trips_in_pleromas_encoding() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let [v1, legacy] = both_prefixes(CONFIG);
    let before = app.get(&v1, Some(&token)).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    assert_eq!(before.body["need_reboot"], json!(false));
    assert_eq!(app.get(&legacy, Some(&token)).await.body, before.body);
    // Nothing saved yet: no entry has a `db` list.
    assert!(before.body["configs"].as_array().unwrap().iter().all(|e| e.get("db").is_none()));
    let descriptions = app.get(&format!("{CONFIG}/descriptions"), Some(&token)).await;
    assert_eq!(descriptions.status, StatusCode::OK);
    let described = |group: &Value, key: &Value| {
        descriptions.body.as_array().unwrap().iter().find(|d| &d["group"] == group && &d["key"] == key).cloned()
    };

    // A different value for every sub-key of every entry, all in one request.
    let mut configs = Vec::new();
    for e in before.body["configs"].as_array().unwrap() {
        let description = described(&e["group"], &e["key"]).unwrap_or_else(|| panic!("no description for {e}"));
        let value: Vec<Value> = e["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let (key, current) = (&item["tuple"][0], &item["tuple"][1]);
                let child = description["children"].as_array().unwrap().iter().find(|c| &c["key"] == key).cloned();
                let child = child.unwrap_or_else(|| panic!("no description for {key} in {e}"));
                // The descriptions validate against the values.
                assert!(fits(&child["type"], current), "{key}: {current} is not a {}", child["type"]);
                let value = if key == ":smtp_url" {
                    json!("smtp://mail.example.org:2525")
                } else {
                    changed(&child["type"], current)
                };
                json!({"tuple": [key, value]})
            })
            .collect();
        configs.push(json!({"group": e["group"], "key": e["key"], "value": value}));
    }
    let reply = post(&app, &token, json!(configs)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let written = reply.body["configs"].as_array().unwrap();
    assert_eq!(written.len(), configs.len());
    for (sent, got) in configs.iter().zip(written) {
        assert_eq!(got["value"], sent["value"], "{}", sent["key"]);
        let subkeys: Vec<Value> = sent["value"].as_array().unwrap().iter().map(|i| i["tuple"][0].clone()).collect();
        assert_eq!(got["db"], json!(subkeys));
    }
    // Read back merged (both prefixes), and as saved.
    for path in [&v1, &legacy] {
        let after = app.get(path, Some(&token)).await;
        for sent in &configs {
            let e = entry(&after.body, sent["group"].as_str().unwrap(), sent["key"].as_str().unwrap());
            assert_eq!(e["value"], sent["value"], "{}", sent["key"]);
            assert!(e["db"].as_array().is_some_and(|db| !db.is_empty()));
        }
    }
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(only_db.body["configs"].as_array().unwrap().len(), configs.len());
    // Rate limits are reboot-time settings.
    assert_eq!(only_db.body["need_reboot"], json!(true));
    // The moderation log has the change (read from the table: the admin just gave up
    // `moderation_log_read` with the new `admin_privileges`).
    use sea_orm::EntityTrait;
    let log = entity::moderation_log::Entity::find().all(&app.state.db.read).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].data["action"], "config_update");
    assert!(
        log[0].message.starts_with("@admin updated configuration: :pleroma, :instance (:name"),
        "{}",
        log[0].message
    );
}

#[tokio::test]
async fn moderator_privileges_change_on_the_next_request_of_every_process() {
    let app = TestApp::new().await;
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    let users = "/api/v1/pleroma/admin/users";
    for gateway in [&app, &second] {
        let reply = gateway.get(users, Some(&mod_token)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));
    }
    let privileges = json!([":messages_delete", ":reports_manage_reports", ":users_read"]);
    let reply = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":moderator_privileges", privileges.clone())]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({"configs": [{"group": ":pleroma", "key": ":instance",
            "value": [tuple(":moderator_privileges", privileges.clone())], "db": [":moderator_privileges"]}],
            "need_reboot": false})
    );
    for gateway in [&app, &second] {
        let reply = gateway.get(users, Some(&mod_token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // And back, from the second process this time.
    let reply = second
        .request(
            Method::POST,
            CONFIG,
            Some(&token),
            Some(json!({"configs": [{"group": ":pleroma", "key": ":instance", "delete": true}]})),
        )
        .await;
    assert_eq!(reply.body, json!({"configs": [], "need_reboot": false}));
    for gateway in [&app, &second] {
        assert_eq!(gateway.get(users, Some(&mod_token)).await.status, StatusCode::FORBIDDEN);
    }
}

async fn new_app_from(app: &TestApp, address: &str) -> StatusCode {
    let fields = [("client_name", "x"), ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")];
    let reply = app
        .client
        .post(format!("{}/api/v1/apps", app.base))
        .header("x-forwarded-for", address)
        .form(&fields)
        .send()
        .await
        .unwrap();
    reply.status()
}

#[tokio::test]
async fn a_reboot_time_setting_needs_a_restart_and_restart_applies_it() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let [need_v1, need_legacy] = both_prefixes("/api/v1/pleroma/admin/need_reboot");
    assert_eq!(app.get(&need_v1, Some(&token)).await.body, json!({"need_reboot": false}));
    let limit = json!([{"group": ":pleroma", "key": ":rate_limit",
        "value": [tuple(":oauth_app_creation", json!({"tuple": [60000, 1]}))]}]);
    let reply = post(&app, &token, limit).await;
    assert_eq!(reply.body["need_reboot"], json!(true), "{}", reply.text);
    assert_eq!(app.get(&need_legacy, Some(&token)).await.body, json!({"need_reboot": true}));
    // Still the old limiter (5 per 15 minutes) until the restart.
    for _ in 0..2 {
        assert_eq!(new_app_from(&app, "203.0.113.7").await, StatusCode::OK);
    }
    for restart in both_prefixes("/api/v1/pleroma/admin/restart") {
        let reply = app.get(&restart, Some(&token)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})));
    }
    assert_eq!(app.get(&need_v1, Some(&token)).await.body, json!({"need_reboot": false}));
    assert_eq!(new_app_from(&app, "203.0.113.7").await, StatusCode::OK);
    assert_eq!(new_app_from(&app, "203.0.113.7").await, StatusCode::TOO_MANY_REQUESTS);
    // A live setting never needs one.
    let name = json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("Live"))]}]);
    assert_eq!(post(&app, &token, name).await.body["need_reboot"], json!(false));
    // Restart demands admin:write.
    let admin = app.admin("reader").await;
    let read_only = app.token(&admin, "admin:read").await;
    assert_eq!(app.get("/api/v1/pleroma/admin/restart", Some(&read_only)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn subkeys_are_merged_and_deleted() {
    let app = TestApp::with_settings(|s| s.instance.name = "From file".into()).await;
    let token = app.admin_token().await;
    let save = |value: Value| post(&app, &token, json!([{"group": ":pleroma", "key": ":instance", "value": value}]));
    save(json!([tuple(":name", json!("From db")), tuple(":limit", json!(100))])).await;
    // A second save merges with the saved keyword list.
    let reply = save(json!([tuple(":email", json!("boss@example.org"))])).await;
    assert_eq!(reply.body["configs"][0]["db"], json!([":name", ":limit", ":email"]));
    let delete = |subkeys: Option<Value>| {
        let mut change = json!({"group": ":pleroma", "key": ":instance", "delete": true});
        if let Some(subkeys) = subkeys {
            change["subkeys"] = subkeys;
        }
        post(&app, &token, json!([change]))
    };
    let reply = delete(Some(json!([":name", ":email"]))).await;
    assert_eq!(reply.body, json!({"configs": [], "need_reboot": false}));
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(
        only_db.body["configs"],
        json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":limit", json!(100))], "db": [":limit"]}])
    );
    let merged = app.get(CONFIG, Some(&token)).await;
    let instance = entry(&merged.body, ":pleroma", ":instance");
    assert_eq!(sub(&instance["value"], ":name"), json!("From file"));
    assert_eq!(sub(&instance["value"], ":limit"), json!(100));
    assert_eq!(instance["db"], json!([":limit"]));
    // Removing the last sub-key removes the row; removing what is not saved is skipped.
    delete(Some(json!([":limit"]))).await;
    assert_eq!(app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await.body["configs"], json!([]));
    assert_eq!(delete(None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_database_wins_over_the_file_and_the_file_over_defaults() {
    let app = TestApp::with_settings(|s| s.instance.name = "From file".into()).await;
    let token = app.admin_token().await;
    let title = || async { app.get("/api/v1/instance", None).await.body["title"].clone() };
    assert_eq!(title().await, json!("From file"));
    let query = "{ settings { key settings { subkey value default source needsRestart } } }";
    let source = |body: &Value, subkey: &str| {
        body["data"]["settings"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["settings"].as_array().unwrap().clone())
            .find(|s| s["subkey"] == subkey)
            .unwrap()
    };
    let body = app.graphql(Some(&token), query, json!({})).await;
    assert_eq!(source(&body, ":name")["source"], "FILE");
    assert_eq!(source(&body, ":limit")["source"], "DEFAULT");
    assert_eq!(source(&body, ":authentication")["needsRestart"], json!(true));
    post(&app, &token, json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("From db"))]}]))
        .await;
    assert_eq!(title().await, json!("From db"));
    let body = app.graphql(Some(&token), query, json!({})).await;
    assert_eq!(source(&body, ":name")["source"], "DATABASE");
    assert_eq!(source(&body, ":name")["default"], json!("Pleroma Gateway"));
    post(&app, &token, json!([{"group": ":pleroma", "key": ":instance", "delete": true, "subkeys": [":name"]}])).await;
    assert_eq!(title().await, json!("From file"));

    // With configurable_from_database off, the routes refuse and saved rows are ignored.
    let off = app
        .sharing(|s| {
            s.configurable_from_database = false;
            s.instance.name = "From file".into();
        })
        .await;
    post(&app, &token, json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("From db"))]}]))
        .await;
    assert_eq!(off.get("/api/v1/instance", None).await.body["title"], json!("From file"));
    for (method, path) in [
        (Method::GET, CONFIG.to_string()),
        (Method::POST, CONFIG.to_string()),
        (Method::GET, "/api/v1/pleroma/admin/restart".to_string()),
        (Method::GET, "/api/pleroma/admin/config".to_string()),
    ] {
        let body = (method == Method::POST).then(|| json!({"configs": []}));
        let reply = off.request(method, &path, Some(&token), body).await;
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": DISABLED})), "{path}");
    }
}

#[tokio::test]
async fn bad_encodings_and_unknown_settings_are_refused_and_nothing_is_saved() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let good = json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("Fine"))]});
    let cases = [
        (
            json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":limit", json!("many"))]}),
            ":pleroma, :instance, :limit: expected an integer",
        ),
        (
            json!({"group": ":pleroma", "key": ":no_such_key", "value": []}),
            "Unknown configuration: :pleroma, :no_such_key",
        ),
        (json!({"group": ":ecto", "key": ":repo", "value": []}), "Unknown configuration: :ecto, :repo"),
        (
            json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":no_such_subkey", json!(1))]}),
            "Unknown configuration: :pleroma, :instance, :no_such_subkey",
        ),
        (json!({"group": ":pleroma", "key": ":instance", "value": {"name": "x"}}), "expected a keyword list"),
        (
            json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":moderator_privileges", json!([":fly"]))]}),
            "unknown privilege",
        ),
        (
            json!({"group": ":pleroma", "key": ":rate_limit", "value": [tuple(":search", json!({"tuple": [0, 1]}))]}),
            ":pleroma, :rate_limit, :search: expected",
        ),
        (
            json!({"group": ":pleroma", "key": "Pleroma.Web.Plugs.RemoteIp", "value": [tuple(":proxies", json!(["nope"]))]}),
            "CIDR",
        ),
        (json!({"group": "pleroma", "key": ":instance", "value": []}), "Invalid group or key"),
        (
            json!({"group": ":pleroma", "key": "Pleroma.Emails.Mailer", "value": [tuple(":smtp_url", json!("not a url"))]}),
            "invalid SMTP URL",
        ),
    ];
    for (bad, message) in cases {
        let reply = post(&app, &token, json!([good.clone(), bad.clone()])).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(message), "{bad}: {error}");
    }
    assert_eq!(app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await.body["configs"], json!([]));
    let log = app.get("/api/v1/pleroma/admin/moderation_log", Some(&token)).await;
    assert_eq!(log.body["total"], json!(0));
    // Moderators may not touch configuration.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "read write admin").await;
    assert_eq!(app.get(CONFIG, Some(&mod_token)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn migrate_to_db_and_back_to_a_file() {
    let app = TestApp::with_settings(|s| {
        s.instance.name = "File name".into();
        s.config_file = Some(s.data_dir.join("gateway.toml"));
    })
    .await;
    let token = app.admin_token().await;
    for path in both_prefixes(&format!("{CONFIG}/migrate_to_db")) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})), "{}", reply.text);
    }
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(
        only_db.body["configs"],
        json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("File name"))], "db": [":name"]}])
    );
    post(
        &app,
        &token,
        json!([
            {"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("Db name")), tuple(":moderator_privileges", json!([":users_read"]))]},
            {"group": ":pleroma", "key": ":rate_limit", "value": [tuple(":search", json!([{"tuple": [1000, 2]}, {"tuple": [1000, 3]}])), tuple(":timeline", Value::Null)]},
            {"group": ":pleroma", "key": ":frontend_configurations", "value": [tuple(":pleroma_fe", json!({"theme": "x", "logoMask": false}))]},
            {"group": ":pleroma", "key": ":frontends", "value": [tuple(":available", json!({"fe": {"name": "fe", "git": null, "build_url": "https://e.example/${ref}.zip", "ref": "v1", "build_dir": null}}))]},
        ]),
    )
    .await;
    let reply = app.get(&format!("{CONFIG}/migrate_from_db"), Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({})), "{}", reply.text);
    assert_eq!(app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await.body["configs"], json!([]));
    assert_eq!(app.get("/api/v1/instance", None).await.body["title"], json!("File name"));
    // The exported file is a config file the gateway reads.
    let file = app.data_dir.join("gateway.exported_from_db.toml");
    let overrides = pleroma_gateway::config::Overrides { config_file: Some(file.clone()), ..Default::default() };
    let loaded = pleroma_gateway::config::Settings::load(&overrides)
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&file).unwrap()));
    assert_eq!(loaded.instance.name, "Db name");
    assert_eq!(loaded.instance.moderator_privileges, vec![pleroma_gateway::domain::privileges::Privilege::UsersRead]);
    assert_eq!(loaded.rate_limit.search.for_mode(true), Some((1000, 3)));
    assert_eq!(loaded.rate_limit.timeline.for_mode(true), None);
    assert_eq!(loaded.frontend_configurations.pleroma_fe["theme"], json!("x"));
    let available = loaded.frontends.available.unwrap();
    assert_eq!((available[0].name.as_str(), available[0].git_ref.as_deref()), ("fe", Some("v1")));
}

#[tokio::test]
async fn graphql_update_settings_reports_errors_per_setting() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let mutation = "mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
        errors { subkey message } needReboot settings { key settings { subkey value source } } } }";
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({"input": {"settings": [
                {"group": ":pleroma", "key": ":instance", "subkey": ":name", "value": "Typed"},
                {"group": ":pleroma", "key": ":instance", "subkey": ":limit", "value": "lots"},
                {"group": ":pleroma", "key": ":instance", "subkey": ":nope", "value": 1},
            ]}}),
        )
        .await;
    let payload = &body["data"]["updateSettings"];
    assert_eq!(payload["errors"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(payload["errors"][0]["subkey"], ":limit");
    assert_eq!(payload["errors"][1], json!({"subkey": ":nope", "message": "unknown setting"}));
    assert_eq!(app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await.body["configs"], json!([]));
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({"input": {"settings": [
                {"group": ":pleroma", "key": ":instance", "subkey": ":name", "value": "Typed"},
                {"group": ":pleroma", "key": ":rate_limit", "subkey": ":search", "value": null},
            ]}}),
        )
        .await;
    let payload = &body["data"]["updateSettings"];
    assert_eq!(payload["errors"], json!([]), "{body}");
    assert_eq!(app.get("/api/v1/instance", None).await.body["title"], json!("Typed"));
    // `reset` removes the saved value; the anonymous are refused.
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({"input": {"settings": [{"group": ":pleroma", "key": ":instance", "subkey": ":name", "reset": true}]}}),
        )
        .await;
    assert_eq!(body["data"]["updateSettings"]["errors"], json!([]), "{body}");
    assert_eq!(app.get("/api/v1/instance", None).await.body["title"], json!("Pleroma Gateway"));
    let anonymous = app.graphql(None, "{ settings { key } }", json!({})).await;
    assert_eq!(anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{anonymous}");
}

#[tokio::test]
#[ignore]
async fn measure_refresh_overhead() {
    for on in [true, false, true, false] {
        let app = TestApp::with_settings(|s| s.configurable_from_database = on).await;
        for _ in 0..50 {
            app.get("/api/v1/pleroma/healthcheck", None).await;
        }
        let start = std::time::Instant::now();
        for _ in 0..1000 {
            app.get("/api/v1/pleroma/healthcheck", None).await;
        }
        let probe = std::time::Instant::now();
        for _ in 0..1000 {
            app.state.live.refresh().await;
        }
        println!("from_database={on}: {:?} per request, refresh {:?}", start.elapsed() / 1000, probe.elapsed() / 1000);
    }
}

#[tokio::test]
#[ignore]
async fn measure_concurrent_refresh() {
    let app = TestApp::new().await;
    app.state.live.refresh().await;
    let start = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let live = app.state.live.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..100 {
                live.refresh().await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    println!("6400 concurrent refreshes: {:?}", start.elapsed());
}

#[tokio::test]
async fn frontend_configurations_are_public_and_configurable() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let reply = app.get("/api/pleroma/frontend_configurations", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["pleroma_fe"]["theme"], "pleroma-dark");
    assert!(reply.body.get("masto_fe").is_none());
    assert_eq!(app.get("/api/v1/pleroma/frontend_configurations", None).await.status, StatusCode::NOT_FOUND);
    // admin-fe sends the map with atom keys; the public view has plain ones.
    let fe = json!({":theme": "redmond-xx", ":logo": "/static/mine.svg"});
    let reply = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":frontend_configurations",
            "value": [tuple(":pleroma_fe", fe.clone()), tuple(":masto_fe", json!({":showInstanceSpecificPanel": true}))]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(sub(&reply.body["configs"][0]["value"], ":pleroma_fe"), fe);
    let reply = app.get("/api/pleroma/frontend_configurations", None).await;
    assert_eq!(
        reply.body,
        json!({"pleroma_fe": {"theme": "redmond-xx", "logo": "/static/mine.svg"}, "masto_fe": {"showInstanceSpecificPanel": true}})
    );
}
