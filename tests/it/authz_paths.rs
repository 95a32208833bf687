//! The differential authorization test (issue 24 §4): every operation of the REST route table and
//! a generated set of documents, for every kind of caller, answer the same run prechecked (the
//! executor's fast path, when the static walk lets them) and run through the per-field access
//! extension.
use std::{collections::HashMap, sync::Arc};

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use pleroma_gateway::{
    auth::Viewer,
    config::Settings,
    graphql::{request_data, Executor},
    rest::Action,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
use serde_json::{json, Value};

use crate::common::TestApp;

/// A caller: its viewer as the HTTP layer resolves it, and the settings its requests run under.
struct Principal {
    name: &'static str,
    viewer: Viewer,
    settings: Option<Arc<Settings>>,
}

/// The viewer a request with this bearer token resolves to.
async fn viewer_of(app: &TestApp, token: Option<&str>) -> Viewer {
    let mut builder = axum::http::Request::builder().uri("/graphql");
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let (parts, ()) = builder.body(()).unwrap().into_parts();
    Viewer::from_request(&parts, &app.state.auth()).await.expect("viewer")
}

/// Ids of the seeded rows, for variables.
struct Seeded {
    alice: String,
    status: String,
    report: String,
    chat: String,
}

/// Users, statuses, a report with a note, a chat, moderation-log entries; and the callers.
async fn seed(app: &TestApp) -> (Seeded, Vec<Principal>) {
    let alice = app
        .user_with("alice", |u| {
            u.registration_reason = Set(Some("let me in".into()));
            // Her favourites are listed, so that the route answers rather than refuses.
            u.hide_favorites = Set(false);
        })
        .await;
    let bob = app.user("bob").await;
    let moderator = app.moderator("mod").await;
    let bare = app.moderator("bare").await;
    let admin = app.admin("admin").await;
    let gone = app.user("gone").await;
    let all = "read write follow push admin";
    let (alice_token, bob_token, mod_token, admin_token) = (
        app.token(&alice, "read write follow push").await,
        app.token(&bob, "read write follow push").await,
        app.token(&moderator, all).await,
        app.token(&admin, all).await,
    );
    let post = |token: String, body: Value, path: String| async move {
        let reply = app.request(Method::POST, &path, Some(&token), Some(body)).await;
        assert!(reply.status.is_success(), "{path}: {}", reply.text);
        reply.body
    };
    let status = post(alice_token.clone(), json!({"status": "hello"}), "/api/v1/statuses".into()).await;
    post(bob_token.clone(), json!({"status": "a reply", "in_reply_to_id": status["id"]}), "/api/v1/statuses".into())
        .await;
    let report = post(
        bob_token.clone(),
        json!({"account_id": alice.id, "status_ids": [status["id"]], "comment": "spam"}),
        "/api/v1/reports".into(),
    )
    .await;
    let report_id = report["id"].as_str().unwrap().to_string();
    post(admin_token.clone(), json!({"content": "looked"}), format!("/api/v1/pleroma/admin/reports/{report_id}/notes"))
        .await;
    let chat = post(bob_token.clone(), json!({}), format!("/api/v1/pleroma/chats/by-account-id/{}", alice.id)).await;
    let tagged = app
        .request(
            Method::PUT,
            "/api/v1/pleroma/admin/users/tag",
            Some(&admin_token),
            Some(json!({"nicknames": ["bob"], "tags": ["force_nsfw"]})),
        )
        .await;
    assert_eq!(tagged.status, StatusCode::NO_CONTENT, "{}", tagged.text);

    let revoked = app.token(&alice, all).await;
    pleroma_gateway::domain::oauth::revoke(&app.state.db.write, &revoked).await.unwrap();
    let gone_token = app.token(&gone, all).await;
    let mut row = gone.into_active_model();
    row.is_active = Set(false);
    row.update(&app.state.db.write).await.unwrap();
    let mut no_privileges = (*app.state.settings()).clone();
    no_privileges.instance.moderator_privileges = vec![];

    let mut principals = Vec::new();
    for (name, token, settings) in [
        ("anonymous", None, None),
        ("user", Some(bob_token), None),
        ("moderator", Some(mod_token), None),
        ("moderator with a push token", Some(app.token(&moderator, "push").await), None),
        ("moderator without privileges", Some(app.token(&bare, all).await), Some(Arc::new(no_privileges))),
        ("admin", Some(admin_token), None),
        ("admin without the admin scope", Some(app.token(&admin, "read write follow push").await), None),
        ("revoked token", Some(revoked), None),
        ("deactivated user", Some(gone_token), None),
    ] {
        principals.push(Principal { name, viewer: viewer_of(app, token.as_deref()).await, settings });
    }
    let seeded = Seeded {
        alice: alice.id,
        status: status["id"].as_str().unwrap().into(),
        report: report_id,
        chat: chat["id"].as_str().unwrap().into(),
    };
    (seeded, principals)
}

/// Input objects (required fields) and enums of the schema, to make variables.
struct Inputs {
    inputs: HashMap<String, Vec<(String, Type)>>,
    enums: HashMap<String, String>,
}

impl Inputs {
    fn new(sdl: &str) -> Inputs {
        let mut inputs = Inputs { inputs: HashMap::new(), enums: HashMap::new() };
        for def in async_graphql::parser::parse_schema(sdl).unwrap().definitions {
            let TypeSystemDefinition::Type(ty) = def else { continue };
            let name = ty.node.name.node.to_string();
            match ty.node.kind {
                TypeKind::InputObject(input) => {
                    let fields = input.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node));
                    inputs.inputs.insert(name, fields.collect());
                }
                TypeKind::Enum(values) => {
                    inputs.enums.insert(name, values.values[0].node.value.node.to_string());
                }
                _ => {}
            }
        }
        inputs
    }

    /// A value of `ty` for a variable or field named `name` (`None`: leave it out). `text` gives
    /// strings and ids by name.
    fn value(&self, ty: &Type, name: &str, text: &dyn Fn(&str) -> Value) -> Option<Value> {
        if ty.nullable {
            return None;
        }
        Some(match &ty.base {
            BaseType::List(_) => json!([]),
            BaseType::Named(named) => match named.as_str() {
                "ID" | "String" => text(name),
                "Int" => match text(name) {
                    // No row has this id.
                    Value::String(id) if id == "0" => json!(999_999),
                    _ => json!(1),
                },
                "Float" => json!(1.0),
                "Boolean" => json!(false),
                "JSON" => json!({}),
                "DateTime" => json!("2020-01-01T00:00:00Z"),
                "Upload" => Value::Null,
                other if self.enums.contains_key(other) => json!(self.enums[other]),
                other => {
                    let fields = self.inputs.get(other).map(Vec::as_slice).unwrap_or_default();
                    let object = fields
                        .iter()
                        .filter_map(|(field, ty)| Some((field.clone(), self.value(ty, field, text)?)))
                        .collect::<serde_json::Map<_, _>>();
                    Value::Object(object)
                }
            },
        })
    }
}

