//! Configuration from the API (§12): every declared setting through `POST` and back through
//! `GET /admin/config` in Pleroma's encoding, live effect on this and another gateway process,
//! reboot-time settings and restart, sub-key deletion, file/database precedence, the legacy
//! migrations, refusals, descriptions, and the GraphQL `settings` / `updateSettings`; Pleroma's
//! whole tree (every description entry, admin-fe's tab payloads, stored-only settings) and the
//! gateway's own `:pleroma, :gateway` group.
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

/// A different valid value for the setting `key` of Pleroma type `ty` whose value is `current`;
/// `None` for types this test does not vary (settings with their own tests).
fn changed(key: &str, ty: &Value, current: &Value) -> Option<Value> {
    Some(match ty {
        _ if key == ":smtp_url" => json!("smtp://mail.example.org:2525"),
        Value::String(t) if t == "string" => json!("changed@example.org"),
        Value::String(t) if t == "boolean" => json!(!current.as_bool()?),
        Value::String(t) if t == "integer" => json!(current.as_i64()? + 1),
        Value::String(t) if t == "map" && [":available", ":pleroma_fe", ":masto_fe"].contains(&key) => {
            json!({"kenoma": {
                "name": "kenoma", "git": "https://git.example/kenoma", "build_url": "https://example.org/${ref}.zip",
                "ref": "stable", "build_dir": null
            }})
        }
        t if *t == json!(["list", "atom"]) && key.ends_with("_privileges") => {
            json!([":users_read", ":messages_delete"])
        }
        _ if current.as_str().is_some_and(|m| m.starts_with("Pleroma.Captcha.")) => json!("Pleroma.Captcha.Kocaptcha"),
        t if *t == json!(["list", "string"]) => json!(["203.0.113.0/24"]),
        t if *t == json!(["tuple", ["list", "tuple"]]) => json!([{"tuple": [1000, 7]}, {"tuple": [2000, 9]}]),
        t if *t == json!(["module", ["list", "module"]]) => json!(["Pleroma.Web.ActivityPub.MRF.SimplePolicy"]),
        t if *t == json!(["list", "tuple"]) => json!([{"tuple": ["*.example.org", "a reason"]}]),
        _ if key == ":actions" => json!([":reject"]),
        _ => return None,
    })
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
        t if *t == json!(["module", ["list", "module"]]) => {
            value.is_string() || value.as_array().is_some_and(|l| l.iter().all(Value::is_string))
        }
        t if *t == json!(["list", "tuple"]) => {
            value.as_array().is_some_and(|l| l.iter().all(|i| i.get("tuple").is_some()))
        }
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
        let Some(description) = described(&e["group"], &e["key"]) else { continue };
        let applied = |key: &Value| {
            description["children"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| &c["key"] == key && c["gateway"] != "stored")
                .cloned()
        };
        let value: Vec<Value> = e["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| item.get("tuple").is_some())
            .filter_map(|item| {
                let (key, current) = (&item["tuple"][0], &item["tuple"][1]);
                let child = applied(key)?;
                let value = match crate::applied::changed_value(e["key"].as_str()?, key.as_str()?) {
                    Some(v) => v,
                    None => changed(key.as_str()?, &child["type"], current)?,
                };
                // The descriptions validate against the values.
                let fitting = fits(&child["type"], current) || crate::applied::fits(&child["type"], current);
                assert!(fitting, "{key}: {current} is not a {}", child["type"]);
                Some(json!({"tuple": [key, value]}))
            })
            .collect();
        if value.is_empty() {
            continue;
        }
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
            // Merged over Pleroma's defaults of the sub-keys not sent.
            for item in sent["value"].as_array().unwrap() {
                let key = item["tuple"][0].as_str().unwrap();
                assert_eq!(sub(&e["value"], key), item["tuple"][1], "{} {key}", sent["key"]);
            }
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
    assert!(log[0].message.contains(":pleroma, :instance (:name"), "{}", log[0].message);
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
    // The other process checks now rather than within the second (tests/it/live_settings.rs).
    second.state.live.refresh().await;
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
    app.state.live.refresh().await;
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
async fn bad_values_are_refused_each_naming_itself_and_the_rest_is_saved() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let good = json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":name", json!("Fine"))]});
    let cases = [
        (
            json!({"group": ":pleroma", "key": ":instance", "value": [tuple(":limit", json!("many"))]}),
            ":pleroma, :instance, :limit: expected an integer",
        ),
        (
            json!({"group": ":pleroma", "key": ":instance", "value": {"name": "x"}}),
            ":pleroma, :instance: expected a keyword list",
        ),
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
        (json!({"group": "pleroma", "key": ":instance", "value": []}), "pleroma, :instance: invalid group or key"),
        // Stored only, but Pleroma could not read it: a regex that does not compile.
        (
            json!({"group": ":pleroma", "key": ":mrf_keyword", "value": [tuple(":reject", json!(["~r/(unclosed/"]))]}),
            ":pleroma, :mrf_keyword, :reject: invalid regex",
        ),
        // A setting's legacy place is checked as the setting.
        (
            json!({"group": ":pleroma", "key": ":rate_limit", "value": [tuple(":max_keys", json!("lots"))]}),
            ":pleroma, :rate_limit, :max_keys: expected an integer",
        ),
        // Settings checked together (the mail transport must build) come last.
        (
            json!({"group": ":pleroma", "key": ":gateway", "value": [tuple(":smtp_url", json!("not a url"))]}),
            "invalid SMTP URL",
        ),
    ];
    for (bad, message) in &cases {
        // Alone: nothing to save, 400 naming it.
        let reply = post(&app, &token, json!([bad])).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
        let error = reply.body["error"].as_str().unwrap_or_default();
        assert!(error.contains(message), "{bad}: {error}");
    }
    assert_eq!(app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await.body["configs"], json!([]));
    let log = app.get("/api/v1/pleroma/admin/moderation_log", Some(&token)).await;
    assert_eq!(log.body["total"], json!(0));

    // All at once with good ones: the good ones are saved and answered, each bad one named.
    let stored =
        json!({"group": ":pleroma", "key": ":mrf_keyword", "value": [tuple(":reject", json!(["spam", "~r/ca+sh/i"]))]});
    let mut configs = vec![good.clone(), stored.clone()];
    configs.extend(cases.iter().map(|(bad, _)| bad.clone()));
    for path in both_prefixes(CONFIG) {
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({ "configs": configs }))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let written: Vec<(&str, &str)> = reply.body["configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["group"].as_str().unwrap(), e["key"].as_str().unwrap()))
            .collect();
        assert_eq!(written, [(":pleroma", ":instance"), (":pleroma", ":mrf_keyword")], "{}", reply.text);
        let errors = reply.body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), cases.len(), "{}", reply.text);
        for ((_, message), error) in cases.iter().zip(errors) {
            assert!(error["message"].as_str().unwrap().contains(message), "{error}");
        }
        assert_eq!(errors[0]["subkey"], ":limit");
        assert_eq!(errors[1]["subkey"], Value::Null);
    }
    assert_eq!(app.get("/api/v1/instance", None).await.body["title"], json!("Fine"));
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(only_db.body["configs"].as_array().unwrap().len(), 2, "{}", only_db.text);
    assert_eq!(entry(&only_db.body, ":pleroma", ":mrf_keyword")["value"], stored["value"]);
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

