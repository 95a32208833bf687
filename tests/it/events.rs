//! Events over HTTP (ROUTES.md §31), following the events fork's
//! `test/pleroma/web/pleroma_api/controllers/event_controller_test.exs`: creating, editing,
//! joining and leaving events, the organiser's answers to requests, the lists, the `.ics` file
//! (parsed back) and the location search without a provider — both prefixes, scopes and errors.
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, keys, Reply, TestApp};

/// Statements of GET /api/v1/pleroma/events/joined_events, a page of any length (issue 26: exact on both engines).
const JOINED_EVENTS_PAGE: u64 = 7; // prefetch: the statuses with their marks, the people (issue 26)

const EVENT_KEYS: [&str; 8] = [
    "end_time",
    "join_mode",
    "join_state",
    "location",
    "name",
    "participants_count",
    "participation_request_count",
    "start_time",
];

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let reply = app.request(Method::POST, "/api/v1/pleroma/events", Some(token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

fn event_body(name: &str, join_mode: &str) -> Value {
    json!({"name": name, "status": "", "start_time": "2023-01-01T01:00:00.000Z", "join_mode": join_mode})
}

// Follows the fork's "creates an event" and "can't create event that ends before its start".
#[tokio::test]
async fn create_an_event_on_both_prefixes_with_its_errors() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    for path in both_prefixes("/api/v1/pleroma/events") {
        let body = json!({
            "name": "Event name",
            "status": "A *party*",
            "start_time": "2023-01-01T01:00:00.000Z",
            "end_time": "2023-01-01T04:00:00.000Z",
            "join_mode": "free"
        });
        let reply = app.request(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let event = &reply.body["pleroma"]["event"];
        assert_eq!(keys(event), EVENT_KEYS);
        assert_eq!(event["name"], "Event name");
        assert_eq!(event["join_mode"], "free");
        assert_eq!(event["start_time"], "2023-01-01T01:00:00.000Z");
        assert_eq!(event["end_time"], "2023-01-01T04:00:00.000Z");
        assert_eq!(event["participants_count"], 0);
        assert_eq!(event["location"], Value::Null);
        assert_eq!(event["join_state"], Value::Null);
        // The organiser sees the number of pending requests.
        assert_eq!(event["participation_request_count"], 0);
        assert_eq!(reply.body["content"], "A *party*");
        assert_eq!(reply.body["account"]["id"], alice.id.as_str());
        assert!(reply.body["id"].is_string());

        // 422 with the fork's message.
        let body = json!({
            "name": "Event name",
            "start_time": "2023-01-01T04:00:00.000Z",
            "end_time": "2022-12-31T04:00:00.000Z",
            "join_mode": "free"
        });
        let reply = app.request(Method::POST, &path, Some(&token), Some(body)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert_eq!(reply.body, json!({"error": "Event can't end before its start"}));
    }

    // Form parameters work too; a JSON body with an unknown join mode or no start is a 400.
    let reply = app
        .send_raw(
            Method::POST,
            "/api/pleroma/events",
            &token,
            "application/x-www-form-urlencoded",
            "name=Form&start_time=2024-05-01T10:00:00Z&join_mode=restricted",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["pleroma"]["event"]["join_mode"], "restricted");
    assert_eq!(reply.body["pleroma"]["event"]["end_time"], Value::Null);
    let bad = json!({"name": "x", "start_time": "2023-01-01T01:00:00Z", "join_mode": "whenever"});
    let reply = app.request(Method::POST, "/api/v1/pleroma/events", Some(&token), Some(bad)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].is_string());
    let reply = app.request(Method::POST, "/api/v1/pleroma/events", Some(&token), Some(json!({"name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert!(reply.body["error"].as_str().unwrap().contains("start_time"), "{}", reply.text);

    // Scopes and credentials.
    let read_only = app.token(&alice, "read").await;
    let reply =
        app.request(Method::POST, "/api/v1/pleroma/events", Some(&read_only), Some(event_body("x", "free"))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: write."}));
    let reply = app.request(Method::POST, "/api/v1/pleroma/events", None, Some(event_body("x", "free"))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["error"].is_string());
}

/// The status rendering: `pleroma.event` on an event wherever it shows, absent on other statuses;
/// the banner is an attachment described "Banner" (what pl-api looks for).
#[tokio::test]
async fn events_render_on_statuses_and_carry_their_banner() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read write").await;
    let png: Vec<u8> = [&[0x89u8, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[7u8; 50][..]].concat();
    let part = reqwest::multipart::Part::bytes(png).file_name("b.png").mime_str("image/png").unwrap();
    let form = reqwest::multipart::Form::new().part("file", part);
    let upload = app.client.post(format!("{}/api/v1/media", app.base)).bearer_auth(&token).multipart(form);
    let upload = Reply::from(upload.send().await.unwrap()).await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.text);
    let mut body = event_body("With banner", "free");
    body["banner_id"] = upload.body["id"].clone();
    let event = create(&app, &token, body).await;
    assert_eq!(event["media_attachments"][0]["id"], upload.body["id"]);
    assert_eq!(event["media_attachments"][0]["description"], "Banner");

    let shown = app.get(&format!("/api/v1/statuses/{}", event["id"].as_str().unwrap()), Some(&token)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_eq!(shown.body["pleroma"]["event"]["name"], "With banner");
    let post = app.request(Method::POST, "/api/v1/statuses", Some(&token), Some(json!({"status": "plain"}))).await;
    assert_eq!(post.status, StatusCode::OK);
    assert!(post.body["pleroma"].get("event").is_none(), "{}", post.text);

    // Someone else's upload is not a banner.
    let bob = app.user("bob").await;
    let bob_token = app.token(&bob, "read write").await;
    let mut body = event_body("Stolen banner", "free");
    body["banner_id"] = upload.body["id"].clone();
    let reply = app.request(Method::POST, "/api/v1/pleroma/events", Some(&bob_token), Some(body)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, json!({"error": "Record not found"}));
}

// Follows the fork's "joins an event", "can't participate in your own event", "leaves an event",
// "can't leave event you are not participating in" and "GET .../participations".
#[tokio::test]
async fn join_leave_and_participations() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write").await;
    let event = create(&app, &a, event_body("test event", "free")).await;
    let id = event["id"].as_str().unwrap().to_string();

    let own = app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&a), None).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert_eq!(own.body, json!({"error": "Can't join your own event"}));

    for (token, path) in
        [(&b, format!("/api/v1/pleroma/events/{id}/join")), (&c, format!("/api/pleroma/events/{id}/join"))]
    {
        let reply = app.request(Method::POST, &path, Some(token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.body["pleroma"]["event"]["join_state"], "accept");
        // Only the organiser sees the request count.
        assert_eq!(reply.body["pleroma"]["event"]["participation_request_count"], Value::Null);
    }
    // Joining again changes nothing (the fork's `{:ok, :already_joined}`).
    let again = app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&b), None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["pleroma"]["event"]["participants_count"], 2);

    for path in both_prefixes(&format!("/api/v1/pleroma/events/{id}/participations")) {
        let reply = app.get(&path, Some(&a)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let ids: Vec<&str> = reply.body.as_array().unwrap().iter().map(|u| u["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [bob.id.as_str(), carol.id.as_str()]);
        assert!(reply.body[0]["acct"].is_string() && reply.body[0]["pleroma"].is_object());
    }
    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&a)).await;
    assert_eq!(shown.body["pleroma"]["event"]["participants_count"], 2);

    for path in both_prefixes(&format!("/api/v1/pleroma/events/{id}/leave")) {
        let reply = app.request(Method::POST, &path, Some(&b), None).await;
        if path.starts_with("/api/v1") {
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            assert_eq!(reply.body["pleroma"]["event"]["join_state"], Value::Null);
            assert_eq!(reply.body["pleroma"]["event"]["participants_count"], 1);
        } else {
            assert_eq!(reply.status, StatusCode::BAD_REQUEST);
            assert_eq!(reply.body, json!({"error": "Not participating in the event"}));
        }
    }

    // Read scope for the lists, write for the actions; unknown events are 404.
    let write_only = app.token(&alice, "write").await;
    let reply = app.get(&format!("/api/v1/pleroma/events/{id}/participations"), Some(&write_only)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: read."}));
    let read_only = app.token(&bob, "read").await;
    let reply = app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&read_only), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: write."}));
    let reply = app.request(Method::POST, "/api/v1/pleroma/events/nope/join", Some(&b), None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, json!({"error": "Record not found"}));
    // A status that is no event is not found either.
    let post = app.request(Method::POST, "/api/v1/statuses", Some(&a), Some(json!({"status": "plain"}))).await;
    let plain = post.body["id"].as_str().unwrap();
    let reply = app.get(&format!("/api/v1/pleroma/events/{plain}/participations"), Some(&a)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

// Follows the fork's "show participation requests", "don't display requests if not an author"
// and the authorize/reject tests.
#[tokio::test]
async fn restricted_events_and_the_organisers_answers() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write").await;
    let event = create(&app, &a, event_body("test event", "restricted")).await;
    let id = event["id"].as_str().unwrap().to_string();

    let body = json!({"participation_message": "I'm interested in this event"});
    let reply = app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&b), Some(body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["pleroma"]["event"]["join_state"], "pending");
    assert_eq!(reply.body["pleroma"]["event"]["participants_count"], 0);
    let reply = app.request(Method::POST, &format!("/api/pleroma/events/{id}/join"), Some(&c), None).await;
    assert_eq!(reply.status, StatusCode::OK);

    for path in both_prefixes(&format!("/api/v1/pleroma/events/{id}/participation_requests")) {
        let reply = app.get(&path, Some(&a)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        let list = reply.body.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(keys(&list[0]), ["account", "participation_message"]);
        // Newest first.
        assert_eq!(list[0]["account"]["id"], carol.id.as_str());
        assert_eq!(list[0]["participation_message"], Value::Null);
        assert_eq!(list[1]["account"]["id"], bob.id.as_str());
        assert_eq!(list[1]["participation_message"], "I'm interested in this event");
        assert!(reply.headers["link"].to_str().unwrap().contains("rel=\"next\""));
    }
    let limited = app.get(&format!("/api/v1/pleroma/events/{id}/participation_requests?limit=1"), Some(&a)).await;
    assert_eq!(limited.body.as_array().unwrap().len(), 1);
    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&a)).await;
    assert_eq!(shown.body["pleroma"]["event"]["participation_request_count"], 2);

    let reply = app.get(&format!("/api/v1/pleroma/events/{id}/participation_requests"), Some(&b)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Can't get participation requests"}));

    // Only the organiser answers.
    let authorize = |p: &str| format!("{p}/events/{id}/participation_requests/{}/authorize", bob.id);
    let reply = app.request(Method::POST, &authorize("/api/v1/pleroma"), Some(&c), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Access denied"}));
    for prefix in ["/api/v1/pleroma", "/api/pleroma"] {
        let reply = app.request(Method::POST, &authorize(prefix), Some(&a), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["pleroma"]["event"]["participants_count"], 1);
        assert_eq!(reply.body["pleroma"]["event"]["participation_request_count"], 1);
    }
    for prefix in ["/api/v1/pleroma", "/api/pleroma"] {
        let path = format!("{prefix}/events/{id}/participation_requests/{}/reject", carol.id);
        let reply = app.request(Method::POST, &path, Some(&a), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["pleroma"]["event"]["participation_request_count"], 0);
    }
    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&c)).await;
    assert_eq!(shown.body["pleroma"]["event"]["join_state"], "reject");
    let shown = app.get(&format!("/api/v1/statuses/{id}"), Some(&b)).await;
    assert_eq!(shown.body["pleroma"]["event"]["join_state"], "accept");
    // An unknown participant, or one who never asked.
    let path = format!("/api/v1/pleroma/events/{id}/participation_requests/nobody/authorize");
    assert_eq!(app.request(Method::POST, &path, Some(&a), None).await.status, StatusCode::NOT_FOUND);
    let path = format!("/api/v1/pleroma/events/{id}/participation_requests/{}/authorize", alice.id);
    assert_eq!(app.request(Method::POST, &path, Some(&a), None).await.status, StatusCode::NOT_FOUND);

    // joined_events, with the state filter and Link header, on both prefixes.
    let other = create(&app, &a, event_body("second", "free")).await;
    let other_id = other["id"].as_str().unwrap();
    let reply = app.request(Method::POST, &format!("/api/v1/pleroma/events/{other_id}/join"), Some(&b), None).await;
    assert_eq!(reply.status, StatusCode::OK);
    for path in both_prefixes("/api/v1/pleroma/events/joined_events") {
        let reply = app.get(&path, Some(&b)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let ids: Vec<&str> = reply.body.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(ids, [other_id, id.as_str()]);
        assert!(reply.headers["link"].to_str().unwrap().contains("max_id="));
    }
    let page = app.get(&format!("/api/v1/pleroma/events/joined_events?max_id={other_id}"), Some(&b)).await;
    assert_eq!(page.body.as_array().unwrap().len(), 1);
    let rejected = app.get("/api/v1/pleroma/events/joined_events?state=reject", Some(&c)).await;
    assert_eq!(rejected.body.as_array().unwrap().len(), 1);
    let pending = app.get("/api/v1/pleroma/events/joined_events?state=pending", Some(&c)).await;
    assert_eq!(pending.body, json!([]));
    let bad = app.get("/api/v1/pleroma/events/joined_events?state=maybe", Some(&c)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let no_user = app.get("/api/v1/pleroma/events/joined_events", None).await;
    assert_eq!(no_user.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn only_the_organiser_edits_an_event_with_put_or_post() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let event = create(&app, &a, event_body("before", "free")).await;
    let id = event["id"].as_str().unwrap().to_string();

    for (method, path) in
        [(Method::PUT, format!("/api/v1/pleroma/events/{id}")), (Method::POST, format!("/api/pleroma/events/{id}"))]
    {
        let body = json!({"name": format!("after {method}"), "status": "new text", "end_time": "2023-01-02T00:00:00Z"});
        let reply = app.request(method.clone(), &path, Some(&a), Some(body)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.body["pleroma"]["event"]["name"], format!("after {method}"));
        assert_eq!(reply.body["pleroma"]["event"]["end_time"], "2023-01-02T00:00:00.000Z");
        assert_eq!(reply.body["content"], "new text");
        assert!(reply.body["edited_at"].is_string());
    }
    let reply =
        app.request(Method::PUT, &format!("/api/v1/pleroma/events/{id}"), Some(&b), Some(json!({"name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Access denied"}));
    let body = json!({"end_time": "2022-01-01T00:00:00Z"});
    let reply = app.request(Method::PUT, &format!("/api/v1/pleroma/events/{id}"), Some(&a), Some(body)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.body, json!({"error": "Event can't end before its start"}));
    let reply = app.request(Method::PUT, "/api/v1/pleroma/events/nope", Some(&a), Some(json!({"name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

// Follows the fork's "GET /api/v1/pleroma/events/:id/ics": the file is parsed back.
#[tokio::test]
async fn ics_is_a_calendar_and_respects_visibility() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read").await;
    let mut body = event_body("test event", "free");
    body["status"] = json!("Come <b>along</b>");
    body["content_type"] = json!("text/html");
    body["end_time"] = json!("2023-01-01T03:30:00Z");
    let event = create(&app, &a, body).await;
    let id = event["id"].as_str().unwrap();

    for (path, token) in
        both_prefixes(&format!("/api/v1/pleroma/events/{id}/ics")).into_iter().zip([None, Some(b.as_str())])
    {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert!(reply.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
        let text = reply.text.replace("\r\n", "\n");
        let unfolded = icalendar::parser::unfold(&reply.text);
        let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
        let vevent = calendar.components.iter().find(|c| c.name == "VEVENT").expect("a VEVENT");
        let prop = |name: &str| {
            vevent.properties.iter().find(|p| p.name == name).map(|p| p.val.to_string()).unwrap_or_default()
        };
        assert_eq!(prop("SUMMARY"), "test event");
        assert_eq!(prop("DESCRIPTION"), "Come along");
        assert_eq!(prop("DTSTART"), "20230101T010000Z");
        assert_eq!(prop("DTEND"), "20230101T033000Z");
        assert_eq!(prop("ORGANIZER"), "alice");
        assert_eq!(prop("UID"), id);
        assert_eq!(prop("URL"), event["uri"].as_str().unwrap());
        assert!(text.starts_with("BEGIN:VCALENDAR\n"), "{text}");
        assert!(text.contains("CALSCALE:GREGORIAN"), "{text}");
    }

    // A private event: the organiser gets it, strangers and anonymous callers a 404.
    let mut body = event_body("secret", "free");
    body["visibility"] = json!("private");
    let private = create(&app, &a, body).await;
    let path = format!("/api/v1/pleroma/events/{}/ics", private["id"].as_str().unwrap());
    assert_eq!(app.get(&path, Some(&a)).await.status, StatusCode::OK);
    for token in [Some(b.as_str()), None] {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, json!({"error": "Record not found"}));
    }
    let reply = app.get("/api/v1/pleroma/events/nope/ics", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

/// No geocoding provider is configured on the gateway: the search finds nothing.
#[tokio::test]
async fn location_search_without_a_provider_finds_nothing() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let token = app.token(&alice, "read").await;
    for path in both_prefixes("/api/v1/pleroma/search/location?q=Warsaw") {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
        assert_eq!(reply.body, json!([]));
    }
    let reply = app.get("/api/v1/pleroma/search/location", Some(&token)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body["error"].as_str().unwrap().contains('q'), "{}", reply.text);
    let write_only = app.token(&alice, "write").await;
    let reply = app.get("/api/v1/pleroma/search/location?q=x", Some(&write_only)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.body, json!({"error": "Insufficient permissions: read."}));
}

/// Lists of events cost the same statements for one event or many (their event records,
/// counts and the viewer's states are batched).
#[tokio::test]
async fn event_lists_cost_a_constant_number_of_statements() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let mut costs = vec![];
    for n in [1, 6] {
        while costs.len() < n {
            let event = create(&app, &a, event_body("e", "restricted")).await;
            let id = event["id"].as_str().unwrap();
            let reply = app.request(Method::POST, &format!("/api/v1/pleroma/events/{id}/join"), Some(&b), None).await;
            assert_eq!(reply.status, StatusCode::OK);
            costs.push(0);
        }
        let before = app.statements();
        let reply = app.get("/api/v1/pleroma/events/joined_events", Some(&b)).await;
        assert_eq!(reply.body.as_array().unwrap().len(), n);
        costs[n - 1] = app.statements() - before;
    }
    eprintln!("joined_events: {} statements for 1 event, {} for 6", costs[0], costs[5]);
    assert_eq!(costs[0], costs[5]);
    assert_eq!(costs[0], JOINED_EVENTS_PAGE);
}

/// GraphQL: the mutations and the participations connection (the organiser sees every state,
/// others accepted participations only), errors with `extensions.code`.
#[tokio::test]
async fn graphql_events_and_the_participations_connection() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let a = app.token(&alice, "read write").await;
    let b = app.token(&bob, "read write").await;
    let c = app.token(&carol, "read write").await;
    let created = app
        .graphql(
            Some(&a),
            "mutation { createEvent(input: {name: \"GQL\", startTime: \"2024-01-01T10:00:00Z\", joinMode: RESTRICTED}) \
             { status { id pleroma { event { name joinMode participantsCount } } } } }",
            json!({}),
        )
        .await;
    let id = created["data"]["createEvent"]["status"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["data"]["createEvent"]["status"]["pleroma"]["event"]["joinMode"], "restricted");
    let join = "mutation($id: ID!) { joinEvent(input: {id: $id, participationMessage: \"hi\"}) \
                { status { pleroma { event { joinState } } } } }";
    for token in [&b, &c] {
        let joined = app.graphql(Some(token), join, json!({"id": id})).await;
        assert_eq!(joined["data"]["joinEvent"]["status"]["pleroma"]["event"]["joinState"], "pending", "{joined}");
    }
    let own = app.graphql(Some(&a), join, json!({"id": id})).await;
    assert_eq!(own["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    let accept = "mutation($id: ID!, $p: ID!) { authorizeEventParticipation(input: {id: $id, participantId: $p}) \
                  { status { id } } }";
    let accepted = app.graphql(Some(&a), accept, json!({"id": id, "p": bob.id})).await;
    assert_eq!(accepted["data"]["authorizeEventParticipation"]["status"]["id"], id.as_str(), "{accepted}");

    let page = "query($id: ID!, $after: String) { eventParticipationConnection(id: $id, first: 1, after: $after) \
                { edges { cursor node { state participationMessage account { id } } } pageInfo { hasNextPage } } }";
    let first = app.graphql(Some(&a), page, json!({"id": id})).await;
    let conn = &first["data"]["eventParticipationConnection"];
    assert_eq!(conn["edges"][0]["node"]["account"]["id"], bob.id.as_str(), "{first}");
    assert_eq!(conn["edges"][0]["node"]["state"], "accept");
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let cursor = conn["edges"][0]["cursor"].clone();
    let second = app.graphql(Some(&a), page, json!({"id": id, "after": cursor})).await;
    let conn = &second["data"]["eventParticipationConnection"];
    assert_eq!(conn["edges"][0]["node"]["state"], "pending");
    assert_eq!(conn["edges"][0]["node"]["participationMessage"], "hi");
    assert_eq!(conn["pageInfo"]["hasNextPage"], false);
    // Carol (pending herself) sees accepted participations only.
    let theirs = app.graphql(Some(&c), page, json!({"id": id})).await;
    let edges = theirs["data"]["eventParticipationConnection"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["account"]["id"], bob.id.as_str());

    let requests = app
        .graphql(
            Some(&b),
            "query($id: ID!) { eventParticipationRequests(id: $id) { nodes { id } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(requests["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let anonymous = app.graphql(None, page, json!({"id": id})).await;
    assert!(anonymous["errors"][0]["extensions"]["code"].is_string(), "{anonymous}");
}
