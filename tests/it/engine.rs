//! The facade engine on a table of its own: one test route for each kind of answer (text and
//! binary downloads, a redirect, `Link` headers, 201 with no body, uploads), native rows with a
//! guard, per-row body limits, and the start-up checks that refuse a wrong row.
use std::{io::Read, sync::Arc};

use async_graphql::{Context, EmptySubscription, Object, Schema, SimpleObject, Upload};
use axum::{
    http::{header, Method, StatusCode},
    response::IntoResponse,
    routing::on,
};
use base64::Engine;
use pleroma_gateway::{
    auth::Access,
    rest::{page_links, typed, walked, Answer, Call, Drift, Execute, Facade, Mapped, Route, Shape, Wire, UPLOAD_BODY},
};
use serde_json::json;

use crate::common::TestApp;

struct Query;

/// Fields standing in for the areas' downloads and lists.
#[Object]
impl Query {
    async fn calendar(&self) -> String {
        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into()
    }
    async fn archive(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(b"PK\x03\x04\x00\xffbinary")
    }
    async fn destination(&self, to: String) -> String {
        format!("https://elsewhere.example/{to}")
    }
    async fn numbers(&self, page: i32) -> Numbers {
        Numbers { items: vec![page * 10, page * 10 + 1], has_next: page < 3 }
    }
}

#[derive(SimpleObject)]
struct Numbers {
    items: Vec<i32>,
    has_next: bool,
}

struct Mutation;

#[derive(SimpleObject)]
struct Uploaded {
    filename: String,
    content_type: Option<String>,
    size: u64,
    note: Option<String>,
    extra_sizes: Vec<u64>,
}

fn size(ctx: &Context<'_>, upload: &Upload) -> u64 {
    let mut bytes = Vec::new();
    upload.value(ctx).ok().and_then(|mut v| v.content.read_to_end(&mut bytes).ok());
    bytes.len() as u64
}

#[Object]
impl Mutation {
    async fn create_thing(&self, name: String) -> bool {
        !name.is_empty()
    }
    async fn upload(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        extra: Option<Vec<Upload>>,
        note: Option<String>,
    ) -> async_graphql::Result<Uploaded> {
        let value = file.value(ctx).map_err(|e| async_graphql::Error::new(e.to_string()))?;
        Ok(Uploaded {
            filename: value.filename.clone(),
            content_type: value.content_type.clone(),
            size: size(ctx, &file),
            note,
            extra_sizes: extra.unwrap_or_default().iter().map(|u| size(ctx, u)).collect(),
        })
    }
}

const RULES: &[(&str, &str, Access)] = &[
    ("Query", "calendar", Access::Public),
    ("Query", "archive", Access::Public),
    ("Query", "destination", Access::Public),
    ("Query", "numbers", Access::Public),
    ("Mutation", "createThing", Access::Public),
    ("Mutation", "upload", Access::Public),
];

/// `Link` headers for a page-numbered list: what the areas' list routes will use.
fn with_links(value: async_graphql::Value, call: &Call<'_>) -> Result<Answer, pleroma_gateway::error::AppError> {
    let page = call.params.get("page").and_then(|p| p.as_str()?.parse().ok()).unwrap_or(1);
    let has_next = matches!(&value, async_graphql::Value::Object(m) if m.get("has_next") == Some(&async_graphql::Value::Boolean(true)));
    let items = match value {
        async_graphql::Value::Object(mut m) => m.shift_remove("items").unwrap_or_default(),
        _ => async_graphql::Value::Null,
    };
    let mut answer = Answer::json(items);
    if let Some(links) = page_links(call.instance_url, call.uri, page, has_next) {
        answer = answer.header(header::LINK, &links);
    }
    Ok(answer)
}

async fn native_hello() -> impl IntoResponse {
    pleroma_gateway::rest::json(StatusCode::OK, &json!({"hello": "world"}))
}

