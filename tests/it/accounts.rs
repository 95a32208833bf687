//! Issue 25 over HTTP: account lookup and search, `/api/v2/search`, `update_credentials`,
//! `/api/v2/instance`, endorsements, subscriptions, birthdays, the removed image routes,
//! remote interaction, the federation status and the uploader callback.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, TestApp, FORM_URLENCODED};

const ALL: &str = "read write follow push";

fn ids(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap().to_string()).collect()
}

fn accts(value: &Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|a| a["acct"].as_str().unwrap().to_string()).collect()
}

async fn act(app: &TestApp, token: &str, path: &str) -> crate::common::Reply {
    app.request(Method::POST, path, Some(token), None).await
}

/// `AccountControllerTest` "account lookup": by nickname, `nick@<host>`, and 404 "Can't find
/// user"; no token needed.
#[tokio::test]
async fn lookup_finds_accounts_by_nickname() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let remote = app.remote_user("carol", "remote.example").await;
    let host = app.state.settings().host();

    let reply = app.get("/api/v1/accounts/lookup?acct=alice", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["id"], alice.id);
    assert_eq!(reply.body["acct"], "alice");
    assert!(reply.body["pleroma"].get("birthday").is_none(), "{}", reply.body["pleroma"]);
    assert!(reply.body["pleroma"].get("is_admin").is_some(), "alice shows her role");
    let reply = app.get(&format!("/api/v1/accounts/lookup?acct=alice@{host}"), None).await;
    assert_eq!(reply.body["id"], alice.id);
    let reply = app.get("/api/v1/accounts/lookup?acct=carol@remote.example", None).await;
    assert_eq!(reply.body["id"], remote.id);
    let reply = app.get("/api/v1/accounts/lookup?acct=nobody", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Can't find user"})));
    let reply = app.get("/api/v1/accounts/lookup", None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: acct.");
}

/// `SearchControllerTest` "account search": words of the nickname or name, exact nickname
/// first, blocks either way left out, `following`, `limit`/`offset`, a constant number of
/// statements.
#[tokio::test]
async fn account_search_respects_blocks_and_follows() {
    let app = TestApp::new().await;
    let viewer = app.user("viewer").await;
    let token = app.token(&viewer, ALL).await;
    let _shane = app.user("shane").await;
    let _shanes = app.user("shanes_friend").await;
    let blocker = app.user("shane_blocks").await;
    let blocked = app.user("shane_blocked").await;
    let _gone = app.user_with("shane_gone", |u| u.is_active = sea_orm::Set(false)).await;
    let named = app.user_with("someone", |u| u.name = sea_orm::Set(Some("Shane Doe".into()))).await;

    let blocker_token = app.token(&blocker, ALL).await;
    assert_eq!(
        act(&app, &blocker_token, &format!("/api/v1/accounts/{}/block", viewer.id)).await.status,
        StatusCode::OK
    );
    assert_eq!(act(&app, &token, &format!("/api/v1/accounts/{}/block", blocked.id)).await.status, StatusCode::OK);

    let reply = app.get("/api/v1/accounts/search?q=shane", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let found = accts(&reply.body);
    assert_eq!(found[0], "shane", "the exact nickname first: {found:?}");
    assert!(found.contains(&"shanes_friend".to_string()) && found.contains(&"someone".to_string()), "{found:?}");
    for hidden in ["shane_blocks", "shane_blocked", "shane_gone"] {
        assert!(!found.contains(&hidden.to_string()), "{hidden} in {found:?}");
    }
    // Anonymous: no blocks to respect.
    let anonymous = accts(&app.get("/api/v1/accounts/search?q=shane", None).await.body);
    assert!(anonymous.contains(&"shane_blocks".to_string()));
    // `@` and this host are ignored.
    let host = app.state.settings().host();
    let reply = app.get(&format!("/api/v1/accounts/search?q=@shane@{host}"), Some(&token)).await;
    assert_eq!(accts(&reply.body)[0], "shane");
    // Only followed accounts.
    assert_eq!(act(&app, &token, &format!("/api/v1/accounts/{}/follow", named.id)).await.status, StatusCode::OK);
    let reply = app.get("/api/v1/accounts/search?q=shane&following=true", Some(&token)).await;
    assert_eq!(accts(&reply.body), ["someone"]);
    // Paging.
    let reply = app.get("/api/v1/accounts/search?q=shane&limit=1&offset=1", Some(&token)).await;
    assert_eq!(reply.body.as_array().unwrap().len(), 1);
    assert_ne!(accts(&reply.body)[0], "shane");
    let reply = app.get("/api/v1/accounts/search", Some(&token)).await;
    assert_eq!((reply.status, reply.body["error"].clone()), (StatusCode::BAD_REQUEST, json!("Missing field: q.")));

    // Statements: a page of 1 costs what a page of 20 does.
    for i in 0..25 {
        app.user(&format!("many{i}")).await;
    }
    let mut costs = Vec::new();
    for limit in [1, 20] {
        let url = format!("/api/v1/accounts/search?q=many&limit={limit}");
        app.get(&url, Some(&token)).await;
        let before = app.statements();
        let reply = app.get(&url, Some(&token)).await;
        assert_eq!(reply.body.as_array().unwrap().len(), limit);
        costs.push(app.statements() - before);
    }
    assert_eq!(costs[0], costs[1], "statements for 1 vs 20 accounts");
}

/// `SearchControllerTest` "search2": accounts, statuses the caller may see (blocks either way
/// left out), hashtags as `{name, url}` (`/api/v1/search`: names), `type`, `account_id`.
#[tokio::test]
async fn v2_search_finds_accounts_statuses_and_hashtags() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, ALL).await;
    let b = app.token(&bob, ALL).await;
    let c = app.token(&carol, ALL).await;
    let public = crate::statuses::post(&app, &b, json!({"status": "private cofe time"})).await;
    crate::statuses::post(&app, &b, json!({"status": "cofe for followers", "visibility": "private"})).await;
    let carols = crate::statuses::post(&app, &c, json!({"status": "cofe from carol"})).await;
    crate::statuses::post(&app, &a, json!({"status": "tea only"})).await;

    let reply = app.get("/api/v2/search?q=cofe", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["accounts", "hashtags", "statuses"]);
    assert_eq!(ids(&reply.body["statuses"]), [carols["id"].as_str().unwrap(), public["id"].as_str().unwrap()]);
    assert_eq!(reply.body["statuses"][0]["account"]["acct"], "carol");
    let base = &app.state.settings().instance_url;
    assert_eq!(reply.body["hashtags"], json!([{"name": "cofe", "url": format!("{base}/tag/cofe")}]));
    // A follower sees the private one; words must all be there.
    assert_eq!(act(&app, &a, &format!("/api/v1/accounts/{}/follow", bob.id)).await.status, StatusCode::OK);
    let reply = app.get("/api/v2/search?q=cofe%20followers", Some(&a)).await;
    assert_eq!(reply.body["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(
        reply.body["hashtags"],
        json!([
            {"name": "cofe", "url": format!("{base}/tag/cofe")},
            {"name": "followers", "url": format!("{base}/tag/followers")},
            {"name": "CofeFollowers", "url": format!("{base}/tag/CofeFollowers")},
        ])
    );
    // Anonymous callers see public statuses only.
    let reply = app.get("/api/v2/search?q=cofe", None).await;
    assert_eq!(reply.body["statuses"].as_array().unwrap().len(), 2);
    // One author; one type.
    let reply = app.get(&format!("/api/v2/search?q=cofe&account_id={}", carol.id), Some(&a)).await;
    assert_eq!(ids(&reply.body["statuses"]), [carols["id"].as_str().unwrap()]);
    let reply = app.get("/api/v2/search?q=carol&type=accounts", Some(&a)).await;
    assert_eq!(accts(&reply.body["accounts"]), ["carol"]);
    assert_eq!((reply.body["statuses"].clone(), reply.body["hashtags"].clone()), (json!([]), json!([])));
    let reply = app.get("/api/v2/search?q=carol&type=people", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // A block hides the blocker's statuses and account.
    assert_eq!(act(&app, &c, &format!("/api/v1/accounts/{}/block", alice.id)).await.status, StatusCode::OK);
    let reply = app.get("/api/v2/search?q=carol", Some(&a)).await;
    assert_eq!((reply.body["accounts"].clone(), reply.body["statuses"].clone()), (json!([]), json!([])));
    // Statements: a page of 1 costs what a page of 20 does.
    for i in 0..25 {
        crate::statuses::post(&app, &b, json!({"status": format!("many cofe {i}")})).await;
    }
    let mut costs = Vec::new();
    for limit in [1, 20] {
        let url = format!("/api/v2/search?q=many%20cofe&limit={limit}");
        app.get(&url, Some(&a)).await;
        let before = app.statements();
        let reply = app.get(&url, Some(&a)).await;
        assert_eq!(reply.body["statuses"].as_array().unwrap().len(), limit);
        costs.push(app.statements() - before);
    }
    assert_eq!(costs[0], costs[1], "statements for 1 vs 20 statuses");
    // v1: hashtags as names.
    let reply = app.get("/api/v1/search?q=%23cofe%20tea", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["hashtags"], json!(["cofe"]));
}

/// `AccountControllerTest` / `UpdateCredentialsTest`: JSON, form and multipart changes, the
/// account answered with `source`, Pleroma's limit messages (413), the scope.
#[tokio::test]
async fn update_credentials_changes_the_profile() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let path = "/api/v1/accounts/update_credentials";

    let reply = app
        .patch(
            path,
            &token,
            json!({
                "display_name": "Alice A.",
                "note": "I <3 cofe\nreally",
                "locked": true,
                "bot": true,
                "discoverable": "true",
                "fields_attributes": [{"name": "site", "value": "https://a.example"}, {"name": "", "value": "dropped"}],
                "source": {"privacy": "unlisted", "sensitive": true},
                "hide_followers": true,
                "hide_favorites": false,
                "show_role": false,
                "no_rich_text": true,
                "accepts_chat_messages": false,
                "also_known_as": ["https://remote.example/users/alice"],
                "pleroma_settings_store": {"pleroma-fe": {"theme": "dark"}},
                "avatar_description": "me",
            }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let account = &reply.body;
    assert_eq!(account["display_name"], "Alice A.");
    assert_eq!(account["note"], "I &lt;3 cofe<br/>really");
    assert_eq!(account["source"]["note"], "I <3 cofe\nreally");
    assert_eq!(account["source"]["privacy"], "unlisted");
    assert_eq!(account["source"]["pleroma"]["actor_type"], "Service");
    assert_eq!(account["source"]["pleroma"]["discoverable"], true);
    assert_eq!(account["source"]["pleroma"]["no_rich_text"], true);
    assert_eq!(account["source"]["pleroma"]["show_role"], false);
    assert_eq!((account["locked"].clone(), account["bot"].clone()), (json!(true), json!(true)));
    // Field values are linkified (Pleroma's update_credentials_test.exs "cofe.io").
    assert_eq!(
        account["fields"],
        json!([{"name": "site", "value": "<a href=\"https://a.example\" rel=\"ugc\">https://a.example</a>"}])
    );
    assert_eq!(account["pleroma"]["hide_followers"], true);
    assert_eq!(account["pleroma"]["hide_favorites"], false);
    assert_eq!(account["pleroma"]["accepts_chat_messages"], false);
    assert_eq!(account["pleroma"]["avatar_description"], "me");
    assert_eq!(account["pleroma"]["also_known_as"], json!(["https://remote.example/users/alice"]));
    assert_eq!(account["pleroma"]["settings_store"]["pleroma-fe"]["theme"], "dark");
    assert_eq!(account["pleroma"]["email"], "alice@example.org");
    // Others see the new profile, without the owner's fields.
    let shown = app.get(&format!("/api/v1/accounts/{}", alice.id), None).await.body;
    assert_eq!(shown["display_name"], "Alice A.");
    assert!(shown["pleroma"].get("email").is_none_or(Value::is_null));

    // A form, with Plug's nested keys; `""` display name falls back to the nickname.
    let form = "display_name=&fields_attributes%5B1%5D%5Bname%5D=b&fields_attributes%5B1%5D%5Bvalue%5D=2\
                &fields_attributes%5B0%5D%5Bname%5D=a&fields_attributes%5B0%5D%5Bvalue%5D=1&source%5Bprivacy%5D=private\
                &bot=false";
    let reply = app.send_raw(Method::PATCH, path, &token, FORM_URLENCODED, form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["display_name"], "alice");
    assert_eq!(reply.body["fields"], json!([{"name": "a", "value": "1"}, {"name": "b", "value": "2"}]));
    assert_eq!(reply.body["source"]["privacy"], "private");
    assert_eq!(reply.body["bot"], false);

    // Limits, with Pleroma's messages.
    let limits = app.state.settings().limits.clone();
    let too_long = |n: usize| "x".repeat(n + 1);
    for (body, message) in [
        (json!({"note": too_long(limits.user_bio_length)}), "Bio is too long"),
        (json!({"display_name": too_long(limits.user_name_length)}), "Name is too long"),
        (
            json!({"fields_attributes": (0..=limits.max_account_fields).map(|i| json!({"name": format!("n{i}"), "value": "v"})).collect::<Vec<_>>()}),
            "Too many field entries",
        ),
        (
            json!({"fields_attributes": [{"name": too_long(limits.account_field_name_length), "value": "v"}]}),
            "One or more field entries are too long",
        ),
        (json!({"avatar_description": too_long(limits.description_limit)}), "Avatar description is too long"),
    ] {
        let reply = app.patch(path, &token, body).await;
        assert_eq!((reply.status, reply.body), (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": message})));
    }
    let reply = app.patch(path, &token, json!({"actor_type": "Robot"})).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid request"})));
    let reply = app.patch(path, &token, json!({"default_scope": "everyone"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    // Nothing refused was saved.
    let shown = app.get("/api/v1/accounts/verify_credentials", Some(&token)).await.body;
    assert_eq!(shown["source"]["privacy"], "private");

    // Scope: write:accounts.
    let read_only = app.token(&alice, "read").await;
    let reply = app.patch(path, &read_only, json!({"note": "x"})).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:accounts."}))
    );
}

fn png() -> Vec<u8> {
    let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    bytes.extend_from_slice(&[0; 64]);
    bytes
}

async fn multipart(app: &TestApp, path: &str, token: &str, form: reqwest::multipart::Form) -> crate::common::Reply {
    let request = app.client.patch(format!("{}{path}", app.base)).bearer_auth(token).multipart(form);
    crate::common::Reply::from(request.send().await.unwrap()).await
}

fn image(field: &str) -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(png()).file_name("a.png").mime_str("image/png").unwrap();
    reqwest::multipart::Form::new().part(field.to_string(), part)
}

/// `UpdateCredentialsTest` "updates the user's avatar/banner/background" and "" resets; the
/// removed `update_avatar|banner|background` routes as Pleroma's last implementation.
#[tokio::test]
async fn images_are_uploaded_and_removed() {
    let app = TestApp::with_settings(|s| s.limits.avatar_upload_limit = 70).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let path = "/api/v1/accounts/update_credentials";

    let form = image("header").text("display_name", "pictured");
    let reply = multipart(&app, path, &token, form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let header = reply.body["header"].as_str().unwrap().to_string();
    assert!(header.contains("/media/"), "{header}");
    assert_eq!(reply.body["display_name"], "pictured");
    let media_path = &header[header.find("/media/").unwrap()..];
    let served = app.client.get(format!("{}{media_path}", app.base)).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    // Over avatar_upload_limit (70 bytes): 413 "File is too large".
    let reply = multipart(&app, path, &token, image("avatar")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "File is too large"})));
    // "" removes it: the default image again.
    let reply = app.patch(path, &token, json!({"header": ""})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body["header"].as_str().unwrap().ends_with("/images/banner.png"), "{}", reply.body["header"]);
    let reply = app.patch(path, &token, json!({"avatar": "https://elsewhere.example/a.png"})).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid request"})));

    // The removed routes, on both prefixes.
    for prefix_path in both_prefixes("/api/v1/pleroma/accounts/update_background") {
        let reply = multipart(&app, &prefix_path, &token, image("img")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["url"]);
        assert!(reply.body["url"].as_str().unwrap().contains("/media/"));
        let reply = app.patch(&prefix_path, &token, json!({"img": ""})).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"url": null})));
    }
    let reply = multipart(&app, "/api/pleroma/accounts/update_banner", &token, image("banner")).await;
    assert!(reply.body["url"].as_str().unwrap().contains("/media/"), "{}", reply.text);
    let banner = reply.body["url"].clone();
    let shown = app.get("/api/v1/accounts/verify_credentials", Some(&token)).await.body;
    assert_eq!(shown["header"], banner);
    let reply = app.patch("/api/v1/pleroma/accounts/update_avatar", &token, json!({"img": ""})).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"url": null})));
    let read_only = app.token(&alice, "read").await;
    let reply = app.patch("/api/v1/pleroma/accounts/update_avatar", &read_only, json!({"img": ""})).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// `Pleroma.Upload.get_opts`: a header counts against `:banner_upload_limit`, a background
