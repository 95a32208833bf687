//! The moderation policies (MRF) on what is imported and what local users post: SimplePolicy,
//! TagPolicy, KeywordPolicy, HashtagPolicy, ObjectAgePolicy and HellthreadPolicy each change (or
//! refuse) the status, as the admin API then shows it; a refused import writes nothing of it;
//! admin-fe's "Enable MRF TagPolicy"; nodeinfo's `metadata.federation` and GraphQL's
//! `moderationPolicies`.
use entity::{follow, report, status, user};
use pleroma_gateway::{
    config::{
        mrf::{AgeAction, DomainRule, Pattern, Replacement},
        Settings,
    },
    domain::remote_import::{self as import, Document, ImportReport},
};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};

const PREFIX: &str = "Pleroma.Web.ActivityPub.MRF.";

fn policies(settings: &mut Settings, names: &[&str]) {
    settings.mrf.policies.0 = names.iter().map(|n| format!("{PREFIX}{n}")).collect();
}

fn rules(domains: &[(&str, &str)]) -> Vec<DomainRule> {
    domains.iter().map(|(d, r)| DomainRule { domain: d.to_string(), reason: r.to_string() }).collect()
}

async fn run_import(app: &TestApp, doc: Value) -> ImportReport {
    let doc: Document = serde_json::from_value(doc).unwrap();
    import::import(&app.state.db, &app.state.settings(), &doc).await.unwrap()
}

async fn status_by_ap(app: &TestApp, ap_id: &str) -> Option<status::Model> {
    status::Entity::find().filter(status::Column::ApId.eq(ap_id)).one(&app.state.db.read).await.unwrap()
}

