//! Signing in: the HTML login form and the authorization-code grant (with PKCE), multi-factor
//! authentication end to end (TOTP set up, confirmed, the password grant's `mfa_required`, the
//! challenge, backup codes, switching off), the admin token and the caller's apps.
//! Pleroma: `test/pleroma/web/o_auth/o_auth_controller_test.exs`, `mfa_controller_test.exs`,
//! `test/pleroma/web/pleroma_api/controllers/two_factor_authentication_controller_test.exs`.
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Digest;

use crate::common::{basic, keys, Reply, TestApp, PASSWORD};

const CALLBACK: &str = "https://client.example/callback";
const MFA: &str = "/api/pleroma/accounts/mfa";

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Reply {
    let response = no_redirects().post(format!("{}{path}", app.base)).form(fields).send().await.unwrap();
    Reply::from(response).await
}

/// Register an app; returns `(client_id, client_secret)`.
async fn register(app: &TestApp, redirect_uris: &str) -> (String, String) {
    let reply = form(
        app,
        "/api/v1/apps",
        &[("client_name", "Signin test"), ("redirect_uris", redirect_uris), ("scopes", "read write follow")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    (reply.body["client_id"].as_str().unwrap().into(), reply.body["client_secret"].as_str().unwrap().into())
}

/// The current TOTP code of a base32 secret (6 digits, 30 s), waiting out the end of a period so
/// that the code is still current when the server checks it.
async fn totp_now(secret: &str) -> String {
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // Not within 3 s of the period's end (the server takes no earlier code): at worst, until the
    // next period starts.
    crate::common::eventually("a TOTP period with time left", 5, || async { (now() % 30 < 27).then_some(()) }).await;
    let bytes = totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap();
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 0, 30, bytes).generate(now())
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Form login → redirect with code and state → the code redeemed once → the token works;
/// a second redemption is refused. Follows `o_auth_controller_test.exs` ("POST /oauth/authorize",
/// "POST /oauth/token" with `authorization_code`).
#[tokio::test]
async fn authorization_code_flow_through_the_form() {
    let app = TestApp::new().await;
    app.user("alice").await;
    let (client_id, client_secret) = register(&app, CALLBACK).await;

    let page = app
        .get(&format!("/oauth/authorize?client_id={client_id}&redirect_uri={CALLBACK}&response_type=code&scope=read+write&state=xyz"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    for needle in
        ["Signin test", "authorization[name]", "authorization[password]", "value=\"xyz\"", "value=\"read\" checked"]
    {
        assert!(page.text.contains(needle), "{needle} in {}", page.text);
    }

    let fields = |name: &'static str, password: &'static str| {
        vec![
            ("authorization[name]", name),
            ("authorization[password]", password),
            ("authorization[redirect_uri]", CALLBACK),
            ("authorization[state]", "xyz"),
            ("authorization[scope][]", "read"),
        ]
    };
    let mut wrong = fields("alice", "wrong");
    wrong.push(("authorization[client_id]", client_id.as_str()));
    let refused = form(&app, "/oauth/authorize", &wrong).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.text.contains("Invalid Username/Password"), "{}", refused.text);

    let mut unknown_app = fields("alice", PASSWORD);
    unknown_app.push(("authorization[client_id]", "nope"));
    assert_eq!(form(&app, "/oauth/authorize", &unknown_app).await.status, StatusCode::UNAUTHORIZED);

    let mut unlisted = vec![
        ("authorization[name]", "alice"),
        ("authorization[password]", PASSWORD),
        ("authorization[redirect_uri]", "https://evil.example/"),
        ("authorization[client_id]", client_id.as_str()),
    ];
    let reply = form(&app, "/oauth/authorize", &unlisted).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.text.contains("Invalid Username/Password"));
    unlisted.clear();

    let mut good = fields("alice", PASSWORD);
    good.push(("authorization[client_id]", client_id.as_str()));
    let redirect = form(&app, "/oauth/authorize", &good).await;
    assert_eq!(redirect.status, StatusCode::FOUND, "{}", redirect.text);
    let location = redirect.headers["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    let code = query_param(&location, "code").unwrap();

    let redeem = |code: String| {
        let (client_id, client_secret) = (client_id.clone(), client_secret.clone());
        let app = &app;
        async move {
            form(
                app,
                "/oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("client_id", &client_id),
                    ("client_secret", &client_secret),
                    ("code", &code),
                    ("redirect_uri", CALLBACK),
                ],
            )
            .await
        }
    };
    let token = redeem(code.clone()).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    assert_eq!(
        keys(&token.body),
        ["access_token", "created_at", "expires_in", "id", "me", "refresh_token", "scope", "token_type"]
    );
    assert_eq!(token.body["scope"], "read");
    let access = token.body["access_token"].as_str().unwrap();
    let me = app.get("/api/v1/accounts/verify_credentials", Some(access)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.body["username"], "alice");

    let again = redeem(code).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body, json!({"error": "Invalid credentials"}));
    assert_eq!(redeem("made-up".into()).await.body, json!({"error": "Invalid credentials"}));

    // The out-of-band URI shows the code in a page.
    let (oob_id, _) = register(&app, "urn:ietf:wg:oauth:2.0:oob").await;
    let shown = form(
        &app,
        "/oauth/authorize",
        &[
            ("authorization[name]", "alice@example.org"),
            ("authorization[password]", PASSWORD),
            ("authorization[redirect_uri]", "urn:ietf:wg:oauth:2.0:oob"),
            ("authorization[client_id]", &oob_id),
        ],
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("Token code is"), "{}", shown.text);
}

/// PKCE: an S256 challenge on the form; the right verifier redeems, a wrong one is refused and
/// burns the code; `plain` too.
#[tokio::test]
async fn pkce_is_checked_when_a_challenge_was_sent() {
    let app = TestApp::new().await;
    app.user("alice").await;
    let (client_id, client_secret) = register(&app, CALLBACK).await;
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let code_for = |challenge: String, method: &'static str| {
        let (app, client_id) = (&app, client_id.clone());
        async move {
            let reply = form(
                app,
                "/oauth/authorize",
                &[
                    ("authorization[name]", "alice"),
                    ("authorization[password]", PASSWORD),
                    ("authorization[redirect_uri]", CALLBACK),
                    ("authorization[client_id]", &client_id),
                    ("authorization[code_challenge]", &challenge),
                    ("authorization[code_challenge_method]", method),
                ],
            )
            .await;
            assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text);
            query_param(reply.headers["location"].to_str().unwrap(), "code").unwrap()
        }
    };
    let redeem = |code: String, verifier: Option<&'static str>| {
        let (app, client_id, client_secret) = (&app, client_id.clone(), client_secret.clone());
        async move {
            let mut fields = vec![
                ("grant_type", "authorization_code".to_string()),
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("code", code),
            ];
            if let Some(v) = verifier {
                fields.push(("code_verifier", v.to_string()));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form(app, "/oauth/token", &fields).await
        }
    };
    let code = code_for(challenge.clone(), "S256").await;
    let wrong = redeem(code.clone(), Some("not-the-verifier-not-the-verifier-not-the-v")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.body, json!({"error": "Invalid credentials"}));
    // The wrong attempt used the code up.
    assert_eq!(redeem(code, Some(verifier)).await.status, StatusCode::BAD_REQUEST);

    let code = code_for(challenge.clone(), "S256").await;
    assert_eq!(redeem(code, None).await.status, StatusCode::BAD_REQUEST);
    let code = code_for(challenge, "S256").await;
    assert_eq!(redeem(code, Some(verifier)).await.status, StatusCode::OK);
    let code = code_for("plain-verifier-plain-verifier-plain-verifier".into(), "plain").await;
    assert_eq!(redeem(code, Some("plain-verifier-plain-verifier-plain-verifier")).await.status, StatusCode::OK);
}