/// against `:background_upload_limit`, each on its own (the avatar's limit is tested above).
#[tokio::test]
async fn banner_and_background_have_their_own_limits() {
    let small = png().len() as u64 - 1;
    let app = TestApp::with_settings(|s| s.limits.banner_upload_limit = small).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let path = "/api/v1/accounts/update_credentials";
    let reply = multipart(&app, path, &token, image("header")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "File is too large"})));
    let reply = multipart(&app, path, &token, image("pleroma_background_image")).await;
    assert_eq!(reply.status, StatusCode::OK, "the background's limit is not the banner's: {}", reply.text);
    let reply = multipart(&app, path, &token, image("avatar")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let app = TestApp::with_settings(|s| s.limits.background_upload_limit = small).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let reply = multipart(&app, path, &token, image("pleroma_background_image")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "File is too large"})));
    let reply = multipart(&app, "/api/v1/pleroma/accounts/update_background", &token, image("img")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::PAYLOAD_TOO_LARGE, json!({"error": "File is too large"})));
    let reply = multipart(&app, path, &token, image("header")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // At the limit exactly is allowed.
    let app = TestApp::with_settings(|s| s.limits.background_upload_limit = small + 1).await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let reply = multipart(&app, path, &token, image("pleroma_background_image")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// `AccountControllerTest` "account endorsements" and `PleromaAPI.AccountControllerTest`
/// "subscribing / unsubscribing", "account endorsements".
#[tokio::test]
async fn endorsements_and_subscriptions() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, ALL).await;
    let c = app.token(&carol, ALL).await;

    let reply = act(&app, &a, &format!("/api/v1/accounts/{}/pin", bob.id)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::BAD_REQUEST, json!({"error": "Could not endorse: You are not following bob"}))
    );
    assert_eq!(act(&app, &a, &format!("/api/v1/accounts/{}/follow", bob.id)).await.status, StatusCode::OK);
    let reply = act(&app, &a, &format!("/api/v1/accounts/{}/pin", bob.id)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!((reply.body["id"].clone(), reply.body["endorsed"].clone()), (json!(bob.id), json!(true)));
    let reply = app.get(&format!("/api/v1/accounts/relationships?id[]={}", bob.id), Some(&a)).await;
    assert_eq!(reply.body[0]["endorsed"], true);

    let reply = app.get("/api/v1/endorsements", Some(&a)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(ids(&reply.body), [bob.id.as_str()]);
    for path in both_prefixes(&format!("/api/v1/pleroma/accounts/{}/endorsements", alice.id)) {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(accts(&reply.body), ["bob"]);
    }
    let reply = app.get("/api/v1/pleroma/accounts/nobody/endorsements", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    let reply = app.get("/api/v1/endorsements", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
    let reply = act(&app, &a, &format!("/api/v1/accounts/{}/unpin", bob.id)).await;
    assert_eq!(reply.body["endorsed"], false);
    assert_eq!(app.get("/api/v1/endorsements", Some(&a)).await.body, json!([]));
    let read_only = app.token(&alice, "read").await;
    let reply = act(&app, &read_only, &format!("/api/v1/accounts/{}/pin", bob.id)).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: write:accounts."}))
    );

    // Subscriptions, without following, on both prefixes.
    let [v1, legacy] = both_prefixes(&format!("/api/v1/pleroma/accounts/{}/subscribe", carol.id));
    let reply = act(&app, &a, &v1).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        (reply.body["subscribing"].clone(), reply.body["notifying"].clone(), reply.body["following"].clone()),
        (json!(true), json!(true), json!(false))
    );
    assert_eq!(act(&app, &a, &legacy).await.body["subscribing"], true);
    let reply = act(&app, &a, &format!("/api/pleroma/accounts/{}/unsubscribe", carol.id)).await;
    assert_eq!((reply.body["subscribing"].clone(), reply.body["notifying"].clone()), (json!(false), json!(false)));
    // A follow with notify is the same subscription.
    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", carol.id),
            Some(&a),
            Some(json!({"notify": true})),
        )
        .await;
    assert_eq!(reply.body["subscribing"], true);
    // … and a follow with `notify: false` ends both.
    assert_eq!(act(&app, &a, &legacy).await.body["subscribing"], true);
    let reply = app
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", carol.id),
            Some(&a),
            Some(json!({"notify": false})),
        )
        .await;
    assert_eq!(reply.body["subscribing"], false);
    assert_eq!(act(&app, &a, &legacy).await.body["subscribing"], true);
    let reply = act(&app, &a, &format!("/api/v1/pleroma/accounts/{}/unsubscribe", carol.id)).await;
    assert_eq!((reply.body["subscribing"].clone(), reply.body["following"].clone()), (json!(false), json!(true)));
    // Refused when blocked; unknown accounts; the scope.
    assert_eq!(act(&app, &c, &format!("/api/v1/accounts/{}/block", alice.id)).await.status, StatusCode::OK);
    let reply = act(&app, &a, &v1).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Could not subscribe: carol is blocking you"}))
    );
    let reply = act(&app, &a, "/api/v1/pleroma/accounts/nobody/subscribe").await;
    assert_eq!((reply.status, reply.body), (StatusCode::NOT_FOUND, json!({"error": "Record not found"})));
    let reply = act(&app, &read_only, &v1).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: follow | write:follows."}))
    );
}

