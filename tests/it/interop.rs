//! Interoperability with an ActivityPub implementation this project did not write: a small server
//! ("the peer", `tools/ap-peer`) built on Lemmy's `activitypub_federation` crate, run as a child
//! process on loopback beside a gateway and driven over its HTTP control API. The library does the
//! protocol work itself: it fingers the gateway user, fetches her actor, signs what it sends, and
//! verifies the digest and signature of what it receives (fetching the signer's actor for the key)
//! before the peer lists it as received. The peer's user follows a local user (the gateway answers
//! Accept), receives her public status, and its own status addressed to her arrives here.
//!
//! The peer is its own Cargo workspace, so the library (and the serde_json `preserve_order` it
//! turns on) stays out of this crate's builds; the test builds it with `cargo build --locked`
//! (a no-op once built) in the same target directory. The library runs in its debug mode: it
//! refuses http, hosts with ports and IP-address hosts otherwise, so the gateway is addressed as
//! `http://localhost:PORT` too (its loopback outbound requests allowed by
//! `[http] allow_private_addresses`).
use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::OnceLock,
};

use entity::{follow, status, user};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use crate::common::TestApp;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The peer's executable, built once per test process by the cargo that runs the tests (its
/// path taken from cargo's own report, wherever the target directory is).
fn peer_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tools/ap-peer");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
        let out = Command::new(cargo)
            .current_dir(&dir)
            .args(["build", "--locked", "--quiet", "--message-format=json-render-diagnostics"])
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo to build tools/ap-peer");
        assert!(out.status.success(), "cargo build of tools/ap-peer failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "ap-peer")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo names the ap-peer executable")
    })
}

