//! Registration invites (§7): the four invite types, listing, revocation, invitation mails, and
//! registration on a closed instance with each type of invite.
use chrono::{Duration, Utc};
use entity::user_invite_token;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};

use crate::{
    common::{assert_no_content, both_prefixes, keys, TestApp},
    credentials::outbox,
    registration::{app_token, body},
};

const V1: &str = "/api/v1/pleroma/admin/users";

async fn create(app: &TestApp, token: &str, path: &str, params: Value) -> Value {
    let reply = app.request(Method::POST, path, Some(token), Some(params)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

/// An instance closed to registrations that takes invites.
async fn invite_only() -> TestApp {
    TestApp::with_settings(|s| {
        s.instance.registrations_open = false;
        s.instance.invites_enabled = true;
    })
    .await
}

#[tokio::test]
async fn invite_types_list_and_revoke_on_both_prefixes() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read:invites admin:write:invites").await;
    let tomorrow = (Utc::now() + Duration::days(1)).date_naive().to_string();
    for path in both_prefixes(&format!("{V1}/invite_token")) {
        let one = create(&app, &token, &path, json!({})).await;
        assert_eq!(
            keys(&one),
            ["expires_at", "id", "invite_type", "max_use", "token", "used", "uses"],
            "Pleroma's InviteView keys"
        );
        assert!(one["id"].is_i64());
        assert_eq!(one["invite_type"], "one_time");
        assert_eq!((one["used"].clone(), one["uses"].clone()), (json!(false), json!(0)));
        assert_eq!((one["max_use"].clone(), one["expires_at"].clone()), (Value::Null, Value::Null));
        assert_eq!(one["token"].as_str().unwrap().len(), 44);
        let reusable = create(&app, &token, &path, json!({"max_use": 3})).await;
        assert_eq!((reusable["invite_type"].clone(), reusable["max_use"].clone()), (json!("reusable"), json!(3)));
        let dated = create(&app, &token, &path, json!({"expires_at": tomorrow})).await;
        assert_eq!(
            (dated["invite_type"].clone(), dated["expires_at"].clone()),
            (json!("date_limited"), json!(tomorrow))
        );
        let both = create(&app, &token, &path, json!({"max_use": 2, "expires_at": tomorrow})).await;
        assert_eq!(both["invite_type"], "reusable_date_limited");
    }
    for path in both_prefixes(&format!("{V1}/invites")) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(keys(&reply.body), ["invites"]);
        let invites = reply.body["invites"].as_array().unwrap();
        assert_eq!(invites.len(), 8);
        let ids: Vec<i64> = invites.iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    }
    let first = app.get(&format!("{V1}/invites"), Some(&token)).await.body["invites"][0].clone();
    for path in both_prefixes(&format!("{V1}/revoke_invite")) {
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"token": first["token"]}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["used"], true);
        assert_eq!(reply.body["id"], first["id"]);
        let missing = app.request(Method::POST, &path, Some(&token), Some(json!({"token": "nope"}))).await;
        assert_eq!((missing.status, missing.body), (StatusCode::NOT_FOUND, json!({"error": "Not found"})));
        let no_token = app.request(Method::POST, &path, Some(&token), Some(json!({}))).await;
        assert_eq!(no_token.status, StatusCode::BAD_REQUEST);
        assert_eq!(no_token.body["error"], "Missing field: token.");
    }
    // Privileges: a moderator lacks users_manage_invites; scopes are checked too.
    let moderator = app.moderator("mod").await;
    let mod_token = app.token(&moderator, "admin").await;
    let refused = app.get(&format!("{V1}/invites"), Some(&mod_token)).await;
    assert_eq!((refused.status, refused.body), (StatusCode::FORBIDDEN, json!({"error": "User isn't privileged."})));
    let read_only = app.token(&admin, "admin:read:invites").await;
    let refused = app.request(Method::POST, &format!("{V1}/invite_token"), Some(&read_only), Some(json!({}))).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::FORBIDDEN, json!({"error": "Insufficient permissions: admin:write:invites."}))
    );
}