/// The status as the admin API shows it, on both prefixes.
async fn admin_status(app: &TestApp, token: &str, id: &str) -> Value {
    let mut shown = Vec::new();
    for path in both_prefixes(&format!("/api/v1/pleroma/admin/statuses/{id}")) {
        let reply = app.get(&path, Some(token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        shown.push(reply.body);
    }
    assert_eq!(shown[0], shown[1]);
    shown.remove(0)
}

async fn post(app: &TestApp, token: &str, body: Value) -> crate::common::Reply {
    app.request(Method::POST, "/api/v1/statuses", Some(token), Some(body)).await
}

async fn tag(app: &TestApp, token: &str, nickname: &str, tag: &str) {
    let body = json!({"nicknames": [nickname], "tags": [tag]});
    let reply = app.request(Method::PUT, "/api/v1/pleroma/admin/users/tag", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
}

fn actor(host: &str, name: &str) -> Value {
    json!({"ap_id": format!("https://{host}/users/{name}"), "nickname": format!("{name}@{host}"),
           "avatar": format!("https://{host}/{name}.png"), "banner": format!("https://{host}/{name}-banner.png")})
}

fn note(host: &str, name: &str, n: u32, extra: Value) -> Value {
    let mut note = json!({"ap_id": format!("https://{host}/objects/{n}"), "actor": format!("https://{host}/users/{name}"),
                          "content": format!("<p>note {n}</p>")});
    note.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    note
}

#[tokio::test]
async fn simple_policy_rejects_strips_media_and_drops_reports_on_import() {
    let app = TestApp::with_settings(|s| {
        policies(s, &["SimplePolicy"]);
        s.mrf.simple.reject = rules(&[("*.bad.example", "spam")]);
        s.mrf.simple.media_removal = rules(&[("media.example", "")]);
        s.mrf.simple.media_nsfw = rules(&[("nsfw.example", "")]);
        s.mrf.simple.report_removal = rules(&[("media.example", "")]);
        s.mrf.simple.avatar_removal = rules(&[("media.example", "")]);
        s.mrf.simple.banner_removal = rules(&[("media.example", "")]);
        s.mrf.simple.federated_timeline_removal = rules(&[("nsfw.example", "")]);
    })
    .await;
    let token = app.admin_token().await;
    let before = status::Entity::find().count(&app.state.db.read).await.unwrap();
    let done = run_import(
        &app,
        json!({
            "actors": [actor("a.bad.example", "troll"), actor("media.example", "m"), actor("nsfw.example", "n")],
            "statuses": [
                note("a.bad.example", "troll", 1, json!({})),
                note("media.example", "m", 2, json!({"attachments": ["https://media.example/cat.png"]})),
                // A reply to a refused status is left out with it.
                note("media.example", "m", 3, json!({"in_reply_to": "https://a.bad.example/objects/1"})),
                note("nsfw.example", "n", 4, json!({"attachments": ["https://nsfw.example/x.png"]})),
            ],
            "follows": [{"follower": "https://a.bad.example/users/troll", "followed": "https://media.example/users/m"}],
            "reports": [{"ap_id": "https://media.example/flags/1", "actor": "https://media.example/users/m",
                         "account": "https://nsfw.example/users/n"}]
        }),
    )
    .await;
    assert_eq!(
        done,
        ImportReport { actors: 2, statuses: 2, follows: 0, reports: 0, rejected: 5 },
        "the troll, its status, the reply to it, its follow and the removed report"
    );
    let db = &app.state.db.read;
    assert_eq!(user::Entity::find().filter(user::Column::Domain.eq("a.bad.example")).count(db).await.unwrap(), 0);
    assert!(status_by_ap(&app, "https://a.bad.example/objects/1").await.is_none());
    assert!(status_by_ap(&app, "https://media.example/objects/3").await.is_none());
    assert_eq!(status::Entity::find().count(db).await.unwrap(), before + 2);
    assert_eq!(
        (follow::Entity::find().count(db).await.unwrap(), report::Entity::find().count(db).await.unwrap()),
        (0, 0)
    );

    let m = user::Entity::find().filter(user::Column::Nickname.eq("m@media.example")).one(db).await.unwrap().unwrap();
    assert_eq!((m.avatar, m.banner), (None, None));
    let stripped = status_by_ap(&app, "https://media.example/objects/2").await.unwrap();
    let shown = admin_status(&app, &token, &stripped.id).await;
    assert_eq!((shown["media_attachments"].clone(), shown["sensitive"].clone()), (json!([]), json!(false)));
    let marked = status_by_ap(&app, "https://nsfw.example/objects/4").await.unwrap();
    let shown = admin_status(&app, &token, &marked.id).await;
    assert_eq!(shown["media_attachments"][0]["url"], "https://nsfw.example/x.png");
    assert_eq!((shown["sensitive"].clone(), shown["visibility"].clone()), (json!(true), json!("unlisted")));

    // A file whose every entry is refused writes nothing.
    let again = run_import(
        &app,
        json!({"actors": [actor("b.bad.example", "x")], "statuses": [note("b.bad.example", "x", 9, json!({}))]}),
    )
    .await;
    assert_eq!(again, ImportReport { rejected: 2, ..ImportReport::default() });
    assert_eq!(status::Entity::find().count(db).await.unwrap(), before + 2);
    assert_eq!(user::Entity::find().filter(user::Column::Domain.eq("b.bad.example")).count(db).await.unwrap(), 0);
}

#[tokio::test]
async fn simple_policy_accept_list_and_local_posts() {
    let app = TestApp::with_settings(|s| {
        policies(s, &["SimplePolicy"]);
        s.mrf.simple.accept = rules(&[("friends.example", "")]);
    })
    .await;
    let done = run_import(
        &app,
        json!({"actors": [actor("friends.example", "f"), actor("stranger.example", "s")],
               "statuses": [note("friends.example", "f", 1, json!({})), note("stranger.example", "s", 2, json!({}))]}),
    )
    .await;
    assert_eq!(done, ImportReport { actors: 1, statuses: 1, rejected: 2, ..ImportReport::default() });
    // Local users are always accepted, and so are reblogs of their statuses.
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let mine = post(&app, &token, json!({"status": "hi"})).await;
    assert_eq!(mine.status, StatusCode::OK);
    let mine = status::Entity::find_by_id(mine.body["id"].as_str().unwrap()).one(&app.state.db.read).await.unwrap();
    let done = run_import(
        &app,
        json!({"statuses": [note("friends.example", "f", 3, json!({"reblog_of": mine.unwrap().ap_id}))]}),
    )
    .await;
    assert_eq!((done.statuses, done.rejected), (1, 0));
}

#[tokio::test]
async fn tag_policy_changes_posts_and_refuses_follows() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    // TagPolicy is one of Pleroma's default policies.
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let alice_token = app.token(&alice, "write").await;
    let bob_token = app.token(&bob, "write").await;
    tag(&app, &admin, "alice", "mrf_tag:sandbox").await;
    tag(&app, &admin, "bob", "mrf_tag:force-unlisted").await;
    let sandboxed = post(&app, &alice_token, json!({"status": "public?", "visibility": "public"})).await;
    assert_eq!(sandboxed.status, StatusCode::OK, "{}", sandboxed.text);
    let shown = admin_status(&app, &admin, sandboxed.body["id"].as_str().unwrap()).await;
    assert_eq!(shown["visibility"], "private");
    let unlisted = post(&app, &bob_token, json!({"status": "public?"})).await;
    assert_eq!(admin_status(&app, &admin, unlisted.body["id"].as_str().unwrap()).await["visibility"], "unlisted");
    let direct = post(&app, &bob_token, json!({"status": "@alice psst", "visibility": "direct"})).await;
    assert_eq!(admin_status(&app, &admin, direct.body["id"].as_str().unwrap()).await["visibility"], "direct");

    // Remote users: known first, then tagged, then their statuses and follows arrive.
    run_import(&app, json!({"actors": [actor("r.example", "nsfw"), actor("r.example", "strip")]})).await;
    tag(&app, &admin, "nsfw@r.example", "mrf_tag:media-force-nsfw").await;
    tag(&app, &admin, "strip@r.example", "mrf_tag:media-strip").await;
    tag(&app, &admin, "alice", "mrf_tag:disable-remote-subscription").await;
    tag(&app, &admin, "bob", "mrf_tag:disable-any-subscription").await;
    let image = json!({"attachments": ["https://r.example/a.png"]});
    let done = run_import(
        &app,
        json!({
            "statuses": [note("r.example", "nsfw", 1, image.clone()), note("r.example", "strip", 2, image)],
            "follows": [
                {"follower": "https://r.example/users/nsfw", "followed": alice.ap_id},
                {"follower": "https://r.example/users/nsfw", "followed": bob.ap_id},
                {"follower": alice.ap_id, "followed": "https://r.example/users/strip"},
            ]
        }),
    )
    .await;
    assert_eq!(done, ImportReport { statuses: 2, follows: 1, rejected: 2, ..ImportReport::default() });
    let nsfw = status_by_ap(&app, "https://r.example/objects/1").await.unwrap();
    let shown = admin_status(&app, &admin, &nsfw.id).await;
    assert_eq!((shown["sensitive"].clone(), shown["media_attachments"].as_array().unwrap().len()), (json!(true), 1));
    let strip = status_by_ap(&app, "https://r.example/objects/2").await.unwrap();
    assert_eq!(admin_status(&app, &admin, &strip.id).await["media_attachments"], json!([]));
    let follows = follow::Entity::find().all(&app.state.db.read).await.unwrap();
    assert_eq!(follows.iter().map(|f| f.follower_id.as_str()).collect::<Vec<_>>(), vec![alice.id.as_str()]);

    // Local follows: refused by `disable-any-subscription`, let through by `disable-remote-subscription`.
    let carol = app.user("carol").await;
    let carol_token = app.token(&carol, "follow").await;
    let refused =
        app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", bob.id), Some(&carol_token), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.body,
        json!({"error": format!("[TagPolicy] Follow from {} tagged with mrf_tag:disable-any-subscription", carol.ap_id)})
    );
    let fine =
        app.request(Method::POST, &format!("/api/v1/accounts/{}/follow", alice.id), Some(&carol_token), None).await;
    assert_eq!((fine.status, fine.body["following"].clone()), (StatusCode::OK, json!(true)), "{}", fine.text);
}

#[tokio::test]
async fn keyword_policy_refuses_delists_and_replaces() {
    let app = TestApp::with_settings(|s| {
        policies(s, &["KeywordPolicy"]);
        s.mrf.keyword.reject = vec![Pattern::parse("~r/buy (cheap|now)/i").unwrap()];
        s.mrf.keyword.federated_timeline_removal = vec![Pattern::parse("politics").unwrap()];
        s.mrf.keyword.replace = vec![Replacement(Pattern::parse("pineapple").unwrap(), "<b>fruit</b>".into())];
    })
    .await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let count = || async { status::Entity::find().count(&app.state.db.read).await.unwrap() };
    let before = count().await;
    let refused = post(&app, &token, json!({"status": "BUY NOW while stocks last"})).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "[KeywordPolicy] Matches with rejected keyword"}))
    );
    // The subject counts too.
    let refused = post(&app, &token, json!({"status": "hello", "spoiler_text": "buy cheap"})).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count().await, before, "nothing stored");
    let delisted = post(&app, &token, json!({"status": "some politics"})).await;
    assert_eq!(admin_status(&app, &admin, delisted.body["id"].as_str().unwrap()).await["visibility"], "unlisted");
    let replaced = post(&app, &token, json!({"status": "pineapple pizza", "spoiler_text": "pineapple"})).await;
    let shown = admin_status(&app, &admin, replaced.body["id"].as_str().unwrap()).await;
    assert_eq!(shown["content"], "<b>fruit</b> pizza");
    assert_eq!(shown["spoiler_text"], "<b>fruit</b>");

    // Imported statuses too.
    let done = run_import(
        &app,
        json!({"actors": [actor("k.example", "k")], "statuses": [
            note("k.example", "k", 1, json!({"content": "<p>Buy now!</p>"})),
            note("k.example", "k", 2, json!({"content": "<p>pineapple</p>"}))]}),
    )
    .await;
    assert_eq!((done.statuses, done.rejected), (1, 1));
    assert_eq!(status_by_ap(&app, "https://k.example/objects/2").await.unwrap().content, "<p><b>fruit</b></p>");
}