/// A document to run, with its variables and whether it changes anything.
struct Document {
    name: String,
    text: String,
    variables: Value,
    mutates: bool,
}

/// Every operation of the route table, with variables: reads name the seeded rows, writes name
/// nothing that exists (so that running one twice does the same twice and leaves the callers as
/// they are).
fn route_documents(app: &TestApp, seeded: &Seeded, inputs: &Inputs) -> Vec<Document> {
    let mut out = Vec::new();
    for compiled in &app.state.facade.routes {
        let (Action::Operation(_), Some(operation)) = (&compiled.route.action, &compiled.operation) else {
            continue;
        };
        let mutates = operation.text.contains("mutation ");
        let path = compiled.route.path;
        let text = |name: &str| -> Value {
            let id = name == "id" || name.ends_with("_id") || name.ends_with("Id");
            json!(match (mutates, id, name) {
                (true, true, _) => "0",
                (true, false, n) if n.contains("nickname") || n == "user" => "nobody",
                (false, true, _) => match path {
                    p if p.contains("/accounts/") => &seeded.alice,
                    p if p.contains("/reports") => &seeded.report,
                    p if p.contains("/statuses") => &seeded.status,
                    p if p.contains("/chats") => &seeded.chat,
                    _ => &seeded.alice,
                },
                (false, false, n) if n.contains("nickname") || n == "user" => "alice",
                _ => "x",
            })
        };
        let variables = operation
            .variables
            .iter()
            .filter_map(|(name, ty)| Some((name.clone(), inputs.value(ty, name, &text)?)))
            .collect::<serde_json::Map<_, _>>();
        out.push(Document {
            name: format!("{} {}", compiled.route.method, compiled.route.path),
            text: operation.text.clone(),
            variables: Value::Object(variables),
            mutates,
        });
    }
    out
}