/// The login form is throttled per address by the `authentication` limiter; GET is not.
#[tokio::test]
async fn the_login_form_is_throttled() {
    let app =
        TestApp::with_settings(|s| s.rate_limit.authentication = pleroma_gateway::config::Limit::Both([60_000, 2]))
            .await;
    app.user("alice").await;
    let (client_id, _) = register(&app, CALLBACK).await;
    let post = || async {
        let request = no_redirects()
            .post(format!("{}/oauth/authorize", app.base))
            .header("x-forwarded-for", "203.0.113.9")
            .form(&[
                ("authorization[name]", "alice"),
                ("authorization[password]", "x"),
                ("authorization[client_id]", &client_id),
            ]);
        Reply::from(request.send().await.unwrap()).await
    };
    assert_eq!(post().await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(post().await.status, StatusCode::UNAUTHORIZED);
    let throttled = post().await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.body, json!({"error": "Throttled"}));
    assert_eq!(app.get(&format!("/oauth/authorize?client_id={client_id}"), None).await.status, StatusCode::OK);
}

/// Setup → confirm → password grant 403 `mfa_required` → challenge with TOTP → token; a backup
/// code works once; Basic is refused; the form's MFA step; disable. Follows
/// `two_factor_authentication_controller_test.exs` and `mfa_controller_test.exs`.
#[tokio::test]
async fn mfa_life_cycle() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read write").await;
    let (client_id, client_secret) = register(&app, CALLBACK).await;

    let settings = app.get(MFA, Some(&token)).await;
    assert_eq!(settings.body, json!({"settings": {"enabled": false, "totp": false}}));
    let narrow = app.token(&bob, "read:accounts").await;
    let refused = app.get(MFA, Some(&narrow)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: read:security."}));

    let bad_method = app.get(&format!("{MFA}/setup/sms"), Some(&token)).await;
    assert_eq!((bad_method.status, bad_method.body), (StatusCode::BAD_REQUEST, json!({"error": "undefined method"})));
    let setup = app.get(&format!("{MFA}/setup/totp"), Some(&token)).await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.text);
    assert_eq!(keys(&setup.body), ["key", "provisioning_uri"]);
    let secret = setup.body["key"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 16);
    assert_eq!(
        setup.body["provisioning_uri"],
        format!("otpauth://totp/bob@example.org?digits=6&issuer=Pleroma+Gateway&period=30&secret={secret}")
    );

    let confirm = |password: &str, code: &str| {
        let body = json!({"password": password, "code": code});
        let (app, token) = (&app, token.clone());
        async move { app.request(Method::POST, &format!("{MFA}/confirm/totp"), Some(&token), Some(body)).await }
    };
    let wrong_password = confirm("nope", "000000").await;
    assert_eq!(
        (wrong_password.status, wrong_password.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Invalid password."}))
    );
    let wrong_code = confirm(PASSWORD, "000000").await;
    assert_eq!(
        (wrong_code.status, wrong_code.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "invalid_token"}))
    );
    let missing = app.request(Method::POST, &format!("{MFA}/confirm/totp"), Some(&token), Some(json!({}))).await;
    assert_eq!((missing.status, missing.body), (StatusCode::BAD_REQUEST, json!({"error": "undefined mfa method"})));
    let confirmed = confirm(PASSWORD, &totp_now(&secret).await).await;
    assert_eq!((confirmed.status, confirmed.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get(MFA, Some(&token)).await.body, json!({"settings": {"enabled": true, "totp": true}}));

    let codes = app.get(&format!("{MFA}/backup_codes"), Some(&token)).await;
    assert_eq!(codes.status, StatusCode::OK);
    let codes: Vec<String> =
        codes.body["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().into()).collect();
    assert_eq!(codes.len(), 5);
    assert!(codes.iter().all(|c| c.len() == 16 && c.chars().all(|ch| ch.is_ascii_hexdigit())));

    // Basic is refused for an MFA user.
    let basic_reply = basic(&app, Method::GET, "/api/v1/accounts/verify_credentials", "bob", PASSWORD).await;
    assert_eq!(basic_reply.status, StatusCode::FORBIDDEN);
    assert_eq!(basic_reply.body, json!({"error": "Two-factor authentication enabled, you must use a access token."}));

    let password_grant = || async {
        form(
            &app,
            "/oauth/token",
            &[
                ("grant_type", "password"),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("username", "bob"),
                ("password", PASSWORD),
            ],
        )
        .await
    };
    let challenge = |mfa_token: String, kind: &'static str, code: String| {
        let (app, client_id, client_secret) = (&app, client_id.clone(), client_secret.clone());
        async move {
            let body = json!({"client_id": client_id, "client_secret": client_secret, "mfa_token": mfa_token,
                              "challenge_type": kind, "code": code});
            app.request(Method::POST, "/oauth/mfa/challenge", None, Some(body)).await
        }
    };
    let required = password_grant().await;
    assert_eq!(required.status, StatusCode::FORBIDDEN, "{}", required.text);
    assert_eq!(keys(&required.body), ["error", "mfa_token", "supported_challenge_types"]);
    assert_eq!(required.body["error"], "mfa_required");
    assert_eq!(required.body["supported_challenge_types"], "totp");
    let mfa_token = required.body["mfa_token"].as_str().unwrap().to_string();

    let wrong = challenge(mfa_token.clone(), "totp", "000000".into()).await;
    assert_eq!((wrong.status, wrong.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid code"})));
    let made_up = challenge("nope".into(), "totp", totp_now(&secret).await).await;
    assert_eq!(made_up.body, json!({"error": "Invalid code"}));
    let issued = challenge(mfa_token.clone(), "totp", totp_now(&secret).await).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
    assert_eq!(issued.body["me"], bob.ap_id);
    let access = issued.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/accounts/verify_credentials", Some(access)).await.status, StatusCode::OK);
    // The MFA token is spent.
    assert_eq!(challenge(mfa_token, "totp", totp_now(&secret).await).await.status, StatusCode::BAD_REQUEST);

    // A backup code works once.
    let mfa_token = password_grant().await.body["mfa_token"].as_str().unwrap().to_string();
    let recovered = challenge(mfa_token, "recovery", codes[0].clone()).await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.text);
    let mfa_token = password_grant().await.body["mfa_token"].as_str().unwrap().to_string();
    assert_eq!(challenge(mfa_token.clone(), "recovery", codes[0].clone()).await.body, json!({"error": "Invalid code"}));
    assert_eq!(challenge(mfa_token, "recovery", codes[1].clone()).await.status, StatusCode::OK);

    // The login form continues to the TOTP step, then redirects with a code.
    let step = form(
        &app,
        "/oauth/authorize",
        &[
            ("authorization[name]", "bob"),
            ("authorization[password]", PASSWORD),
            ("authorization[redirect_uri]", CALLBACK),
            ("authorization[client_id]", &client_id),
            ("authorization[state]", "s1"),
        ],
    )
    .await;
    assert_eq!(step.status, StatusCode::OK, "{}", step.text);
    assert!(step.text.contains("Two-factor authentication") && step.text.contains("mfa[code]"), "{}", step.text);
    let form_token =
        step.text.split("name=\"mfa[mfa_token]\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let failed = form(
        &app,
        "/oauth/mfa/verify",
        &[
            ("mfa[mfa_token]", &form_token),
            ("mfa[code]", "000000"),
            ("mfa[challenge_type]", "totp"),
            ("mfa[redirect_uri]", CALLBACK),
        ],
    )
    .await;
    assert_eq!(failed.status, StatusCode::UNAUTHORIZED);
    assert!(failed.text.contains("Two-factor authentication failed."));
    let code = totp_now(&secret).await;
    let passed = form(
        &app,
        "/oauth/mfa/verify",
        &[
            ("mfa[mfa_token]", &form_token),
            ("mfa[code]", &code),
            ("mfa[challenge_type]", "totp"),
            ("mfa[redirect_uri]", CALLBACK),
            ("mfa[state]", "s1"),
        ],
    )
    .await;
    assert_eq!(passed.status, StatusCode::FOUND, "{}", passed.text);
    let location = passed.headers["location"].to_str().unwrap().to_string();
    assert_eq!(query_param(&location, "state").as_deref(), Some("s1"));
    let code = query_param(&location, "code").unwrap();
    let redeemed = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("code", &code),
        ],
    )
    .await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.text);

    // Switching off needs the password; then the password grant issues a token again.
    let off = |password: &'static str, method: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            app.request(Method::DELETE, &format!("{MFA}/{method}"), Some(&token), Some(json!({"password": password})))
                .await
        }
    };
    let wrong = off("nope", "totp").await;
    assert_eq!((wrong.status, wrong.body), (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "Invalid password."})));
    let unknown = off(PASSWORD, "sms").await;
    assert_eq!((unknown.status, unknown.body), (StatusCode::BAD_REQUEST, json!({"error": "undefined mfa method"})));
    let done = off(PASSWORD, "totp").await;
    assert_eq!((done.status, done.body), (StatusCode::OK, json!({})));
    assert_eq!(app.get(MFA, Some(&token)).await.body, json!({"settings": {"enabled": false, "totp": false}}));
    assert_eq!(password_grant().await.status, StatusCode::OK);
}