#[tokio::test]
async fn hashtag_policy_is_always_on() {
    let app = TestApp::with_settings(|s| {
        policies(s, &[]);
        s.mrf.hashtag.reject = vec!["spam".into()];
        s.mrf.hashtag.federated_timeline_removal = vec!["quiet".into()];
    })
    .await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let marked = post(&app, &token, json!({"status": "look #NSFW"})).await;
    let shown = admin_status(&app, &admin, marked.body["id"].as_str().unwrap()).await;
    assert_eq!((shown["sensitive"].clone(), shown["visibility"].clone()), (json!(true), json!("public")));
    let quiet = post(&app, &token, json!({"status": "#quiet please"})).await;
    assert_eq!(admin_status(&app, &admin, quiet.body["id"].as_str().unwrap()).await["visibility"], "unlisted");
    let refused = post(&app, &token, json!({"status": "#spam"})).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "[HashtagPolicy] Matches with rejected keyword"}))
    );
    let done = run_import(
        &app,
        json!({"actors": [actor("h.example", "h")], "statuses": [note("h.example", "h", 1, json!({"content": "<p>#nsfw</p>"}))]}),
    )
    .await;
    assert_eq!(done.statuses, 1);
    assert!(status_by_ap(&app, "https://h.example/objects/1").await.unwrap().sensitive);
}