/// Documents written for the differences the two paths could have: fragments (the same one
/// spread under different roots), inline fragments on interfaces, aliases, `@skip`/`@include`
/// with variables, introspection, and every nested path into the admin side of an account.
fn generated_documents(seeded: &Seeded) -> Vec<Document> {
    let vars = json!({"alice": seeded.alice, "status": seeded.status, "report": seeded.report, "chat": seeded.chat,
        "yes": true, "no": false});
    // Each query declares the variables it uses (an unused one fails validation).
    let types = [
        ("alice", "ID!"),
        ("status", "ID!"),
        ("report", "ID!"),
        ("chat", "ID!"),
        ("yes", "Boolean!"),
        ("no", "Boolean!"),
    ];
    let decl = |body: &str| {
        let used: Vec<String> = types
            .iter()
            .filter(|(name, _)| body.contains(&format!("${name} ")) || body.contains(&format!("${name})")))
            .map(|(name, ty)| format!("${name}: {ty}"))
            .collect();
        if used.is_empty() {
            String::new()
        } else {
            format!("({})", used.join(", "))
        }
    };
    let admin_user = "adminUser { email roles { admin moderator } registrationReason isActive }";
    let queries = [
        format!("{{ account(id: $alice) {{ id {admin_user} }} }}"),
        "{ account(id: $alice) { adminUser { nickname credentials { email } } } }".into(),
        "{ a: account(id: $alice) { ...A } b: account(id: $alice) { x: id } } fragment A on Account { u: adminUser { e: email } }".into(),
        "{ ...Q } fragment Q on Query { account(id: $alice) { ... on Account { adminUser { email } } } viewer { user { nickname } } }".into(),
        "{ account(id: $alice) { adminUser @skip(if: $yes) { email } id } }".into(),
        "{ account(id: $alice) { adminUser @include(if: $no) { email } id @include(if: $yes) } }".into(),
        "{ account(id: $alice) { adminUser @skip(if: $no) { email } } }".into(),
        format!("{{ status(id: $status) {{ account {{ {admin_user} }} reblog {{ account {{ adminUser {{ email }} }} }} }} }}"),
        "{ accountStatuses(id: $alice) { nodes { account { adminUser { email } } } } }".into(),
        "{ adminStatus(id: $status) { account { adminUser { email credentials { email } } } } }".into(),
        "{ statuses { nodes { account { ...A } } } account(id: $alice) { ...A } } fragment A on Account { adminUser { email } }".into(),
        "{ reports { nodes { account { ...A } } } account(id: $alice) { ...A } } fragment A on Account { adminUser { email } }".into(),
        "{ reports { nodes { account { ...A } actor { ...A } notes { user { ...A } } statuses { account { ...A } } } } } fragment A on Account { adminUser { email roles { admin } } }".into(),
        "{ report(id: $report) { notes { content } account { adminUser { email } } } groupedReports { nodes { account { adminUser { email } } } } }".into(),
        "{ myReports { nodes { account { adminUser { email } } notes { content } } } }".into(),
        "{ chats { nodes { account { adminUser { email } } lastMessage { content } } } }".into(),
        "{ chat(id: $chat) { account { adminUser { email } } owner { id } } adminChat(id: $chat) { owner { adminUser { email } } } }".into(),
        "{ moderationLog { nodes { actor { email nickname } message } } }".into(),
        "{ viewer { user { email credentials { email } } privileges scopes } }".into(),
        "{ users { nodes { nickname credentials { email } } } viewer { user { nickname } } }".into(),
        "{ __typename account(id: $alice) { __typename adminUser { __typename } } }".into(),
        "{ __schema { queryType { name } types { name } } __type(name: \"User\") { fields { name } } }".into(),
        "{ __type(name: \"Account\") { name } instance { title } rules { totalCount } }".into(),
        "{ announcements { nodes { rawContent } } currentAnnouncements { id } }".into(),
        "{ account(id: $alice) { nope } }".into(),
    ];
    let mutations = [
        "mutation { grantPermissionGroup(input: { nicknames: [\"nobody\"], group: \"admin\" }) { ... on AdminGroupPayload { isAdmin } ... on PermissionGroupPayload { users { email } } __typename } }",
        "mutation { createStatus(input: { status: \"hi\" }) { status { id account { adminUser { email } } } } }",
        "mutation($alice: ID!) { fileReport(input: { accountId: $alice, comment: \"x\" }) { report { account { adminUser { email } } notes { content } } } }",
    ];
    let mut out: Vec<Document> = queries
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let decl = decl(&body);
            let text = match body.find(" fragment ") {
                Some(at) => format!("query Q{decl} {} {}", &body[..at], &body[at..]),
                None => format!("query Q{decl} {body}"),
            };
            Document { name: format!("generated query {i}: {body}"), text, variables: vars.clone(), mutates: false }
        })
        .collect();
    // Two operations: the one named runs, the other is walked too.
    out.push(Document {
        name: "two operations".into(),
        text: "query A { instance { title } } query B($id: ID!) { account(id: $id) { adminUser { email } } }".into(),
        variables: json!({"id": seeded.alice}),
        mutates: false,
    });
    for (i, text) in mutations.into_iter().enumerate() {
        let variables = json!({"alice": seeded.alice});
        out.push(Document { name: format!("generated mutation {i}"), text: text.into(), variables, mutates: true });
    }
    out
}