/// The admin's `disable_mfa` clears the secret and the backup codes too.
#[tokio::test]
async fn admin_disable_mfa_clears_the_secret_and_codes() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read write").await;
    let secret = app.get(&format!("{MFA}/setup/totp"), Some(&token)).await.body["key"].as_str().unwrap().to_string();
    let body = json!({"password": PASSWORD, "code": totp_now(&secret).await});
    assert_eq!(
        app.request(Method::POST, &format!("{MFA}/confirm/totp"), Some(&token), Some(body)).await.status,
        StatusCode::OK
    );
    app.get(&format!("{MFA}/backup_codes"), Some(&token)).await;
    let admin = app.admin_token().await;
    let reply = app
        .request(Method::PUT, "/api/v1/pleroma/admin/users/disable_mfa", Some(&admin), Some(json!({"nickname": "bob"})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.get(MFA, Some(&token)).await.body, json!({"settings": {"enabled": false, "totp": false}}));
    let row = pleroma_gateway::domain::mfa::row(&app.state.db.read, &bob.id).await.unwrap();
    assert!(row.is_none());
}

/// GraphQL: the settings query and the setup/backup-code mutations.
#[tokio::test]
async fn mfa_over_graphql() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read write").await;
    let data = app
        .graphql(
            Some(&token),
            "mutation { setupOwnTotp(input: {method: \"totp\"}) { key } generateOwnBackupCodes { codes } }",
            json!({}),
        )
        .await;
    assert_eq!(data["data"]["setupOwnTotp"]["key"].as_str().unwrap().len(), 16, "{data}");
    assert_eq!(data["data"]["generateOwnBackupCodes"]["codes"].as_array().unwrap().len(), 5);
    let secret = data["data"]["setupOwnTotp"]["key"].as_str().unwrap().to_string();
    let code = totp_now(&secret).await;
    let data = app
        .graphql(
            Some(&token),
            "mutation($code: String) { confirmOwnTotp(input: {method: \"totp\", password: \"nope\", code: $code}) { settings { enabled } } }",
            json!({"code": code}),
        )
        .await;
    assert_eq!(data["errors"][0]["extensions"]["code"], "VALIDATION_FAILED", "{data}");
    let data = app
        .graphql(
            Some(&token),
            &format!("mutation {{ confirmOwnTotp(input: {{method: \"totp\", password: \"{PASSWORD}\", code: \"{code}\"}}) {{ settings {{ enabled totp }} }} }}"),
            json!({}),
        )
        .await;
    assert_eq!(data["data"]["confirmOwnTotp"]["settings"], json!({"enabled": true, "totp": true}), "{data}");
    let data = app.graphql(Some(&token), "{ ownMfaSettings { enabled totp } }", json!({})).await;
    assert_eq!(data["data"]["ownMfaSettings"], json!({"enabled": true, "totp": true}));
}