/// Pleroma's descriptions as converted into the gateway (`config/description.exs` and the MRF
/// policies' `config_description`).
fn pleroma_descriptions() -> Vec<Value> {
    serde_json::from_str(include_str!("../../assets/config/descriptions.json")).unwrap()
}

fn child<'a>(entry: &'a Value, key: &str) -> &'a Value {
    entry["children"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"] == key))
        .unwrap_or_else(|| panic!("no child {key} in {}", entry["key"]))
}

#[tokio::test]
async fn descriptions_list_every_entry_of_pleromas_and_say_what_is_applied() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let pleroma = pleroma_descriptions();
    assert_eq!(pleroma.len(), 89);
    for path in both_prefixes(&format!("{CONFIG}/descriptions")) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let served = reply.body.as_array().unwrap();
        // Pleroma's entries in Pleroma's order, then the Logger tab's (which Pleroma no longer
        // describes), then the gateway's own group.
        assert_eq!(served.len(), pleroma.len() + 3 + 1);
        for (theirs, ours) in pleroma.iter().zip(served) {
            assert_eq!((&theirs["group"], theirs.get("key")), (&ours["group"], ours.get("key")));
            assert_eq!(theirs["label"], ours["label"]);
            let names = |e: &Value| -> Vec<Value> {
                e["children"].as_array().into_iter().flatten().map(|c| c["key"].clone()).collect()
            };
            // Every child of Pleroma's is there (declared ones Pleroma lacks come after).
            assert_eq!(names(theirs)[..], names(ours)[..names(theirs).len()], "{}", ours["key"]);
            for c in ours["children"].as_array().into_iter().flatten() {
                let mark = c["gateway"].as_str().unwrap_or_else(|| panic!("{} {} unmarked", ours["key"], c["key"]));
                assert!(["applied", "applied_after_restart", "stored"].contains(&mark));
            }
        }
        let find = |group: &str, key: &str| {
            served.iter().find(|e| e["group"] == group && e["key"] == key).unwrap_or_else(|| panic!("no {key}"))
        };
        for key in [":mrf", ":mrf_simple", ":mrf_keyword", "Pleroma.Upload", "Pleroma.Captcha", "Oban", ":instance"] {
            assert_eq!(find(":pleroma", key)["type"], "group", "{key}");
        }
        assert!(served.iter().any(|e| e["group"] == ":web_push_encryption"));
        assert!(served[pleroma.len()..].iter().any(|e| e["group"] == ":logger" && e["key"] == ":ex_syslogger"));
        let media_proxy = find(":pleroma", ":media_proxy");
        assert_eq!(child(media_proxy, ":invalidation")["type"], "keyword");
        assert_eq!(child(child(media_proxy, ":invalidation"), ":provider")["type"], "module");
        let instance = find(":pleroma", ":instance");
        assert_eq!(child(instance, ":name")["gateway"], "applied");
        assert_eq!(child(instance, ":short_description")["gateway"], "stored");
        let rate_limit = find(":pleroma", ":rate_limit");
        assert_eq!(child(rate_limit, ":search")["gateway"], "applied_after_restart");
        assert!(rate_limit["children"].as_array().unwrap().iter().all(|c| c["key"] != ":max_keys"));
        // The gateway's own settings live in a group of their own.
        let gateway = find(":pleroma", ":gateway");
        assert_eq!(child(gateway, ":rate_limit_max_keys")["gateway"], "applied_after_restart");
        assert_eq!(child(gateway, ":emoji_max_file_size")["type"], "integer");
    }
}