fn table() -> Vec<Route> {
    use Method as M;
    vec![
        Route::admin(
            M::GET,
            "/api/v1/pleroma/test/calendar",
            "A text download",
            ("test/calendar", "query { calendar }"),
            Shape::Text { at: None, content_type: "text/calendar; charset=utf-8" },
        ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/test/archive",
            "A binary download",
            ("test/archive", "query { archive }"),
            Shape::Binary { at: None, content_type: "application/zip" },
        ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/test/go/{to}",
            "A redirect",
            ("test/go", "query($to: String!) { destination(to: $to) }"),
            Shape::Redirect { at: None },
        ),
        Route::admin(
            M::GET,
            "/api/v1/pleroma/test/numbers",
            "A list with Link headers",
            ("test/numbers", "query($page: Int) { numbers(page: $page) { items has_next: hasNext } }"),
            Shape::Convert(with_links),
        ),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/test/things",
            "201 with no body",
            ("test/things", "mutation($name: String!) { createThing(name: $name) }"),
            Shape::Empty(StatusCode::CREATED),
        ),
        Route::admin(
            M::POST,
            "/api/v1/pleroma/test/upload",
            "An upload",
            (
                "test/upload",
                "mutation($file: Upload!, $extra: [Upload!], $note: String) {
                   upload(file: $file, extra: $extra, note: $note) {
                     filename content_type: contentType size note extra_sizes: extraSizes
                   }
                 }",
            ),
            Shape::FIELD,
        )
        .body_limit(UPLOAD_BODY),
        Route::native(
            M::GET,
            "/api/v1/pleroma/test/native",
            "A guarded native row",
            Access::Admin(&["admin:read"]),
            |m| on(m, native_hello),
            &[(200, "Hello")],
        ),
    ]
}

fn execute() -> Execute {
    let schema = Schema::new(Query, Mutation, EmptySubscription);
    Arc::new(move |request| {
        let schema = schema.clone();
        Box::pin(async move { schema.execute(request).await })
    })
}

fn compile(table: Vec<Route>) -> Result<Facade, String> {
    let sdl = Schema::new(Query, Mutation, EmptySubscription).sdl();
    Facade::compile(&sdl, &pleroma_gateway::graphql::Rules::new(&sdl, RULES, &[]), table, execute())
}

async fn app() -> TestApp {
    TestApp::with_facade(compile(table()).expect("the test table compiles")).await
}

#[tokio::test]
async fn text_and_binary_downloads() {
    let app = app().await;
    for prefix in ["/api/v1/pleroma", "/api/pleroma"] {
        let reply = app.client.get(format!("{}{prefix}/test/calendar", app.base)).send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.headers()[header::CONTENT_TYPE], "text/calendar; charset=utf-8");
        assert_eq!(reply.text().await.unwrap(), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
    }
    let reply = app.client.get(format!("{}/api/v1/pleroma/test/archive", app.base)).send().await.unwrap();
    assert_eq!(reply.headers()[header::CONTENT_TYPE], "application/zip");
    assert_eq!(reply.bytes().await.unwrap().as_ref(), b"PK\x03\x04\x00\xffbinary");
}

#[tokio::test]
async fn redirect() {
    let app = app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let reply = client.get(format!("{}/api/pleroma/test/go/there", app.base)).send().await.unwrap();
    assert_eq!(reply.status(), StatusCode::FOUND);
    assert_eq!(reply.headers()[header::LOCATION], "https://elsewhere.example/there");
}

#[tokio::test]
async fn link_headers() {
    let app = app().await;
    let reply = app.get("/api/v1/pleroma/test/numbers?page=2&x=y", None).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!([20, 21])));
    let base = &app.state.settings().instance_url;
    assert_eq!(
        reply.headers[header::LINK],
        format!(
            "<{base}/api/v1/pleroma/test/numbers?x=y&page=3>; rel=\"next\", \
             <{base}/api/v1/pleroma/test/numbers?x=y&page=1>; rel=\"prev\""
        )
    );
    let last = app.get("/api/v1/pleroma/test/numbers?page=3", None).await;
    assert_eq!(last.headers[header::LINK], format!("<{base}/api/v1/pleroma/test/numbers?page=2>; rel=\"prev\""));
    let only = app.get("/api/v1/pleroma/test/numbers?page=1", None).await;
    assert_eq!(only.headers[header::LINK], format!("<{base}/api/v1/pleroma/test/numbers?page=2>; rel=\"next\""));
}

#[tokio::test]
async fn created_with_no_body() {
    let app = app().await;
    let reply = app.request(Method::POST, "/api/v1/pleroma/test/things", None, Some(json!({"name": "x"}))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(reply.text, "");
    // The row's body limit: ordinary rows take 1 MiB.
    let big = json!({ "name": "x".repeat(2 * 1024 * 1024) });
    let reply = app.request(Method::PUT, "/api/v1/pleroma/test/things", None, Some(big.clone())).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let reply = app.request(Method::POST, "/api/v1/pleroma/test/things", None, Some(big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert!(reply.body["error"].is_string());
}

#[tokio::test]
async fn uploads_reach_upload_variables() {
    let app = app().await;
    let file = vec![7u8; 3 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("note", "hello")
        .part("file", reqwest::multipart::Part::bytes(file).file_name("pack.zip").mime_str("application/zip").unwrap())
        .part("extra[]", reqwest::multipart::Part::bytes(vec![1u8; 5]).file_name("a.png"))
        .part("extra[]", reqwest::multipart::Part::bytes(vec![1u8; 6]).file_name("b.png"));
    let reply = app.client.post(format!("{}/api/pleroma/test/upload", app.base)).multipart(form).send().await.unwrap();
    let reply = crate::common::Reply::from(reply).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "filename": "pack.zip", "content_type": "application/zip", "size": 3 * 1024 * 1024,
            "note": "hello", "extra_sizes": [5, 6],
        })
    );
    // A required file that is missing is a 400 naming it.
    let form = reqwest::multipart::Form::new().text("note", "no file");
    let reply = app.client.post(format!("{}/api/pleroma/test/upload", app.base)).multipart(form).send().await.unwrap();
    let reply = crate::common::Reply::from(reply).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["error"], "Missing field: file.");
}

