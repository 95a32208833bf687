//! One authorization decision (issue 24 §2 and §4): a nested field that shows what an Admin API
//! route shows carries that route's privilege and scope, and a request answers the same whether
//! the executor runs it prechecked (one static walk of the document) or field by field through
//! the access extension.
use reqwest::{Method, StatusCode};
use sea_orm::Set;
use serde_json::{json, Value};

use crate::common::TestApp;

const ACCOUNT_ADMIN: &str =
    "query($id: ID!) { account(id: $id) { adminUser { email roles { admin moderator } registrationReason } } }";

/// `Account.adminUser` (email, roles, registration reason) is what
/// `GET /api/v1/pleroma/admin/users/:nickname` shows: whoever that route refuses is refused it,
/// whatever root field reaches it, except within the staff report and status lists, whose own
/// routes show it to whoever may read them.
#[tokio::test]
async fn admin_side_of_accounts_carries_its_routes_rule() {
    let app = TestApp::new().await;
    let alice = app.user_with("alice", |u| u.registration_reason = Set(Some("let me in".into()))).await;
    let bob = app.user("bob").await;
    let moderator = app.moderator("mod").await;
    let admin = app.admin("admin").await;
    let variables = json!({"id": alice.id});
    let bob_token = app.token(&bob, "read write follow push").await;
    let report = app
        .request(
            Method::POST,
            "/api/v1/reports",
            Some(&bob_token),
            Some(json!({"account_id": alice.id, "comment": "x"})),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);

    // A default moderator (reports and message deletion, no `users_read`) with a `push` token, or
    // with the reports scope; a user with every scope.
    for (who, scopes) in [
        (&moderator, "push"),
        (&moderator, "read write follow push admin:read:reports"),
        (&bob, "read write follow push admin"),
    ] {
        let token = app.token(who, scopes).await;
        let reply = app.graphql(Some(&token), ACCOUNT_ADMIN, variables.clone()).await;
        assert_eq!(reply["data"]["account"], Value::Null, "{scopes}: {reply}");
        assert_eq!(reply["errors"][0]["extensions"]["code"], "FORBIDDEN", "{reply}");
        assert_eq!(reply["errors"][0]["path"], json!(["account", "adminUser"]), "{reply}");
        assert!(!reply.to_string().contains("alice@example.org"), "{reply}");
        // The same fields, spread through a fragment under an alias.
        let spread =
            "query($id: ID!) { a: account(id: $id) { ...A } } fragment A on Account { x: adminUser { email } }";
        let reply = app.graphql(Some(&token), spread, variables.clone()).await;
        assert!(!reply.to_string().contains("alice@example.org"), "{reply}");
        // REST refuses the same caller.
        let rest = app.get("/api/v1/pleroma/admin/users/alice", Some(&token)).await;
        assert_eq!(rest.status, StatusCode::FORBIDDEN, "{scopes}: {}", rest.text);
    }

    // Within the reports list the moderator's reports privilege and scope stand in, as they do
    // for `GET /api/v1/pleroma/admin/reports` — not through `account`, in the same document.
    let token = app.token(&moderator, "admin:read:reports").await;
    let both = "query($id: ID!) { reports { nodes { account { ...A } } } account(id: $id) { ...A } }
        fragment A on Account { adminUser { email } }";
    let reply = app.graphql(Some(&token), both, variables.clone()).await;
    assert_eq!(reply["data"]["reports"]["nodes"][0]["account"]["adminUser"]["email"], "alice@example.org", "{reply}");
    assert_eq!(reply["data"]["account"], Value::Null, "{reply}");
    assert_eq!(reply["errors"][0]["path"], json!(["account", "adminUser"]), "{reply}");
    let rest = app.get("/api/v1/pleroma/admin/reports", Some(&token)).await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
    assert_eq!(rest.body["reports"][0]["account"]["email"], "alice@example.org", "{}", rest.text);

    // A user's own reports show Mastodon accounts only.
    let mine =
        app.graphql(Some(&bob_token), "{ myReports { nodes { account { adminUser { email } } } } }", json!({})).await;
    assert_eq!(mine["errors"][0]["extensions"]["code"], "FORBIDDEN", "{mine}");
    assert!(!mine.to_string().contains("alice@example.org"), "{mine}");

    // An admin with the accounts scope reads it anywhere.
    let token = app.token(&admin, "admin:read:accounts").await;
    let reply = app.graphql(Some(&token), ACCOUNT_ADMIN, variables).await;
    assert_eq!(
        reply["data"]["account"]["adminUser"],
        json!({"email": "alice@example.org", "roles": {"admin": false, "moderator": false}, "registrationReason": "let me in"}),
        "{reply}"
    );
}