#[tokio::test]
async fn every_admin_fe_tab_round_trips() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    // What admin-fe's Settings tabs send (src/store/modules/normalizers.js: changed sub-keys of a
    // key, values in Pleroma's encoding).
    let tabs = json!([
        // Rate limiters.
        {"group": ":pleroma", "key": ":rate_limit", "value": [
            tuple(":authentication", json!({"tuple": [60000, 15]})),
            tuple(":search", json!([{"tuple": [1000, 10]}, {"tuple": [1000, 30]}]))]},
        // MRF: the policies, then one policy's settings.
        {"group": ":pleroma", "key": ":mrf", "value": [
            tuple(":policies", json!(["Pleroma.Web.ActivityPub.MRF.SimplePolicy", "Pleroma.Web.ActivityPub.MRF.TagPolicy"])),
            tuple(":transparency", json!(true)),
            tuple(":transparency_exclusions", json!([{"tuple": ["hidden.example", "private"]}]))]},
        {"group": ":pleroma", "key": ":mrf_simple", "value": [
            tuple(":reject", json!([{"tuple": ["spam.example", "spam"]}])),
            tuple(":media_removal", json!([{"tuple": ["*.nsfw.example", ""]}]))]},
        {"group": ":pleroma", "key": ":mrf_keyword", "value": [
            tuple(":reject", json!(["~r/casino/i"])),
            tuple(":replace", json!([{"tuple": ["badword", "***"]}]))]},
        // Upload.
        {"group": ":pleroma", "key": "Pleroma.Upload", "value": [
            tuple(":uploader", json!("Pleroma.Uploaders.Local")),
            tuple(":filters", json!(["Pleroma.Upload.Filter.Exiftool.StripLocation", "Pleroma.Upload.Filter.AnonymizeFilename"])),
            tuple(":link_name", json!(false))]},
        {"group": ":pleroma", "key": "Pleroma.Upload.Filter.AnonymizeFilename", "value": [tuple(":text", json!("{random}.jpg"))]},
        // Media proxy, with invalidation.
        {"group": ":pleroma", "key": ":media_proxy", "value": [
            tuple(":enabled", json!(true)),
            tuple(":invalidation", json!([tuple(":enabled", json!(true)), tuple(":provider", json!("Pleroma.Web.MediaProxy.Invalidation.Script"))])),
            tuple(":whitelist", json!(["https://cdn.example"]))]},
        {"group": ":pleroma", "key": "Pleroma.Web.MediaProxy.Invalidation.Script", "value": [tuple(":script_path", json!("/bin/purge"))]},
        // Instance, captcha, mailer, job queue, web push, logger, link formatter, metadata, HTTP.
        {"group": ":pleroma", "key": ":instance", "value": [
            tuple(":short_description", json!("Short")),
            tuple(":max_pinned_statuses", json!(3)),
            tuple(":poll_limits", json!({":max_options": 5, ":max_option_chars": 100, ":min_expiration": 0, ":max_expiration": 31536000}))]},
        {"group": ":pleroma", "key": "Pleroma.Captcha", "value": [
            tuple(":enabled", json!(true)), tuple(":method", json!("Pleroma.Captcha.Native"))]},
        {"group": ":pleroma", "key": "Pleroma.Emails.Mailer", "value": [
            tuple(":adapter", json!("Swoosh.Adapters.SMTP")), tuple(":relay", json!("smtp.example.org"))]},
        {"group": ":pleroma", "key": "Oban", "value": [tuple(":queues", json!([tuple(":federator_incoming", json!(50))]))]},
        {"group": ":web_push_encryption", "key": ":vapid_details", "value": [tuple(":subject", json!("mailto:admin@example.org"))]},
        {"group": ":logger", "key": ":backends", "value": [":console"]},
        {"group": ":pleroma", "key": "Pleroma.Formatter", "value": [tuple(":truncate", json!(20))]},
        {"group": ":pleroma", "key": "Pleroma.Web.Metadata", "value": [
            tuple(":providers", json!(["Pleroma.Web.Metadata.Providers.OpenGraph"]))]},
        {"group": ":pleroma", "key": ":http", "value": [tuple(":proxy_url", json!({"tuple": [":socks5", "localhost", 9050]}))]},
    ]);
    let reply = post(&app, &token, tabs.clone()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body.get("errors").is_none(), "{}", reply.text);
    assert_eq!(reply.body["configs"].as_array().unwrap().len(), tabs.as_array().unwrap().len());
    let merged = app.get(CONFIG, Some(&token)).await;
    for sent in tabs.as_array().unwrap() {
        let e = entry(&merged.body, sent["group"].as_str().unwrap(), sent["key"].as_str().unwrap());
        match sent["value"].as_array().filter(|v| v[0].get("tuple").is_some()) {
            Some(items) => {
                for item in items {
                    let (key, value) = (item["tuple"][0].as_str().unwrap(), &item["tuple"][1]);
                    let got = sub(&e["value"], key);
                    // Nested keyword lists merge over Pleroma's defaults.
                    let keyword = value
                        .as_array()
                        .is_some_and(|v| v.iter().all(|i| i["tuple"][0].as_str().is_some_and(|k| k.starts_with(':'))));
                    if keyword && got.is_array() {
                        for inner in value.as_array().unwrap() {
                            assert_eq!(sub(&got, inner["tuple"][0].as_str().unwrap()), inner["tuple"][1], "{key}");
                        }
                    } else {
                        assert_eq!(&got, value, "{} {key}", sent["key"]);
                    }
                    assert!(e["db"].as_array().unwrap().contains(&json!(key)), "{e}");
                }
            }
            None => assert_eq!(e["value"], sent["value"]),
        }
    }
    // The rest of a key keeps Pleroma's defaults: e.g. Upload's `:base_url` unsent.
    let upload = entry(&merged.body, ":pleroma", "Pleroma.Upload");
    assert!(upload["value"].as_array().unwrap().iter().any(|i| i["tuple"][0] == ":proxy_remote"));
    // Saving one tab again after all of them (admin-fe resends what it queued) still succeeds.
    let again = post(&app, &token, json!([tabs[0].clone(), tabs[6].clone()])).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    // admin-fe's removal of a nested sub-key.
    let removed = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":mrf_simple", "delete": true, "subkeys": [":reject"]}]),
    )
    .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(entry(&only_db.body, ":pleroma", ":mrf_simple")["db"], json!([":media_removal"]));
}