#[tokio::test]
async fn object_age_and_hellthread_policies() {
    let app = TestApp::with_settings(|s| {
        policies(s, &["ObjectAgePolicy", "HellthreadPolicy"]);
        s.mrf.hellthread.delist_threshold = 2;
        s.mrf.hellthread.reject_threshold = 3;
    })
    .await;
    let admin = app.admin_token().await;
    let old = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    let done = run_import(
        &app,
        json!({"actors": [actor("o.example", "o")], "statuses": [
            note("o.example", "o", 1, json!({"created_at": old})),
            note("o.example", "o", 2, json!({"created_at": old, "visibility": "private"})),
            note("o.example", "o", 3, json!({}))]}),
    )
    .await;
    assert_eq!(done.statuses, 3);
    let visibility = |n: u32| {
        let app = &app;
        async move { status_by_ap(app, &format!("https://o.example/objects/{n}")).await.unwrap().visibility }
    };
    assert_eq!(
        (visibility(1).await, visibility(2).await, visibility(3).await),
        ("unlisted".into(), "direct".into(), "public".into())
    );

    let author = app.user("alice").await;
    for name in ["u1", "u2", "u3", "u4"] {
        app.user(name).await;
    }
    let token = app.token(&author, "write").await;
    let fine = post(&app, &token, json!({"status": "@u1 @u2 hi"})).await;
    assert_eq!(admin_status(&app, &admin, fine.body["id"].as_str().unwrap()).await["visibility"], "public");
    let delisted = post(&app, &token, json!({"status": "@u1 @u2 @u3 hi"})).await;
    let shown = admin_status(&app, &admin, delisted.body["id"].as_str().unwrap()).await;
    assert_eq!((shown["visibility"].clone(), shown["mentions"].clone()), (json!("unlisted"), json!([])));
    let refused = post(&app, &token, json!({"status": "@u1 @u2 @u3 @u4 hi"})).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNPROCESSABLE_ENTITY, json!({"error": "[HellthreadPolicy] 4 recipients is over the limit of 3"}))
    );

    // Old posts refused once `:reject` is an action, saved as admin-fe saves it.
    let body = json!({"configs": [{"group": ":pleroma", "key": ":mrf_object_age",
                                   "value": [{"tuple": [":actions", [":reject"]]}]}]});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    app.get("/api/v1/instance", None).await;
    let done = run_import(&app, json!({"statuses": [note("o.example", "o", 4, json!({"created_at": old}))]})).await;
    assert_eq!((done.statuses, done.rejected), (0, 1));
}

