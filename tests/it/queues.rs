//! Job queue sizes through the admin config (issue 27): Pleroma's `config :pleroma, Oban,
//! queues: [...]` saved through `POST /admin/config` (both prefixes) or GraphQL `updateSettings`
//! resizes the running workers of every process without a restart, merges as Pleroma merges
//! saved keyword lists, refuses counts no queue can run with, and is described as Pleroma
//! describes it (with what the gateway acts on marked).
use std::time::{Duration, Instant};

use pleroma_gateway::jobs::{Queue, RunnerHandle, RunnerOptions};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::{both_prefixes, TestApp};

const CONFIG: &str = "/api/v1/pleroma/admin/config";

fn queues(pairs: &[(&str, Value)]) -> Value {
    let value: Vec<Value> = pairs.iter().map(|(k, v)| json!({"tuple": [k, v]})).collect();
    json!([{"group": ":pleroma", "key": "Oban", "value": [{"tuple": [":queues", value]}]}])
}

/// Wait (up to 10 s) until `runner` runs `want` workers of each queue named.
async fn until_workers(runner: &RunnerHandle, want: &[(Queue, usize)]) {
    let started = Instant::now();
    loop {
        let now: Vec<(Queue, usize)> = want.iter().map(|(q, _)| (*q, runner.workers(*q))).collect();
        if now == want {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "workers {now:?}, want {want:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The saved `Oban, :queues` as `GET /config` shows it.
async fn shown(app: &TestApp, path: &str, token: &str) -> (Value, Value) {
    let reply = app.get(path, Some(token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let oban = reply.body["configs"].as_array().unwrap().iter().find(|e| e["key"] == "Oban").unwrap().clone();
    let queues = oban["value"].as_array().unwrap().iter().find(|i| i["tuple"][0] == ":queues").unwrap();
    (queues["tuple"][1].clone(), oban["db"].clone())
}

fn count(list: &Value, queue: &str) -> Value {
    list.as_array().unwrap().iter().find(|i| i["tuple"][0] == queue).map_or(Value::Null, |i| i["tuple"][1].clone())
}

#[tokio::test]
async fn saved_queue_sizes_resize_the_running_workers_of_every_process() {
    let app = TestApp::new().await;
    let second = app.sharing(|_| {}).await;
    let token = app.admin_token().await;
    let options = || RunnerOptions { poll: Duration::from_millis(20), ..app.state.job_options() };
    let (one, two) = (app.state.spawn_jobs(options()), second.state.spawn_jobs(options()));
    let defaults = [(Queue::Federation, 25), (Queue::Default, 2), (Queue::Slow, 1), (Queue::Purge, 1)];
    for runner in [&one, &two] {
        until_workers(runner, &defaults).await;
    }
    let [v1, legacy] = both_prefixes(CONFIG);
    // Pleroma's defaults and the gateway's queues under Pleroma's names, in force.
    let (list, db) = shown(&app, &v1, &token).await;
    assert_eq!(db, Value::Null, "nothing saved yet");
    for (queue, n) in [(":federator_outgoing", 25), (":background", 2), (":slow", 1), (":purge", 1), (":web_push", 50)]
    {
        assert_eq!(count(&list, queue), json!(n), "{queue} in {list}");
    }

    // Shrink one queue, grow another, through the v1 prefix; a queue Pleroma has and the gateway
    // does not is stored.
    let sent = queues(&[(":federator_outgoing", json!(3)), (":background", json!(4)), (":web_push", json!(7))]);
    let reply = app.request(Method::POST, &v1, Some(&token), Some(json!({"configs": sent}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["configs"][0]["value"], sent[0]["value"], "saved as sent");
    assert_eq!(reply.body["need_reboot"], json!(false), "applied without a restart");
    let resized = [(Queue::Federation, 3), (Queue::Default, 4), (Queue::Slow, 1), (Queue::Purge, 1)];
    for runner in [&one, &two] {
        until_workers(runner, &resized).await;
    }
    // Through the other prefix: merged over what was saved (Pleroma's deep merge), so
    // `background` stays 4.
    let reply = app
        .request(Method::POST, &legacy, Some(&token), Some(json!({"configs": queues(&[(":purge", json!(2))])})))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let merged = [(Queue::Federation, 3), (Queue::Default, 4), (Queue::Slow, 1), (Queue::Purge, 2)];
    for runner in [&one, &two] {
        until_workers(runner, &merged).await;
    }
    for path in [&v1, &legacy] {
        let (list, db) = shown(&app, path, &token).await;
        assert_eq!(db, json!([":queues"]));
        for (queue, n) in
            [(":federator_outgoing", 3), (":background", 4), (":slow", 1), (":purge", 2), (":web_push", 7)]
        {
            assert_eq!(count(&list, queue), json!(n), "{queue} in {list}");
        }
    }

    // GraphQL: the same setting, typed.
    let mutation = "mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) {
        errors { subkey message } needReboot settings { key settings { subkey value source } } } }";
    let value = json!([{"tuple": [":federator_outgoing", 6]}, {"tuple": [":slow", 2]}]);
    let body = app
        .graphql(
            Some(&token),
            mutation,
            json!({"input": {"settings": [{"group": ":pleroma", "key": "Oban", "subkey": ":queues", "value": value}]}}),
        )
        .await;
    let payload = &body["data"]["updateSettings"];
    assert_eq!(payload["errors"], json!([]), "{body}");
    assert_eq!(payload["needReboot"], json!(false));
    let oban = payload["settings"].as_array().unwrap().iter().find(|g| g["key"] == "Oban").unwrap();
    let setting = oban["settings"].as_array().unwrap().iter().find(|s| s["subkey"] == ":queues").unwrap();
    assert_eq!(count(&setting["value"], ":federator_outgoing"), json!(6), "{setting}");
    assert_eq!(count(&setting["value"], ":background"), json!(4), "{setting}");
    let graphql = [(Queue::Federation, 6), (Queue::Default, 4), (Queue::Slow, 2), (Queue::Purge, 2)];
    for runner in [&one, &two] {
        until_workers(runner, &graphql).await;
    }

    // Removing the saved value: back to the file's (here the defaults).
    let delete = json!([{"group": ":pleroma", "key": "Oban", "delete": true, "subkeys": [":queues"]}]);
    let reply = app.request(Method::POST, &v1, Some(&token), Some(json!({"configs": delete}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    for runner in [&one, &two] {
        until_workers(runner, &defaults).await;
    }
    one.stop().await;
    two.stop().await;
}

#[tokio::test]
async fn a_shrunk_queue_still_runs_its_jobs() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    let runner = app.state.spawn_jobs(RunnerOptions { poll: Duration::from_millis(20), ..app.state.job_options() });
    let sent = queues(&[(":federator_outgoing", json!(1))]);
    let reply = app.request(Method::POST, CONFIG, Some(&token), Some(json!({"configs": sent}))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    until_workers(&runner, &[(Queue::Federation, 1)]).await;
    // A relay follow is a federation job: with one worker it still runs (and fails to reach
    // the closed port, which records its error).
    let follow = json!({"relay_url": "http://127.0.0.1:9/relay"});
    let reply = app.request(Method::POST, "/api/v1/pleroma/admin/relay", Some(&token), Some(follow)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let started = Instant::now();
    loop {
        let job = entity::job::Entity::find()
            .filter(entity::job::Column::Queue.eq("federation"))
            .one(&app.state.db.read)
            .await
            .unwrap();
        if job.as_ref().is_some_and(|j| j.attempts >= 1 && j.state != "running") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "not run: {job:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    runner.stop().await;
}

#[tokio::test]
async fn counts_no_queue_can_run_with_are_refused_and_nothing_changes() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for bad in [
        queues(&[(":federator_outgoing", json!(0))]),
        queues(&[(":background", json!(1001))]),
        queues(&[(":slow", json!("5"))]),
        queues(&[(":purge", json!(-1))]),
        json!([{"group": ":pleroma", "key": "Oban", "value": [{"tuple": [":queues", {"federator_outgoing": 3}]}]}]),
    ] {
        for path in both_prefixes(CONFIG) {
            let reply = app.request(Method::POST, &path, Some(&token), Some(json!({"configs": bad}))).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
            assert!(reply.text.contains(":queues"), "{}", reply.text);
        }
    }
    let saved = app.get(&format!("{CONFIG}?only_db=true"), Some(&token)).await;
    assert_eq!(saved.body["configs"], json!([]));
    assert_eq!(app.state.settings().jobs.federation, 25);
}

#[tokio::test]
async fn the_descriptions_say_which_queues_the_gateway_runs() {
    let app = TestApp::new().await;
    let token = app.admin_token().await;
    for path in both_prefixes(&format!("{CONFIG}/descriptions")) {
        let reply = app.get(&path, Some(&token)).await;
        assert_eq!(reply.status, StatusCode::OK);
        let oban = reply.body.as_array().unwrap().iter().find(|e| e["key"] == "Oban").unwrap();
        assert_eq!(oban["group"], ":pleroma");
        let children = oban["children"].as_array().unwrap();
        let queues = children.iter().find(|c| c["key"] == ":queues").unwrap();
        assert_eq!(
            (queues["type"].clone(), queues["gateway"].clone()),
            (json!(["keyword", "integer"]), json!("applied"))
        );
        assert_eq!(children.iter().find(|c| c["key"] == ":crontab").unwrap()["gateway"], "stored");
        let nested = |key: &str| queues["children"].as_array().unwrap().iter().find(|c| c["key"] == key).cloned();
        for applied in [":federator_outgoing", ":background", ":slow", ":purge"] {
            let child = nested(applied).unwrap_or_else(|| panic!("{applied} in {queues}"));
            assert_eq!(child["gateway"], "applied", "{child}");
            assert_eq!(child["type"], "integer", "{child}");
        }
        // Pleroma's own wording where it describes the queue.
        assert_eq!(nested(":federator_outgoing").unwrap()["description"], "Outgoing federation queue");
        for stored in [":web_push", ":federator_incoming", ":mailer"] {
            assert_eq!(nested(stored).unwrap()["gateway"], "stored", "{stored}");
        }
    }
}