#[tokio::test]
async fn a_stored_only_setting_is_kept_and_reported_as_stored() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let reply = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":instance", "value": [tuple(":short_description", json!("Tiny"))]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["configs"][0]["db"], json!([":short_description"]));
    // A second process reads it back, merged over Pleroma's defaults, with the applied ones.
    let second = app.sharing(|_| {}).await;
    let merged = second.get(CONFIG, Some(&token)).await;
    let instance = entry(&merged.body, ":pleroma", ":instance");
    assert_eq!(sub(&instance["value"], ":short_description"), json!("Tiny"));
    assert_eq!(sub(&instance["value"], ":name"), json!("Pleroma Gateway"));
    assert_eq!(sub(&instance["value"], ":max_pinned_statuses"), json!(1));
    assert_eq!(instance["db"], json!([":short_description"]));
    let query = "{ settings { group key settings { subkey value default source application needsRestart } } }";
    let body = app.graphql(Some(&token), query, json!({})).await;
    let setting = |key: &str, subkey: &str| {
        body["data"]["settings"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter(|g| g["key"] == key)
            .flat_map(|g| g["settings"].as_array().unwrap().clone())
            .find(|s| s["subkey"] == subkey)
            .unwrap_or_else(|| panic!("no {key} {subkey}"))
    };
    let short = setting(":instance", ":short_description");
    assert_eq!(
        (short["application"].clone(), short["source"].clone(), short["value"].clone(), short["default"].clone()),
        (json!("STORED"), json!("DATABASE"), json!("Tiny"), json!(""))
    );
    assert_eq!(setting(":instance", ":name")["application"], "APPLIED");
    assert_eq!(setting(":rate_limit", ":search")["application"], "APPLIED_AFTER_RESTART");
    assert_eq!(setting(":mrf_simple", ":reject")["source"], "DEFAULT");
    // A stored-only setting never needs a restart.
    assert_eq!(reply.body["need_reboot"], json!(false));
    // Typed through GraphQL too.
    let mutation = "mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { errors { message } } }";
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({"input": {"settings": [
                {"group": ":pleroma", "key": ":mrf_simple", "subkey": ":reject", "value": [{"tuple": ["x.example", "spam"]}]},
            ]}}),
        )
        .await;
    assert_eq!(body["data"]["updateSettings"]["errors"], json!([]), "{body}");
    let only_db = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(
        entry(&only_db.body, ":pleroma", ":mrf_simple")["value"],
        json!([tuple(":reject", json!([{"tuple": ["x.example", "spam"]}]))])
    );
}

