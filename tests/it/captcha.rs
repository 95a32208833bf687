//! The captcha: `GET /api/v1/pleroma/captcha` (both prefixes, GraphQL `captcha`) by each method,
//! and registration (`POST /api/v1/accounts`) checking it when captchas are on, with Pleroma's
//! bodies; settings switched through `POST /admin/config`.
use base64::{engine::general_purpose::STANDARD, Engine};
use pleroma_gateway::{config::CaptchaMethod, domain};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::{
    common::{both_prefixes, keys, Reply, TestApp},
    registration::{app_token, body},
};

const CAPTCHA: &str = "/api/v1/pleroma/captcha";

async fn register(app: &TestApp, token: &str, body: Value) -> Reply {
    app.request(Method::POST, "/api/v1/accounts", Some(token), Some(body)).await
}

/// `body(nickname)` with the captcha `captcha` answered by `solution`.
fn answered(nickname: &str, captcha: &Value, solution: &str) -> Value {
    let mut out = body(nickname);
    out["captcha_token"] = captcha["token"].clone();
    out["captcha_answer_data"] = captcha["answer_data"].clone();
    out["captcha_solution"] = json!(solution);
    out
}

/// Pleroma's refusal: 400 with the errors map encoded as a string.
fn refusal(message: &str) -> Value {
    json!({ "error": serde_json::to_string(&json!({ "captcha": [message] })).unwrap() })
}

/// A new native captcha whose answer is `answer` (the image's own is not kept in plain).
async fn planted(app: &TestApp, answer: &str) -> Value {
    let reply = app.get(CAPTCHA, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let token = reply.body["token"].as_str().unwrap();
    let digest = domain::captcha::native_digest(&app.state.db, token, answer).await.unwrap();
    use sea_orm::{ActiveModelTrait, Set};
    entity::captcha::ActiveModel { token: Set(token.into()), answer_digest: Set(digest), ..Default::default() }
        .update(&app.state.db.write)
        .await
        .unwrap();
    reply.body
}

async fn enabled() -> TestApp {
    TestApp::with_settings(|s| s.captcha.enabled = true).await
}

#[tokio::test]
async fn disabled_captcha_is_type_none_and_registration_needs_none() {
    let app = TestApp::new().await;
    for path in both_prefixes(CAPTCHA) {
        let reply = app.get(&path, None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"type": "none"})), "{path}");
    }
    let data = app.graphql(None, "{ captcha { type token url answerData secondsValid } }", json!({})).await;
    assert_eq!(
        data["data"]["captcha"],
        json!({"type": "NONE", "token": null, "url": null, "answerData": null, "secondsValid": null})
    );
    let (_, _, token) = app_token(&app).await;
    let reply = register(&app, &token, body("alice")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body["access_token"].is_string());
}

#[tokio::test]
async fn native_captcha_is_a_png_with_pleromas_keys_on_both_prefixes() {
    let app = enabled().await;
    let mut tokens = Vec::new();
    for path in both_prefixes(CAPTCHA) {
        let reply = app.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(keys(&reply.body), ["answer_data", "seconds_valid", "token", "type", "url"], "{path}");
        assert_eq!((reply.body["type"].clone(), reply.body["seconds_valid"].clone()), (json!("native"), json!(300)));
        let url = reply.body["url"].as_str().unwrap();
        let png = STANDARD.decode(url.strip_prefix("data:image/png;base64,").expect("a PNG data URI")).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        let (width, height) =
            (u32::from_be_bytes(png[16..20].try_into().unwrap()), u32::from_be_bytes(png[20..24].try_into().unwrap()));
        assert!(width >= 100 && height >= 50, "{width}x{height}");
        tokens.push(reply.body["token"].as_str().unwrap().to_string());
    }
    assert_ne!(tokens[0], tokens[1], "a new captcha each time");
    // Only a digest of the answer is stored.
    use sea_orm::EntityTrait;
    let row = entity::captcha::Entity::find_by_id(tokens[0].clone()).one(&app.state.db.read).await.unwrap().unwrap();
    assert_eq!((row.method.as_str(), row.answer_digest.len(), row.used_at), ("native", 64, None));

    let data = app.graphql(None, "{ captcha { type token url answerData secondsValid } }", json!({})).await;
    let captcha = &data["data"]["captcha"];
    assert_eq!((captcha["type"].clone(), captcha["secondsValid"].clone()), (json!("NATIVE"), json!(300)), "{data}");
    assert!(captcha["url"].as_str().unwrap().starts_with("data:image/png;base64,"));
}