#[tokio::test]
async fn email_invite_refusals_and_mail() {
    let open = TestApp::new().await;
    let admin = open.admin("root").await;
    let token = open.token(&admin, "admin:write:invites").await;
    for path in both_prefixes(&format!("{V1}/email_invite")) {
        let reply = open.request(Method::POST, &path, Some(&token), Some(json!({"email": "a@example.org"}))).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                StatusCode::BAD_REQUEST,
                json!({"error": "To send invites you need to set the `registrations_open` option to false."})
            )
        );
    }
    let closed = TestApp::with_settings(|s| s.instance.registrations_open = false).await;
    let admin = closed.admin("root").await;
    let token = closed.token(&admin, "admin:write:invites").await;
    let reply = closed
        .request(Method::POST, &format!("{V1}/email_invite"), Some(&token), Some(json!({"email": "a@example.org"})))
        .await;
    assert_eq!(
        (reply.status, reply.body),
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "To send invites you need to set the `invites_enabled` option to true."})
        )
    );

    let off = TestApp::with_settings(|s| {
        s.instance.registrations_open = false;
        s.instance.invites_enabled = true;
        s.mailer.enabled = false;
    })
    .await;
    let admin = off.admin("root").await;
    let token = off.token(&admin, "admin:write:invites").await;
    let reply = off
        .request(Method::POST, &format!("{V1}/email_invite"), Some(&token), Some(json!({"email": "a@example.org"})))
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::BAD_REQUEST, json!({"error": "deliveries_disabled"})));

    let app = invite_only().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write:invites").await;
    for (i, path) in both_prefixes(&format!("{V1}/email_invite")).into_iter().enumerate() {
        let to = format!("friend{i}@example.org");
        let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"email": to, "name": "Friend"}))).await;
        assert_no_content(&reply);
        let mails = outbox(&app);
        let mail = mails.last().unwrap();
        assert!(mail.to.contains(&to), "{mail:?}");
        assert!(mail.subject.starts_with("Invitation to "), "{mail:?}");
        let invites = user_invite_token::Entity::find().all(&app.state.db.read).await.unwrap();
        let invite = invites.last().unwrap();
        assert_eq!(invite.invite_type, "one_time");
        // The mail carries the token; the row keeps only its digest.
        let prefix = format!("{}/registration/", app.state.settings().instance_url.trim_end_matches('/'));
        let (_, after) = mail.body.split_once(&prefix).expect("a registration link");
        let sent: String = after.chars().take_while(|c| !c.is_whitespace()).collect();
        assert_eq!(invite.token, pleroma_gateway::domain::token_digest::digest(&sent), "{}", mail.body);
    }
    let bad = app.request(Method::POST, &format!("{V1}/email_invite"), Some(&token), Some(json!({}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"], "Missing field: email.");
}

async fn register(app: &TestApp, app_token: &str, nickname: &str, invite: Option<&str>) -> crate::common::Reply {
    let mut params = body(nickname);
    if let Some(invite) = invite {
        params["token"] = json!(invite);
    }
    app.request(Method::POST, "/api/v1/accounts", Some(app_token), Some(params)).await
}

fn refused(reply: &crate::common::Reply, message: &str) {
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::BAD_REQUEST, json!({ "error": message })),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn closed_instance_registers_with_each_invite_type() {
    let app = invite_only().await;
    let (_, _, client) = app_token(&app).await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:write:invites").await;
    let path = format!("{V1}/invite_token");
    let tomorrow = (Utc::now() + Duration::days(1)).date_naive().to_string();

    // No token, or an unknown one.
    refused(&register(&app, &client, "nobody", None).await, "Invalid token");
    refused(&register(&app, &client, "nobody", Some("unknown")).await, "Invalid token");

    // One-time: one registration, then expired.
    let one = create(&app, &token, &path, json!({})).await;
    let one_token = one["token"].as_str().unwrap();
    let ok = register(&app, &client, "first", Some(one_token)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert!(ok.body["access_token"].is_string());
    refused(&register(&app, &client, "second", Some(one_token)).await, "Expired token");

    // Reusable: max_use registrations, counted; a failed registration uses nothing.
    let reusable = create(&app, &token, &path, json!({"max_use": 2})).await;
    let reusable_token = reusable["token"].as_str().unwrap();
    let taken = register(&app, &client, "first", Some(reusable_token)).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST, "{}", taken.text);
    let row = user_invite_token::Entity::find_by_id(reusable["id"].as_i64().unwrap())
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.uses, 0, "the failed registration's use is rolled back");
    for nickname in ["r1", "r2"] {
        let ok = register(&app, &client, nickname, Some(reusable_token)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    }
    refused(&register(&app, &client, "r3", Some(reusable_token)).await, "Expired token");
    let listed = app.get(&format!("{V1}/invites"), Some(&app.token(&admin, "admin:read:invites").await)).await;
    let shown = listed.body["invites"].as_array().unwrap().iter().find(|i| i["id"] == reusable["id"]).unwrap().clone();
    assert_eq!((shown["uses"].clone(), shown["used"].clone()), (json!(2), json!(true)));

    // Date-limited: any number until the day passes.
    let dated = create(&app, &token, &path, json!({"expires_at": tomorrow})).await;
    let dated_token = dated["token"].as_str().unwrap();
    for nickname in ["d1", "d2"] {
        let ok = register(&app, &client, nickname, Some(dated_token)).await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    }
    let mut row: user_invite_token::ActiveModel = user_invite_token::Entity::find_by_id(dated["id"].as_i64().unwrap())
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.expires_at = Set(Some((Utc::now() - Duration::days(1)).date_naive()));
    row.update(&app.state.db.write).await.unwrap();
    refused(&register(&app, &client, "d3", Some(dated_token)).await, "Expired token");

    // Reusable and date-limited: both limits.
    let both = create(&app, &token, &path, json!({"max_use": 1, "expires_at": tomorrow})).await;
    let both_token = both["token"].as_str().unwrap();
    let ok = register(&app, &client, "b1", Some(both_token)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    refused(&register(&app, &client, "b2", Some(both_token)).await, "Expired token");

    // Revoked.
    let revoked = create(&app, &token, &path, json!({"max_use": 5})).await;
    let reply = app
        .request(Method::POST, &format!("{V1}/revoke_invite"), Some(&token), Some(json!({"token": revoked["token"]})))
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    refused(&register(&app, &client, "v1", Some(revoked["token"].as_str().unwrap())).await, "Expired token");

    // nodeinfo follows the setting.
    let nodeinfo = app.get("/nodeinfo/2.1.json", None).await;
    assert_eq!(nodeinfo.body["metadata"]["invitesEnabled"], true, "{}", nodeinfo.text);
    assert_eq!(nodeinfo.body["openRegistrations"], false);
}

#[tokio::test]
async fn open_registration_ignores_invite_tokens() {
    let app = TestApp::new().await;
    let (_, _, client) = app_token(&app).await;
    let ok = register(&app, &client, "walkin", Some("whatever")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    let nodeinfo = app.get("/nodeinfo/2.1.json", None).await;
    assert_eq!(nodeinfo.body["metadata"]["invitesEnabled"], false);
}

#[tokio::test]
async fn graphql_invites() {
    let app = TestApp::new().await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read:invites admin:write:invites").await;
    let created = app
        .graphql(
            Some(&token),
            "mutation { createInvite(input: {maxUse: 4}) { invite { id token inviteType maxUse uses used expiresAt } } }",
            json!({}),
        )
        .await;
    let invite = &created["data"]["createInvite"]["invite"];
    assert_eq!(invite["inviteType"], "reusable", "{created}");
    let listed = app.graphql(Some(&token), "{ invites { totalCount nodes { id inviteType } } }", json!({})).await;
    assert_eq!(listed["data"]["invites"]["totalCount"], 1, "{listed}");
    let revoked = app
        .graphql(
            Some(&token),
            "mutation($t: String!) { revokeInvite(input: {token: $t}) { invite { used } } }",
            json!({"t": invite["token"]}),
        )
        .await;
    assert_eq!(revoked["data"]["revokeInvite"]["invite"]["used"], true, "{revoked}");
    let missing = app
        .graphql(Some(&token), "mutation { revokeInvite(input: {token: \"x\"}) { invite { id } } }", json!({}))
        .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND", "{missing}");
}

/// Issue 24: invite tokens are stored as digests. The token is shown once, when created; the
/// list shows the digest, which revokes (admin-fe revokes with the listed value) but does not
/// register; existing plain tokens are converted by the migration and keep working.
#[tokio::test]
async fn invite_tokens_are_stored_as_digests() {
    use pleroma_gateway::domain::token_digest::digest;
    let app = invite_only().await;
    let (_, _, client) = app_token(&app).await;
    let admin = app.admin("root").await;
    let token = app.token(&admin, "admin:read:invites admin:write:invites").await;
    let created = create(&app, &token, &format!("{V1}/invite_token"), json!({"max_use": 5})).await;
    let plain = created["token"].as_str().unwrap().to_string();
    let row = user_invite_token::Entity::find_by_id(created["id"].as_i64().unwrap())
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.token, digest(&plain));
    let listed = app.get(&format!("{V1}/invites"), Some(&token)).await.body["invites"][0].clone();
    assert_eq!(keys(&listed), keys(&created), "the list keeps Pleroma's InviteView keys");
    let listed_token = listed["token"].as_str().unwrap().to_string();
    assert_eq!(listed_token, digest(&plain));
    // The digest registers no one; the token does.
    refused(&register(&app, &client, "viadigest", Some(&listed_token)).await, "Invalid token");
    let ok = register(&app, &client, "viatoken", Some(&plain)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    // Revoked with the listed value, or with the token.
    let reply = app
        .request(Method::POST, &format!("{V1}/revoke_invite"), Some(&token), Some(json!({"token": listed_token})))
        .await;
    assert_eq!((reply.status, reply.body["used"].clone()), (StatusCode::OK, json!(true)), "{}", reply.text);
    let other = create(&app, &token, &format!("{V1}/invite_token"), json!({})).await;
    let reply = app
        .request(Method::POST, &format!("{V1}/revoke_invite"), Some(&token), Some(json!({"token": other["token"]})))
        .await;
    assert_eq!((reply.status, reply.body["id"].clone()), (StatusCode::OK, other["id"].clone()), "{}", reply.text);
}

/// Issue 24: the migration turns invite tokens stored in plain into digests; they still register.
#[tokio::test]
async fn plain_invite_tokens_are_migrated_to_digests() {
    use migration::MigratorTrait;
    use pleroma_gateway::db::Db;
    let dir = std::env::temp_dir().join(format!("gw-migrate-invites-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    let (url, pg) = crate::common::fresh_database(&dir).await;
    let db = Db::connect(&url).await.unwrap();
    let before = migration::Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261206_000024_invite_token_digests")
        .unwrap();
    migration::Migrator::up(&db.write, Some(before as u32)).await.unwrap();
    let now = Utc::now();
    user_invite_token::ActiveModel {
        token: Set("an-old-plain-token".into()),
        used: Set(false),
        max_use: Set(None),
        expires_at: Set(None),
        uses: Set(0),
        invite_type: Set("one_time".into()),
        inserted_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&db.write)
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let row = user_invite_token::Entity::find().one(&db.read).await.unwrap().unwrap();
    assert_eq!(row.token, pleroma_gateway::domain::token_digest::digest("an-old-plain-token"));
    let found = pleroma_gateway::domain::invites::by_token(&db.read, "an-old-plain-token").await.unwrap();
    assert_eq!(found.map(|f| f.id), Some(row.id));
    db.read.close_by_ref().await.ok();
    db.write.close_by_ref().await.ok();
    crate::common::drop_database(pg).await;
    std::fs::remove_dir_all(dir).ok();
}
