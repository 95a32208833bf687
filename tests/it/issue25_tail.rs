//! Issue 25's last gaps over HTTP: the removed image routes without their image, announcements
//! formatted as Pleroma's `format_input`, TOTP secrets sealed at rest (and plaintext rows
//! sealed on first use), and `[:instance, :multi_factor_authentication]` from the DB config.
use entity::user_mfa;
use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, Set};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp, PASSWORD};

const MFA: &str = "/api/pleroma/accounts/mfa";

/// The current 6-digit code, waiting out the end of a 30 s period.
async fn totp_now(secret: &str) -> String {
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // Not within 3 s of the period's end (the server takes no earlier code): at worst, until the
    // next period starts.
    crate::common::eventually("a TOTP period with time left", 5, || async { (now() % 30 < 27).then_some(()) }).await;
    let bytes = totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap();
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes).generate(now())
}

/// The last `update_avatar` (before Pleroma's c8dd973af) crashed without `img`; here each route
/// names its field: `img` (avatar, background) and `banner`.
#[tokio::test]
async fn removed_image_routes_need_their_image() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    for (route, field) in [("update_avatar", "img"), ("update_background", "img"), ("update_banner", "banner")] {
        for path in both_prefixes(&format!("/api/v1/pleroma/accounts/{route}")) {
            let reply = app.patch(&path, &token, json!({})).await;
            // Pleroma's OpenApiSpex error body, as every missing field here.
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
            assert_eq!(reply.body["error"], json!(format!("Missing field: {field}.")), "{path}");
            assert_eq!(reply.body["errors"][0]["source"]["pointer"], json!(format!("/{field}")), "{path}");
            let cleared = app.patch(&path, &token, json!({ field: "" })).await;
            assert_eq!((cleared.status, cleared.body), (StatusCode::OK, json!({"url": null})), "{path}");
        }
    }
}

/// `Announcement.add_rendered_properties`: `format_input(content, "text/plain", mentions_format:
/// :full)` — links (Linkify, `rel="ugc"`), hashtags, mentions of known accounts, `<br>`.
#[tokio::test]
async fn announcements_are_linkified() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.admin_token().await;
    let url = app.state.settings().instance_url.clone();
    let content = "See https://pleroma.social/about?x=1&y=2 #News\n@bob and @nobody";
    let reply = app
        .request(Method::POST, "/api/v1/pleroma/admin/announcements", Some(&token), Some(json!({"content": content})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let expected = format!(
        "See <a href=\"https://pleroma.social/about?x=1&amp;y=2\" rel=\"ugc\">https://pleroma.social/about?x=1&amp;y=2</a> \
         <a class=\"hashtag\" data-tag=\"news\" href=\"{url}/tag/news\" rel=\"tag ugc\">#News</a><br>\
         <span class=\"h-card\"><a class=\"u-url mention\" data-user=\"{}\" href=\"{}\" rel=\"ugc\">@<span>bob</span></a></span> and @nobody",
        bob.id, bob.ap_id
    );
    assert_eq!(reply.body["content"], json!(expected));
    assert_eq!(reply.body["pleroma"]["raw_content"], content);
    // Local statuses go through the same formatter.
    let b = app.token(&bob, "read write").await;
    let status = crate::statuses::post(&app, &b, json!({"status": "read example.org #Cofe"})).await;
    assert_eq!(
        status["content"],
        json!(format!(
            "read <a href=\"http://example.org\" rel=\"ugc\">example.org</a> <a class=\"hashtag\" data-tag=\"cofe\" href=\"{url}/tag/cofe\" rel=\"tag ugc\">#Cofe</a>"
        ))
    );
}

async fn stored_secret(app: &TestApp, user_id: &str) -> Option<String> {
    user_mfa::Entity::find_by_id(user_id).one(&app.state.db.write).await.unwrap().and_then(|r| r.totp_secret)
}

#[tokio::test]
async fn totp_secrets_are_sealed_at_rest() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read write").await;
    let setup = app.get(&format!("{MFA}/setup/totp"), Some(&token)).await;
    let secret = setup.body["key"].as_str().unwrap().to_string();
    let stored = stored_secret(&app, &bob.id).await.unwrap();
    assert!(!stored.contains(&secret), "the database holds {stored}");
    assert!(stored.starts_with("sealed:v1:"), "{stored}");
    let body = json!({"password": PASSWORD, "code": totp_now(&secret).await});
    let confirmed = app.request(Method::POST, &format!("{MFA}/confirm/totp"), Some(&token), Some(body)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);

    // A row written before sealing is read as plaintext and sealed on that first use.
    let carol = app.user("carol").await;
    let plain = "JBSWY3DPEHPK3PXP";
    user_mfa::Entity::insert(user_mfa::ActiveModel {
        user_id: Set(carol.id.clone()),
        totp_secret: Set(Some(plain.into())),
        totp_confirmed: Set(false),
        backup_codes: Set("[]".into()),
        updated_at: Set(chrono::Utc::now()),
    })
    .exec(&app.state.db.write)
    .await
    .unwrap();
    let c = app.token(&carol, "read write").await;
    let body = json!({"password": PASSWORD, "code": totp_now(plain).await});
    let confirmed = app.request(Method::POST, &format!("{MFA}/confirm/totp"), Some(&c), Some(body)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text);
    let stored = stored_secret(&app, &carol.id).await.unwrap();
    assert!(!stored.contains(plain) && stored.starts_with("sealed:v1:"), "{stored}");
}

#[tokio::test]
async fn mfa_settings_come_from_the_db_config() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read write").await;
    let value = json!([{"tuple": [":multi_factor_authentication", [
        {"tuple": [":totp", [{"tuple": [":digits", 8]}, {"tuple": [":period", 60]}]]},
        {"tuple": [":backup_codes", [{"tuple": [":number", 3]}, {"tuple": [":length", 8]}]]}
    ]]}]);
    let configs = json!({"configs": [{"group": ":pleroma", "key": ":instance", "value": value}]});
    let saved = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(configs)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);

    let setup = app.get(&format!("{MFA}/setup/totp"), Some(&token)).await;
    let uri = setup.body["provisioning_uri"].as_str().unwrap();
    assert!(uri.contains("digits=8") && uri.contains("period=60"), "{uri}");
    let codes = app.get(&format!("{MFA}/backup_codes"), Some(&token)).await;
    let codes: Vec<Value> = codes.body["codes"].as_array().unwrap().clone();
    assert_eq!(codes.len(), 3);
    assert!(codes.iter().all(|c| c.as_str().unwrap().len() == 8), "{codes:?}");

    // A value Pleroma's TOTP cannot take is refused.
    let bad = json!([{"tuple": [":multi_factor_authentication", [{"tuple": [":totp", [{"tuple": [":digits", 4]}]]}]]}]);
    let configs = json!({"configs": [{"group": ":pleroma", "key": ":instance", "value": bad}]});
    let refused = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(configs)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
}