#[tokio::test]
async fn the_right_answer_registers_once_and_wrong_reused_or_missing_are_refused() {
    let app = enabled().await;
    let (_, _, token) = app_token(&app).await;

    // Missing parameters, named in Pleroma's order.
    let reply = register(&app, &token, body("alice")).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::BAD_REQUEST, refusal("Invalid CAPTCHA (Missing parameter: captcha_solution)"))
    );
    let captcha = planted(&app, "KnownAnswer").await;
    let mut partial = answered("alice", &captcha, "KnownAnswer");
    partial.as_object_mut().unwrap().remove("captcha_answer_data");
    let reply = register(&app, &token, partial).await;
    assert_eq!(reply.body, refusal("Invalid CAPTCHA (Missing parameter: captcha_answer_data)"));

    // answer_data is bound to its token and cannot be made up.
    let other = planted(&app, "Other").await;
    let mut swapped = answered("alice", &captcha, "KnownAnswer");
    swapped["captcha_answer_data"] = other["answer_data"].clone();
    let reply = register(&app, &token, swapped).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, refusal("Invalid answer data")));
    let mut forged = answered("alice", &captcha, "KnownAnswer");
    forged["captcha_answer_data"] = json!("MTc5OTk5OTk5OQ.AAAA");
    assert_eq!(register(&app, &token, forged).await.body, refusal("Invalid answer data"));

    // The right answer registers; the captcha is then used up.
    let reply = register(&app, &token, answered("alice", &captcha, "KnownAnswer")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body["access_token"].is_string());
    let reply = register(&app, &token, answered("bob", &captcha, "KnownAnswer")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, refusal("CAPTCHA already used")));

    // A wrong answer is refused, and uses the captcha up too (one try each).
    let reply = register(&app, &token, answered("bob", &other, "other")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, refusal("Invalid CAPTCHA")));
    let reply = register(&app, &token, answered("bob", &other, "Other")).await;
    assert_eq!(reply.body, refusal("CAPTCHA already used"));
    assert!(domain::users::find_by_nickname(&app.state.db.read, "bob").await.unwrap().is_none());

    // A second process over the same database agrees the captcha was used.
    let second = app.sharing(|s| s.captcha.enabled = true).await;
    let reply = register(&second, &token, answered("carol", &captcha, "KnownAnswer")).await;
    assert_eq!(reply.body, refusal("CAPTCHA already used"));
    let fresh = planted(&app, "Fresh").await;
    let reply = register(&second, &token, answered("carol", &fresh, "Fresh")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn trusted_apps_need_no_captcha() {
    let app = enabled().await;
    let (client, _, token) = app_token(&app).await;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let mut row = client.into_active_model();
    row.trusted = Set(true);
    row.update(&app.state.db.write).await.unwrap();
    let reply = register(&app, &token, body("alice")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

#[tokio::test]
async fn settings_switched_through_admin_config_take_effect() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let (_, _, token) = app_token(&app).await;
    let set = |value: Value| json!({"configs": [{"group": ":pleroma", "key": "Pleroma.Captcha", "value": value}]});
    let config = "/api/v1/pleroma/admin/config";
    let reply =
        app.request(Method::POST, config, Some(&admin), Some(set(json!([{"tuple": [":enabled", true]}])))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.get(CAPTCHA, None).await.body["type"], "native");
    let reply = register(&app, &token, body("alice")).await;
    assert_eq!(reply.body, refusal("Invalid CAPTCHA (Missing parameter: captcha_solution)"));

    // seconds_valid is read at each check: a captcha older than it has expired.
    let captcha = planted(&app, "Answer").await;
    let reply =
        app.request(Method::POST, config, Some(&admin), Some(set(json!([{"tuple": [":seconds_valid", 0]}])))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // No fixed wait: `answer_data` carries the second the captcha was made; once the clock is
    // past it, the captcha is older than 0 seconds.
    let payload = captcha["answer_data"].as_str().unwrap().split('.').next().unwrap();
    let payload = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    let made_at: i64 = String::from_utf8(payload).unwrap().parse().unwrap();
    crate::common::eventually("the clock to pass the captcha's second", 5, || async {
        (chrono::Utc::now().timestamp() > made_at).then_some(())
    })
    .await;
    let reply = register(&app, &token, answered("alice", &captcha, "Answer")).await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, refusal("CAPTCHA expired")));

    // The method's setting in Pleroma's encoding; a bad one is refused.
    let reply = app.get(config, Some(&admin)).await;
    let entry =
        reply.body["configs"].as_array().unwrap().iter().find(|c| c["key"] == "Pleroma.Captcha").unwrap().clone();
    assert!(entry["value"].as_array().unwrap().contains(&json!({"tuple": [":seconds_valid", 0]})), "{entry}");
    let bad = set(json!([{"tuple": [":method", "Pleroma.Captcha.Mock"]}]));
    let reply = app.request(Method::POST, config, Some(&admin), Some(bad)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(app.state.settings().captcha.method, CaptchaMethod::Native);

    let reply =
        app.request(Method::POST, config, Some(&admin), Some(set(json!([{"tuple": [":enabled", false]}])))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.get(CAPTCHA, None).await.body, json!({"type": "none"}));
    let reply = register(&app, &token, body("alice")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// A Kocaptcha service on a loopback port: `GET /new` → `{"md5", "token", "url"}`.
async fn kocaptcha() -> String {
    let md5 = "5D41402ABC4B2A76B9719D911017C592"; // MD5("hello"), in the service's upper case.
    let router = axum::Router::new().route(
        "/new",
        axum::routing::get(move || async move {
            axum::Json(
                json!({"md5": md5, "token": format!("koto-{}", rand::random::<u32>()), "url": "/captchas/1.png"}),
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn kocaptcha_is_fetched_through_the_outbound_client_and_checked_by_its_md5() {
    let endpoint = kocaptcha().await;
    let at = endpoint.clone();
    let app = TestApp::with_settings(move |s| {
        s.captcha.enabled = true;
        s.captcha.method = CaptchaMethod::Kocaptcha;
        s.captcha.kocaptcha_endpoint = at;
        s.http.allow_private_addresses = true;
    })
    .await;
    let reply = app.get(CAPTCHA, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(keys(&reply.body), ["answer_data", "seconds_valid", "token", "type", "url"]);
    assert_eq!(reply.body["type"], "kocaptcha");
    assert_eq!(reply.body["url"], json!(format!("{endpoint}/captchas/1.png")));
    let (_, _, token) = app_token(&app).await;
    let reply = register(&app, &token, answered("alice", &reply.body, "hello")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let captcha = app.get(CAPTCHA, None).await.body;
    let reply = register(&app, &token, answered("bob", &captcha, "goodbye")).await;
    assert_eq!(reply.body, refusal("Invalid CAPTCHA"));

    // The outbound rules apply: a loopback service is refused unless private addresses are allowed.
    let guarded = TestApp::with_settings(move |s| {
        s.captcha.enabled = true;
        s.captcha.method = CaptchaMethod::Kocaptcha;
        s.captcha.kocaptcha_endpoint = endpoint;
    })
    .await;
    for path in both_prefixes(CAPTCHA) {
        let reply = guarded.get(&path, None).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::BAD_REQUEST, json!({"error": "Kocaptcha service unavailable"})),
            "{path}"
        );
    }
    let data = guarded.graphql(None, "{ captcha { type } }", json!({})).await;
    assert_eq!(data["errors"][0]["extensions"]["code"], "UPSTREAM", "{data}");
    assert_eq!(data["errors"][0]["message"], "Kocaptcha service unavailable");
}

#[tokio::test]
async fn the_route_is_in_the_openapi_document_on_both_prefixes() {
    let app = TestApp::new().await;
    let doc = app.get("/api/openapi", None).await.body;
    for path in both_prefixes(CAPTCHA) {
        assert_eq!(doc["paths"][&path]["get"]["summary"], "Get a new captcha", "{path}");
    }
}