/// The admin token: `?admin_token=` or `X-Admin-Token` acts as an admin on admin routes only,
/// with no account behind it (the moderation log names no actor); a wrong one counts against
/// the `authentication` limit. Follows `admin_secret_authentication_plug_test.exs`.
#[tokio::test]
async fn the_admin_token_acts_as_an_admin_on_admin_routes() {
    let app = TestApp::with_settings(|s| {
        s.admin_token = Some("password123".into());
        s.rate_limit.authentication = pleroma_gateway::config::Limit::Both([60_000, 2]);
    })
    .await;
    app.user("bob").await;
    let users = app.get("/api/v1/pleroma/admin/users?admin_token=password123", None).await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    assert_eq!(users.body["count"], 1);
    let header = |value: &'static str| {
        let app = &app;
        async move {
            let request = app
                .client
                .patch(format!("{}/api/pleroma/admin/users/deactivate", app.base))
                .header("x-admin-token", value)
                .header("x-forwarded-for", "203.0.113.7")
                .json(&json!({"nicknames": ["bob"]}));
            Reply::from(request.send().await.unwrap()).await
        }
    };
    let done = header("password123").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let log = app.get("/api/v1/pleroma/admin/moderation_log?admin_token=password123", None).await;
    assert_eq!(log.body["items"][0]["data"]["actor"]["id"], Value::Null, "{}", log.text);
    assert_eq!(log.body["items"][0]["data"]["actor"]["nickname"], Value::Null);

    let wrong = header("wrong").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(wrong.body, json!({"error": "Invalid credentials."}));
    header("wrong").await;
    assert_eq!(header("wrong").await.status, StatusCode::TOO_MANY_REQUESTS);

    // Not on other routes.
    let own = app.get("/api/pleroma/accounts/mfa?admin_token=password123", None).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    // Unset: ignored.
    let plain = TestApp::new().await;
    assert_eq!(plain.get("/api/v1/pleroma/admin/users?admin_token=", None).await.status, StatusCode::FORBIDDEN);
}