#[tokio::test]
async fn the_gateways_own_settings_have_a_group_and_legacy_rows_still_apply() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let merged = app.get(CONFIG, Some(&token)).await;
    let gateway = entry(&merged.body, ":pleroma", ":gateway");
    assert_eq!(sub(&gateway["value"], ":rate_limit_max_keys"), json!(100000));
    assert_eq!(sub(&gateway["value"], ":emoji_max_file_size"), json!(1048576));
    let rate_limit = entry(&merged.body, ":pleroma", ":rate_limit");
    assert_eq!(sub(&rate_limit["value"], ":max_keys"), Value::Null);
    // Saved where it used to be, it still applies, shown in its new place.
    let reply = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":rate_limit", "value": [tuple(":max_keys", json!(500))]}]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let merged = app.get(CONFIG, Some(&token)).await;
    assert_eq!(sub(&entry(&merged.body, ":pleroma", ":gateway")["value"], ":rate_limit_max_keys"), json!(500));
    assert_eq!(sub(&entry(&merged.body, ":pleroma", ":rate_limit")["value"], ":max_keys"), Value::Null);
    // The new place wins once saved.
    let reply = post(
        &app,
        &token,
        json!([{"group": ":pleroma", "key": ":gateway", "value": [tuple(":rate_limit_max_keys", json!(700))]}]),
    )
    .await;
    assert_eq!(reply.body["need_reboot"], json!(true), "{}", reply.text);
    let merged = app.get(CONFIG, Some(&token)).await;
    assert_eq!(sub(&entry(&merged.body, ":pleroma", ":gateway")["value"], ":rate_limit_max_keys"), json!(700));
}