#[tokio::test]
async fn admin_fe_enables_tag_policy() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let save = |policies: Value| {
        let body =
            json!({"configs": [{"group": ":pleroma", "key": ":mrf", "value": [{"tuple": [":policies", policies]}]}]});
        app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(body))
    };
    // What admin-fe's FetchTagPolicySetting reads.
    let policies = || async {
        let reply = app.get("/api/v1/pleroma/admin/config", Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let mrf = reply.body["configs"].as_array().unwrap().iter().find(|e| e["key"] == ":mrf").cloned().unwrap();
        let value = mrf["value"].as_array().unwrap().iter().find(|t| t["tuple"][0] == ":policies").cloned().unwrap();
        value["tuple"][1].clone()
    };
    assert_eq!(
        policies().await,
        json!([format!("{PREFIX}ObjectAgePolicy"), format!("{PREFIX}TagPolicy"), format!("{PREFIX}InlineQuotePolicy")])
    );
    assert_eq!(save(json!([format!("{PREFIX}ObjectAgePolicy")])).await.status, StatusCode::OK);
    assert_eq!(policies().await, json!([format!("{PREFIX}ObjectAgePolicy")]));
    let alice = app.user("alice").await;
    tag(&app, &admin, "alice", "mrf_tag:sandbox").await;
    let token = app.token(&alice, "write").await;
    let free = post(&app, &token, json!({"status": "one"})).await;
    assert_eq!(free.body["visibility"], "public", "TagPolicy is off");

    // EnableTagPolicy: the policies read, plus TagPolicy.
    let reply = save(json!([format!("{PREFIX}ObjectAgePolicy"), format!("{PREFIX}TagPolicy")])).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(policies().await, json!([format!("{PREFIX}ObjectAgePolicy"), format!("{PREFIX}TagPolicy")]));
    let sandboxed = post(&app, &token, json!({"status": "two"})).await;
    assert_eq!(sandboxed.body["visibility"], "private");

    // A value that is not a policy list is refused, naming the setting.
    let bad = save(json!([42])).await;
    assert!(bad.status.is_client_error(), "{}", bad.text);
    assert!(bad.text.contains(":policies"), "{}", bad.text);
    let bad = app
        .request(
            Method::POST,
            "/api/v1/pleroma/admin/config",
            Some(&admin),
            Some(json!({"configs": [{"group": ":pleroma", "key": ":mrf_keyword",
                                     "value": [{"tuple": [":reject", ["~r/(unclosed/"]]}]}]})),
        )
        .await;
    assert!(bad.status.is_client_error() && bad.text.contains("regex"), "{}", bad.text);
}