#[tokio::test]
async fn native_rows_are_guarded_by_the_table() {
    let app = app().await;
    for prefix in ["/api/v1/pleroma", "/api/pleroma"] {
        let reply = app.get(&format!("{prefix}/test/native"), None).await;
        assert_eq!((reply.status, reply.body), (StatusCode::FORBIDDEN, json!({"error": "Invalid credentials."})));
    }
    let admin = app.admin("admin").await;
    let token = app.token(&admin, "admin:read").await;
    let reply = app.get("/api/pleroma/test/native", Some(&token)).await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, json!({"hello": "world"})));
}

#[test]
fn wrong_rows_fail_at_start_up() {
    let row = |method: Method, shape: Shape, text: &'static str| {
        vec![Route::admin(method, "/api/v1/pleroma/test/x", "x", ("test/x", text), shape)]
    };
    let fails = |table: Vec<Route>, needle: &str| match compile(table) {
        Ok(_) => panic!("compiled, expected an error with {needle:?}"),
        Err(e) => assert!(e.contains(needle), "{e}"),
    };
    fails(row(Method::from_bytes(b"BREW").unwrap(), Shape::FIELD, "query { calendar }"), "BREW");
    fails(row(Method::GET, Shape::at("itemz"), "query { numbers(page: 1) { items } }"), "`itemz`");
    fails(row(Method::GET, Shape::Literal("{not json"), "query { calendar }"), "not JSON");
    fails(row(Method::GET, Shape::FIELD, "query { calendar archive }"), "root fields");
    fails(row(Method::GET, Shape::FIELD, "query { nope }"), "no field Query.nope");
    let twice =
        [row(Method::GET, Shape::FIELD, "query { calendar }"), row(Method::GET, Shape::FIELD, "query { archive }")];
    fails(twice.into_iter().flatten().collect(), "routed twice");
    assert!(compile(row(Method::GET, Shape::at("items"), "query { numbers(page: 1) { items } }")).is_ok());
}

/// `numbers { items hasNext }` read as a typed input.
#[derive(serde::Deserialize)]
struct NumbersPage {
    items: Vec<i64>,
    has_next: bool,
}

impl Wire for NumbersPage {
    fn wire(self) -> async_graphql::Value {
        async_graphql::Value::from(format!("{} {}", self.items.len(), self.has_next))
    }
}

/// `items` read as strings: the schema's are integers.
#[derive(serde::Deserialize)]
struct TextItems {
    #[allow(dead_code)] // read only to be checked
    items: Vec<String>,
}

impl Wire for TextItems {
    fn wire(self) -> async_graphql::Value {
        async_graphql::Value::Null
    }
}

/// A mapper whose operation drifted from its input type stops the start-up: a field it reads
/// not selected, a field of another type, a walker that finds nothing of its kind.
#[test]
fn drifted_mappers_fail_at_start_up() {
    let row = |shape: Shape, text: &'static str| {
        vec![Route::admin(Method::GET, "/api/v1/pleroma/test/x", "x", ("test/x", text), shape)]
    };
    let fails = |table: Vec<Route>, needle: &str| match compile(table) {
        Ok(_) => panic!("compiled, expected an error with {needle:?}"),
        Err(e) => assert!(e.contains(needle), "{e}"),
    };
    let typed_page = Shape::FIELD.mapped(typed::<NumbersPage>);
    fails(row(typed_page, "query { numbers(page: 1) { items } }"), "missing field `has_next`");
    fails(row(Shape::FIELD.mapped(typed::<TextItems>), "query { numbers(page: 1) { items } }"), "cannot read");
    let nothing: fn(async_graphql::Value) -> Result<Mapped, Drift> = |value| walked(value, |_| Ok(0));
    fails(row(Shape::FIELD.mapped(nothing), "query { numbers(page: 1) { items } }"), "finds nothing");
    assert!(compile(row(typed_page, "query { numbers(page: 1) { items has_next: hasNext } }")).is_ok());
}