/// `PleromaAPI.AccountControllerTest` "birthday reminders": followed, active accounts showing
/// their birthday on that day.
#[tokio::test]
async fn birthdays_of_followed_accounts() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let a = app.token(&alice, ALL).await;
    let mut expected = Vec::new();
    for (name, birthday, show, follow) in [
        ("bob", "2001-01-05", true, true),
        ("carol", "1990-01-05", false, true),
        ("dave", "1990-01-05", true, false),
        ("erin", "1990-02-05", true, true),
    ] {
        let user = app.user(name).await;
        let token = app.token(&user, ALL).await;
        let reply = app
            .patch("/api/v1/accounts/update_credentials", &token, json!({"birthday": birthday, "show_birthday": show}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["pleroma"]["birthday"], birthday, "the owner sees it");
        assert_eq!(reply.body["source"]["pleroma"]["show_birthday"], show);
        if follow {
            assert_eq!(act(&app, &a, &format!("/api/v1/accounts/{}/follow", user.id)).await.status, StatusCode::OK);
        }
        if name == "bob" {
            expected.push(user.id.clone());
        }
    }
    for path in both_prefixes("/api/v1/pleroma/birthdays?day=5&month=1") {
        let reply = app.get(&path, Some(&a)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(ids(&reply.body), expected);
        assert_eq!(reply.body[0]["pleroma"]["birthday"], "2001-01-05");
    }
    // Hidden birthdays are not shown to others.
    let carol = app.get("/api/v1/accounts/lookup?acct=carol", None).await.body;
    assert!(carol["pleroma"].get("birthday").is_none());
    let reply = app.get("/api/v1/pleroma/birthdays?day=5", Some(&a)).await;
    assert_eq!((reply.status, reply.body["error"].clone()), (StatusCode::BAD_REQUEST, json!("Missing field: month.")));
    let reply = app.patch("/api/v1/accounts/update_credentials", &a, json!({"birthday": "5th of May"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.get("/api/v1/pleroma/birthdays?day=5&month=1", None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// `InstanceControllerTest` "get instance information v2": Mastodon's v2 shape with Pleroma's
/// metadata, from the same data as v1.
#[tokio::test]
async fn instance_v2() {
    let app = TestApp::new().await;
    let reply = app.get("/api/v2/instance", None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let v2 = reply.body;
    let v1 = app.get("/api/v1/instance", None).await.body;
    assert_eq!(
        keys(&v2),
        [
            "configuration",
            "contact",
            "description",
            "domain",
            "languages",
            "pleroma",
            "registrations",
            "rules",
            "source_url",
            "thumbnail",
            "title",
            "usage",
            "version"
        ]
    );
    assert_eq!(v2["domain"], v1["uri"]);
    assert_eq!(v2["description"], v1["short_description"]);
    assert_eq!(v2["thumbnail"]["url"], v1["thumbnail"]);
    assert_eq!(v2["registrations"]["enabled"], v1["registrations"]);
    assert_eq!(v2["contact"]["email"], v1["email"]);
    assert_eq!(v2["configuration"]["statuses"]["max_characters"], v1["max_toot_chars"]);
    assert_eq!(v2["configuration"]["statuses"]["characters_reserved_per_url"], 0);
    assert!(v2["configuration"]["urls"]["streaming"].is_string());
    assert!(v2["usage"]["users"]["active_month"].is_number());
    let metadata = &v2["pleroma"]["metadata"];
    assert_eq!(metadata["avatar_upload_limit"], v1["avatar_upload_limit"]);
    assert_eq!(metadata["background_image"], v1["background_image"]);
    assert_eq!(metadata["features"], v1["pleroma"]["metadata"]["features"]);
    assert_eq!(metadata["fields_limits"], v1["pleroma"]["metadata"]["fields_limits"]);
}

/// `InstancesControllerTest`-like: hosts unreachable for longer than the timeout, as naive
/// datetimes; no auth; both prefixes.
#[tokio::test]
async fn federation_status_lists_unreachable_instances() {
    let app = TestApp::new().await;
    for path in both_prefixes("/api/v1/pleroma/federation_status") {
        let reply = app.get(&path, None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"unreachable": {}})));
    }
    let db = &app.state.db.write;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(30);
    let recently = chrono::Utc::now() - chrono::Duration::hours(1);
    use pleroma_gateway::domain::accounts::set_reachability;
    set_reachability(db, "down.example", Some(long_ago)).await.unwrap();
    set_reachability(db, "flaky.example", Some(recently)).await.unwrap();
    set_reachability(db, "back.example", Some(long_ago)).await.unwrap();
    set_reachability(db, "back.example", None).await.unwrap();
    // A later failure keeps the first one's time.
    set_reachability(db, "down.example", Some(recently)).await.unwrap();
    let reply = app.get("/api/pleroma/federation_status", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let unreachable = reply.body["unreachable"].as_object().unwrap();
    assert_eq!(unreachable.keys().collect::<Vec<_>>(), ["down.example"]);
    // Pleroma's naive datetime, here to the millisecond.
    let expected = long_ago.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f000").to_string();
    assert_eq!(unreachable["down.example"], expected);
}

/// `UtilControllerTest` "remote_interaction": a profile that cannot be fingered answers HTTP
/// 200 `{"error": "Couldn't find user"}`; missing fields are 400. `UploaderController`: no
/// uploader waits, so 400 `{"error": "bad request"}`.
#[tokio::test]
async fn remote_interaction_and_uploader_callback() {
    let app = TestApp::new().await;
    for path in both_prefixes("/api/v1/pleroma/remote_interaction") {
        let body = json!({"ap_id": "https://x.test/notice/1", "profile": "someone@unresolvable.invalid"});
        let reply = app.request(Method::POST, &path, None, Some(body)).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"error": "Couldn't find user"})));
        let reply = app.request(Method::POST, &path, None, Some(json!({"ap_id": "x", "profile": "no-host"}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"error": "Couldn't find user"})));
        let reply = app.request(Method::POST, &path, None, Some(json!({"ap_id": "x"}))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body["error"], "Missing field: profile.");
    }
    for path in both_prefixes("/api/v1/pleroma/uploader_callback/some-upload") {
        let reply = app.request(Method::POST, &path, None, Some(json!({"a": 1}))).await;
        assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "bad request"})));
    }
}