#[tokio::test]
async fn nodeinfo_and_graphql_show_the_policies() {
    let app = TestApp::with_settings(|s| {
        policies(s, &["SimplePolicy", "TagPolicy", "KeywordPolicy", "AntiFollowbotPolicy"]);
        s.mrf.simple.reject = rules(&[("bad.example", "spam"), ("hidden.example", "secret"), ("plain.example", "")]);
        s.mrf.simple.media_nsfw = rules(&[("*.nsfw.example", "lewd")]);
        s.mrf.transparency_exclusions = rules(&[("hidden.example", "")]);
        s.mrf.keyword.reject = vec![Pattern::parse("~r/spam/i").unwrap()];
        s.mrf.object_age.actions = vec![AgeAction::Reject];
    })
    .await;
    let expected = json!({
        "enabled": true,
        "exclusions": true,
        "mrf_policies": ["SimplePolicy", "TagPolicy", "KeywordPolicy", "AntiFollowbotPolicy", "HashtagPolicy"],
        "mrf_simple": {
            "accept": [], "avatar_removal": [], "banner_removal": [], "federated_timeline_removal": [],
            "followers_only": [], "media_nsfw": ["*.nsfw.example"], "media_removal": [],
            "reject": ["bad.example", "plain.example"], "reject_deletes": [], "report_removal": []
        },
        "mrf_simple_info": {
            "media_nsfw": {"*.nsfw.example": {"reason": "lewd"}},
            "reject": {"bad.example": {"reason": "spam"}}
        },
        "mrf_keyword": {"reject": ["~r/spam/i"], "federated_timeline_removal": [], "replace": []},
        "mrf_hashtag": {"sensitive": ["nsfw"], "reject": [], "federated_timeline_removal": []},
        "quarantined_instances": [],
        "quarantined_instances_info": {"quarantined_instances": {}},
        "rejected_instances": {}
    });
    let nodeinfo = app.get("/nodeinfo/2.1.json", None).await;
    assert_eq!(nodeinfo.status, StatusCode::OK);
    assert_eq!(nodeinfo.body["metadata"]["federation"], expected);
    let instance = app.get("/api/v1/instance", None).await;
    assert_eq!(instance.body["pleroma"]["metadata"]["federation"], expected);

    let query = "{ moderationPolicies { policies { name applied } transparency exclusions
                   simple { reject { instance reason } mediaNsfw { instance } }
                   keyword { reject } hashtag { sensitive } objectAge { threshold actions }
                   hellthread { delistThreshold rejectThreshold } } }";
    let public = app.graphql(None, query, json!({})).await;
    let shown = &public["data"]["moderationPolicies"];
    assert_eq!(shown["policies"][3], json!({"name": "AntiFollowbotPolicy", "applied": false}));
    assert_eq!(shown["policies"][0], json!({"name": "SimplePolicy", "applied": true}));
    assert_eq!(
        shown["simple"]["reject"],
        json!([{"instance": "bad.example", "reason": "spam"}, {"instance": "plain.example", "reason": ""}])
    );
    assert_eq!(shown["objectAge"], json!({"threshold": 604800, "actions": ["REJECT"]}));
    assert_eq!(shown["hellthread"], json!({"delistThreshold": 10, "rejectThreshold": 20}));
    let admin = app.admin_token().await;
    let whole = app.graphql(Some(&admin), query, json!({})).await;
    assert_eq!(whole["data"]["moderationPolicies"]["simple"]["reject"][1]["instance"], "hidden.example");

    // Without transparency nodeinfo shows only `enabled`, and only admins read the policies.
    let body =
        json!({"configs": [{"group": ":pleroma", "key": ":mrf", "value": [{"tuple": [":transparency", false]}]}]});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let nodeinfo = app.get("/nodeinfo/2.0.json", None).await;
    assert_eq!(nodeinfo.body["metadata"]["federation"], json!({"enabled": true}));
    assert_eq!(app.graphql(None, query, json!({})).await["data"]["moderationPolicies"], Value::Null);
    let whole = app.graphql(Some(&admin), query, json!({})).await;
    assert_eq!(whole["data"]["moderationPolicies"]["transparency"], false);
}