/// `GET /api/v1/pleroma/apps`: the apps the caller owns (created with their token, or signed in
/// to), in AppView's shape; `follow` or `read` scope. Follows `pleroma_api/app_controller_test.exs`.
#[tokio::test]
async fn the_callers_apps() {
    let app = TestApp::new().await;
    let bob = app.user("bob").await;
    let token = app.token(&bob, "read").await;
    let (client_id, client_secret) = register(&app, CALLBACK).await;
    assert_eq!(app.get("/api/v1/pleroma/apps", Some(&token)).await.body, json!([]));
    // Signing in makes the app the user's (`App.maybe_update_owner`).
    let grant = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("username", "bob"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(grant.status, StatusCode::OK);
    for path in ["/api/v1/pleroma/apps", "/api/pleroma/apps"] {
        let apps = app.get(path, Some(&token)).await;
        assert_eq!(apps.status, StatusCode::OK, "{}", apps.text);
        let first = &apps.body[0];
        assert_eq!(keys(first), ["client_id", "client_secret", "id", "name", "redirect_uri", "website"]);
        assert!(first["id"].is_string());
        assert_eq!(first["client_id"], client_id.as_str());
        assert_eq!(first["name"], "Signin test");
        assert_eq!(first["redirect_uri"], CALLBACK);
    }
    let narrow = app.token(&bob, "write").await;
    let refused = app.get("/api/v1/pleroma/apps", Some(&narrow)).await;
    assert_eq!(refused.body, json!({"error": "Insufficient permissions: follow | read."}));
    assert_eq!(app.get("/api/v1/pleroma/apps", None).await.status, StatusCode::FORBIDDEN);
}

/// `DELETE /api/oauth_tokens/:id` answers as `TwitterAPI.Controller.revoke_token`: 201 with an
/// empty body whether or not the id was the caller's (another user's token survives), also
/// with `.json`; a non-integer id is a 400, not a crash.
#[tokio::test]
async fn revoking_a_session_answers_201() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let (mine, spare) = (app.token(&alice, "read").await, app.token(&alice, "read").await);
    let theirs = app.token(&bob, "read").await;
    let bob_id = app.get("/api/oauth_tokens", Some(&theirs)).await.body[0]["id"].as_i64().unwrap();
    let other = app.request(Method::DELETE, &format!("/api/oauth_tokens/{bob_id}"), Some(&mine), None).await;
    assert_eq!((other.status, other.text.as_str()), (StatusCode::CREATED, ""));
    assert_eq!(other.headers["content-type"], "application/json");
    assert_eq!(app.get("/api/oauth_tokens", Some(&theirs)).await.status, StatusCode::OK);
    let list = app.get("/api/oauth_tokens.json", Some(&spare)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let own = list.body.as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).max().unwrap();
    let revoked = app.request(Method::DELETE, &format!("/api/oauth_tokens/{own}.json"), Some(&mine), None).await;
    assert_eq!(revoked.status, StatusCode::CREATED, "{}", revoked.text);
    assert_eq!(app.get("/api/oauth_tokens", Some(&spare)).await.status, StatusCode::FORBIDDEN);
    let bad = app.request(Method::DELETE, "/api/oauth_tokens/abc", Some(&mine), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);
}