/// The same operations through GraphQL.
#[tokio::test]
async fn graphql_profile_and_search() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, ALL).await;
    let body = app
        .graphql(
            Some(&token),
            r#"mutation { updateOwnProfile(input: {note: "hi", fields: [{name: "a", value: "b"}], source: {privacy: "direct"}}) {
                account { note source { note privacy } } avatarUrl } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["updateOwnProfile"],
        json!({"account": {"note": "hi", "source": {"note": "hi", "privacy": "direct"}}, "avatarUrl": null})
    );
    let body = app
        .graphql(
            Some(&token),
            r#"{ search(query: "alice", type: ACCOUNTS) { accounts { acct } hashtags { name } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body["data"]["search"], json!({"accounts": [{"acct": "alice"}], "hashtags": []}));
    let body = app.graphql(None, r#"mutation { updateOwnProfile(input: {note: "x"}) { avatarUrl } }"#, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{body}");
    let body = app.graphql(None, r#"{ lookupAccount(acct: "nobody") { id } }"#, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let body = app
        .graphql(Some(&token), r#"mutation { updateOwnProfile(input: {note: "x", displayName: "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"}) { avatarUrl } }"#, json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "TOO_LARGE");
    assert_eq!(body["errors"][0]["message"], "Name is too long");
}