#[tokio::test]
async fn the_import_command_applies_saved_policies() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let body = json!({"configs": [
        {"group": ":pleroma", "key": ":mrf", "value": [{"tuple": [":policies", [format!("{PREFIX}SimplePolicy")]]}]},
        {"group": ":pleroma", "key": ":mrf_simple", "value": [{"tuple": [":reject", [{"tuple": ["bad.example", "spam"]}]]}]}
    ]});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let doc = json!({"actors": [actor("bad.example", "b"), actor("ok.example", "o")],
                     "statuses": [note("bad.example", "b", 1, json!({})), note("ok.example", "o", 2, json!({}))]});
    let path = app.data_dir.join("mrf-import.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pleroma-gateway"))
        .args(["--database-url", &app.state.settings().database_url, "--data-dir"])
        .arg(&app.data_dir)
        .arg("import")
        .arg(&path)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "imported 1 actors, 1 statuses, 0 follows, 0 reports, 2 left out by the moderation policies"
    );
    assert!(status_by_ap(&app, "https://bad.example/objects/1").await.is_none());
    assert!(status_by_ap(&app, "https://ok.example/objects/2").await.is_some());
}

#[tokio::test]
async fn a_local_reblog_passes_the_policies() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    run_import(&app, json!({"actors": [actor("r.example", "r")], "statuses": [note("r.example", "r", 1, json!({}))]}))
        .await;
    let remote = status_by_ap(&app, "https://r.example/objects/1").await.unwrap();
    let alice = app.user("alice").await;
    let token = app.token(&alice, "write").await;
    let mine = post(&app, &token, json!({"status": "mine"})).await;
    let body = json!({"configs": [
        {"group": ":pleroma", "key": ":mrf", "value": [{"tuple": [":policies", [format!("{PREFIX}SimplePolicy")]]}]},
        {"group": ":pleroma", "key": ":mrf_simple", "value": [
            {"tuple": [":reject", [{"tuple": ["r.example", "spam"]}]]},
            {"tuple": [":federated_timeline_removal", [{"tuple": ["localhost", ""]}]]}]}
    ]});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/config", Some(&admin), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let path = format!("/api/v1/statuses/{}/reblog", remote.id);
    let refused = app.request(Method::POST, &path, Some(&token), None).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::BAD_REQUEST, json!({"error": "[SimplePolicy] host in reject list"}))
    );
    let path = format!("/api/v1/statuses/{}/reblog", mine.body["id"].as_str().unwrap());
    let reblog = app.request(Method::POST, &path, Some(&token), None).await;
    assert_eq!(reblog.status, StatusCode::OK, "{}", reblog.text);
    assert_eq!(reblog.body["visibility"], "unlisted");
}

#[tokio::test]
async fn a_follow_import_skips_what_the_policies_refuse() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    tag(&app, &admin, "bob", "mrf_tag:disable-any-subscription").await;
    let token = app.token(&alice, "follow").await;
    let reply = app
        .request(Method::POST, "/api/pleroma/follow_import", Some(&token), Some(json!({"list": "bob\ncarol"})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(app.run_jobs().await, 1);
    let followed: Vec<String> = follow::Entity::find()
        .filter(follow::Column::FollowerId.eq(alice.id.as_str()))
        .all(&app.state.db.read)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.following_id)
        .collect();
    assert_eq!(followed, vec![carol.id.clone()]);
    assert_ne!(followed, vec![bob.id]);
}

/// `:instance, :remote_limit` (not a policy, but checked with them): a remote status longer than
/// the limit is left out of an import, as Pleroma's `check_remote_limit` drops it; a shorter one,
/// and a reply to the dropped one, behave as usual.
#[tokio::test]
async fn the_remote_limit_drops_long_remote_statuses() {
    let app = TestApp::with_settings(|s| s.limits.remote_limit = 20).await;
    let long = json!({"content": "x".repeat(21)});
    let doc = json!({"actors": [actor("r.example", "ann")], "statuses": [
        note("r.example", "ann", 1, long),
        note("r.example", "ann", 2, json!({"content": "short"})),
        note("r.example", "ann", 3, json!({"content": "re", "in_reply_to": "https://r.example/objects/1"})),
    ]});
    let done = run_import(&app, doc).await;
    assert_eq!((done.statuses, done.rejected), (1, 2));
    assert!(status_by_ap(&app, "https://r.example/objects/1").await.is_none());
    assert!(status_by_ap(&app, "https://r.example/objects/2").await.is_some());
}