/// One run: whether it ran prechecked, and the answer (errors sorted: concurrent fields may
/// fail in any order).
async fn run(
    app: &TestApp,
    executor: &Executor,
    principal: &Principal,
    document: &Document,
    guarded: bool,
) -> (bool, Value) {
    let mut request = async_graphql::Request::new(document.text.clone())
        .variables(async_graphql::Variables::from_json(document.variables.clone()));
    if document.text.contains("query A ") {
        request = request.operation_name("B");
    }
    let mut request = request_data(request, principal.viewer.clone(), &app.state.db, &app.state.live);
    if let Some(settings) = &principal.settings {
        request = request.data(settings.clone());
    }
    let (fast, response) = if guarded {
        (false, executor.execute_guarded(request).await)
    } else {
        let fast = executor.runs_prechecked(&mut request);
        (fast, executor.execute(request).await)
    };
    let mut errors: Vec<Value> = response.errors.iter().map(|e| serde_json::to_value(e).unwrap()).collect();
    errors.sort_by_key(|e| e.to_string());
    let mut data = response.data.into_json().unwrap();
    if document.mutates {
        data = shape(&data);
    }
    (fast, json!({"data": data, "errors": errors}))
}

/// A write's answer with its values blanked (what it created has new ids and times each
/// time); refusals still show as `null` and errors.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("<string>"),
        Value::Number(_) => json!(0),
        other => other.clone(),
    }
}

/// A seeded gateway and what runs on it.
struct World {
    app: TestApp,
    principals: Vec<Principal>,
    /// The REST facade's executor (its larger complexity limit) and the GraphQL endpoint's.
    facade: Executor,
}

async fn world() -> (World, Seeded) {
    let app = TestApp::new().await;
    let (seeded, principals) = seed(&app).await;
    let facade = Executor::facade(app.state.db.clone(), app.state.settings(), app.state.mailer.clone());
    (World { app, principals, facade }, seeded)
}

/// Reads run both ways on one gateway and must answer exactly alike. A write cannot run twice
/// on one gateway and answer alike (a backup is refused the second time within a week): writes
/// run prechecked on one gateway and through the extension on a second one seeded the same way,
/// in the same order, and their data is compared with values blanked (new ids and times).
#[tokio::test]
async fn prechecked_and_per_field_checks_answer_alike() {
    let started = std::time::Instant::now();
    let ((one, seeded), (two, seeded_two)) = tokio::join!(world(), world());
    let inputs = Inputs::new(&one.facade.sdl());
    let documents = |world: &World, seeded: &Seeded| {
        let routes = route_documents(&world.app, seeded, &inputs).into_iter().map(|d| (true, d));
        routes.chain(generated_documents(seeded).into_iter().map(|d| (false, d))).collect::<Vec<_>>()
    };
    let (documents, documents_two) = (documents(&one, &seeded), documents(&two, &seeded_two));
    assert!(documents.iter().filter(|(route, _)| *route).count() > 150, "every route operation");
    let (mut runs, mut fast_runs) = (0, 0);
    // Documents some caller got data from (the rest failed validation for everyone, or every
    // caller was refused).
    let mut answered = std::collections::HashSet::new();
    for ((route, document), (_, document_two)) in documents.iter().zip(&documents_two) {
        let executor = |world: &World| if *route { world.facade.clone() } else { world.app.state.schema.clone() };
        for (principal, principal_two) in one.principals.iter().zip(&two.principals) {
            let (fast, auto) = run(&one.app, &executor(&one), principal, document, false).await;
            let guarded = if document.mutates {
                run(&two.app, &executor(&two), principal_two, document_two, true).await.1
            } else {
                run(&one.app, &executor(&one), principal, document, true).await.1
            };
            runs += 1;
            fast_runs += usize::from(fast);
            if !auto["data"].is_null() {
                answered.insert(document.name.clone());
            }
            assert_eq!(auto, guarded, "{} as {} (prechecked: {fast})", document.name, principal.name);
            // What runs prechecked is what the extension refuses nothing of.
            let text = guarded.to_string();
            // (An owner check's own refusal, Pleroma's `{:error, :forbidden}` "Access denied" for
            // someone else's bookmark folder, is the field's answer, not an access rule's.)
            let refused =
                (text.contains("FORBIDDEN") && !text.contains("\"Access denied\"")) || text.contains("UNAUTHENTICATED");
            assert!(!fast || !refused, "{text}");
        }
    }
    let unanswered: Vec<&str> =
        documents.iter().map(|(_, d)| d.name.as_str()).filter(|name| !answered.contains(*name)).collect();
    eprintln!("answered by nobody: {unanswered:#?}");
    // Both paths are exercised.
    assert!(fast_runs > runs / 5 && fast_runs < runs, "{fast_runs} of {runs} runs prechecked");
    eprintln!("{runs} documents run both ways ({fast_runs} prechecked) in {:?}", started.elapsed());
}