/// Housekeeping deletes expired MFA tokens and authorization codes; an expired MFA token is
/// refused before that.
#[tokio::test]
async fn expired_mfa_tokens_and_codes_are_refused_and_deleted() {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = TestApp::new().await;
    let bob = app.user_with("bob", |u| u.mfa_enabled = sea_orm::Set(true)).await;
    let (client_id, client_secret) = register(&app, CALLBACK).await;
    let grant = form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "password"),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("username", "bob"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let mfa_token = grant.body["mfa_token"].as_str().unwrap().to_string();
    let past = chrono::Utc::now() - chrono::Duration::seconds(1);
    entity::mfa_token::Entity::update_many()
        .col_expr(entity::mfa_token::Column::ValidUntil, sea_orm::sea_query::Expr::value(past))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    entity::oauth_authorization::Entity::update_many()
        .col_expr(entity::oauth_authorization::Column::ValidUntil, sea_orm::sea_query::Expr::value(past))
        .exec(&app.state.db.write)
        .await
        .unwrap();
    let body = json!({"client_id": client_id, "client_secret": client_secret, "mfa_token": mfa_token,
                      "challenge_type": "recovery", "code": "x"});
    let refused = app.request(Method::POST, "/oauth/mfa/challenge", None, Some(body)).await;
    assert_eq!((refused.status, refused.body), (StatusCode::BAD_REQUEST, json!({"error": "Invalid code"})));
    app.state.housekeeping().await.unwrap();
    assert_eq!(entity::mfa_token::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
    assert_eq!(entity::oauth_authorization::Entity::find().count(&app.state.db.read).await.unwrap(), 0);
    let _ = bob;
}