/// The running peer; killed (and reaped) on drop, a failing assertion's unwinding included. It
/// also exits by itself when its standard input, held here, closes with this process.
struct Peer {
    child: Child,
    base: String,
    /// `localhost:PORT`, the host of its ids.
    domain: String,
    /// Its user's actor id.
    id: String,
    client: reqwest::Client,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Peer {
    async fn start() -> Peer {
        let mut child = Command::new(peer_binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ap-peer");
        let stdout = child.stdout.take().expect("the peer's stdout");
        let mut peer = Peer {
            child,
            base: String::new(),
            domain: String::new(),
            id: String::new(),
            client: reqwest::Client::new(),
        };
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the peer's first line");
        peer.domain =
            line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("the peer said {line:?}")).to_owned();
        peer.base = format!("http://{}", peer.domain);
        let me = peer.get("/control/me").await;
        assert_eq!(me["domain"], json!(peer.domain));
        peer.id = me["id"].as_str().expect("the peer's actor id").to_owned();
        peer
    }

    async fn get(&self, path: &str) -> Value {
        let reply = self.client.get(format!("{}{path}", self.base)).send().await.expect("peer request");
        assert_eq!(reply.status(), StatusCode::OK, "GET {path} on the peer");
        reply.json().await.expect("the peer's JSON")
    }

    /// A control call; the peer answers 400 with the library's message when it fails.
    async fn post(&self, path: &str, body: Value) -> Value {
        let reply = self.client.post(format!("{}{path}", self.base)).json(&body).send().await.expect("peer request");
        let status = reply.status();
        let text = reply.text().await.expect("the peer's answer");
        assert_eq!(status, StatusCode::OK, "POST {path} {body} on the peer: {text}");
        serde_json::from_str(&text).expect("the peer's JSON")
    }

    /// The activities the library verified (digest, signature, actor) and handed to the peer, of `kind`.
    async fn received(&self, kind: &str) -> Vec<Value> {
        let all = self.get("/control/received").await;
        all.as_array().expect("a list").iter().filter(|a| a["type"] == kind).cloned().collect()
    }
}

/// A gateway addressed as `http://localhost:PORT` (the library refuses IP-address hosts).
async fn gateway() -> TestApp {
    TestApp::self_addressed(|s| {
        s.http.allow_private_addresses = true;
        s.instance_url = s.instance_url.replace("127.0.0.1", "localhost");
    })
    .await
}

#[tokio::test]
async fn a_server_on_activitypub_federation_follows_receives_and_posts() {
    // Built before the gateway starts: a first build blocks this test's thread for minutes.
    peer_binary();
    let gw = gateway().await;
    let alice = gw.user("alice").await;
    let token = gw.token(&alice, "read write follow").await;
    let peer = Peer::start().await;

    // WebFinger and actor fetch by the library.
    let host = gw.state.settings().host();
    let handle = format!("alice@{host}");
    let alice_there = peer.post("/control/resolve", json!({"handle": handle})).await;
    assert_eq!(alice_there["id"], json!(alice.ap_id));
    let alice_inbox = alice_there["inbox"].as_str().expect("her inbox").to_owned();

    // A signed Follow; the gateway stores it and answers Accept, which the library verifies.
    let follow_id = peer.post("/control/follow", json!({"handle": handle})).await["id"].clone();
    gw.run_jobs().await;
    let lemmy = user::Entity::find()
        .filter(user::Column::ApId.eq(peer.id.as_str()))
        .one(&gw.state.db.read)
        .await
        .unwrap()
        .expect("the gateway fetched the peer's actor to check the Follow's signature");
    assert!(!lemmy.local);
    let row = follow::Entity::find_by_id((lemmy.id.clone(), alice.id.clone())).one(&gw.state.db.read).await.unwrap();
    assert!(row.is_some(), "the Follow is stored");
    let accepts = peer.received("Accept").await;
    assert_eq!(
        accepts.len(),
        1,
        "the peer verified and took the gateway's Accept: {:?}",
        peer.get("/control/received").await
    );
    let accepted = &accepts[0]["object"];
    let accepted_id = accepted.as_str().or(accepted["id"].as_str());
    assert_eq!(accepted_id, follow_id.as_str(), "the Accept names the Follow");
    assert_eq!(accepts[0]["actor"], json!(alice.ap_id));

    // alice's public status reaches her follower on the peer, signed.
    let reply = gw
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&token),
            Some(json!({"status": "hello, fediverse", "visibility": "public"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    gw.run_jobs().await;
    let creates = peer.received("Create").await;
    assert_eq!(creates.len(), 1, "the status was delivered once: {:?}", peer.get("/control/received").await);
    let note = &creates[0]["object"];
    assert_eq!(note["type"], "Note");
    assert_eq!(creates[0]["actor"], json!(alice.ap_id));
    assert!(note["content"].as_str().unwrap_or_default().contains("hello, fediverse"), "{note}");
    assert!(creates[0]["to"].to_string().contains(PUBLIC) || creates[0]["cc"].to_string().contains(PUBLIC));

    // The peer's public status, mentioning alice, shows on the gateway.
    let note_id = format!("http://{}/notes/1", peer.domain);
    let note = json!({
        "id": note_id,
        "type": "Note",
        "attributedTo": peer.id,
        "content": format!("<p>hello from a library, <a href=\"{}\">@alice</a></p>", alice.ap_id),
        "to": [PUBLIC],
        "cc": [alice.ap_id],
        "published": chrono::Utc::now().to_rfc3339(),
        "tag": [{"type": "Mention", "href": alice.ap_id, "name": format!("@{handle}")}],
    });
    let create = json!({"inbox": alice_inbox, "type": "Create", "object": note, "to": [PUBLIC], "cc": [alice.ap_id]});
    peer.post("/control/send", create).await;
    gw.run_jobs().await;
    let stored = status::Entity::find()
        .filter(status::Column::ApId.eq(note_id.as_str()))
        .one(&gw.state.db.read)
        .await
        .unwrap()
        .expect("the peer's Create is stored");
    assert_eq!(stored.user_id, lemmy.id);
    let admin = gw.admin("admin").await;
    let admin_token = gw.token(&admin, "admin:read").await;
    let listed = gw.request(Method::GET, "/api/v1/pleroma/admin/statuses", Some(&admin_token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let shown = listed.body.as_array().unwrap().iter().find(|s| s["uri"] == json!(note_id)).cloned();
    let shown = shown.unwrap_or_else(|| panic!("the peer's status is among the admin statuses: {}", listed.text));
    assert!(shown["content"].as_str().unwrap_or_default().contains("hello from a library"), "{shown}");
    assert_eq!(shown["account"]["acct"], json!(format!("lemmy@{}", peer.domain)));
}
