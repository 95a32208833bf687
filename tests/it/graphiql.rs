//! GraphiQL is served offline: the page names only same-origin assets, and every one of them
//! comes from the gateway itself.
use reqwest::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn graphiql_page_and_every_asset_it_references_come_from_the_gateway() {
    let app = TestApp::new().await;
    let page = app.client.get(format!("{}/graphql", app.base)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("unpkg") && !html.contains("cdn") && !html.contains("//"), "{html}");

    let references: Vec<String> = regex::Regex::new(r#"(?:src|href)="([^"]+)""#)
        .unwrap()
        .captures_iter(&html)
        .map(|c| c[1].to_string())
        .collect();
    // React, ReactDOM, GraphiQL's script and stylesheet, the start-up script and the page's stylesheet.
    assert_eq!(references.len(), 6, "{references:?}");
    for reference in &references {
        assert!(reference.starts_with("/graphql/assets/"), "not same-origin: {reference}");
        let response = app.client.get(format!("{}{reference}", app.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{reference}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        let cache = response.headers()["cache-control"].to_str().unwrap().to_string();
        assert!(cache.contains("max-age=31536000"), "{reference}: {cache}");
        let path = reference.split('?').next().unwrap();
        let expected = if path.ends_with(".js") { "text/javascript" } else { "text/css" };
        assert!(content_type.starts_with(expected), "{reference}: {content_type}");
        let bytes = response.bytes().await.unwrap();
        let minimum = if path.ends_with("init.js") || path.ends_with("page.css") { 40 } else { 10_000 };
        assert!(bytes.len() > minimum, "{reference}: {} bytes", bytes.len());
    }
    // The libraries are the pinned production builds.
    let react = app.client.get(format!("{}/graphql/assets/react.production.min.js", app.base)).send().await.unwrap();
    assert!(react.text().await.unwrap().contains("react.production.min.js"));
    // The licences travel with them.
    for licence in ["LICENSE.react", "LICENSE.react-dom", "LICENSE.graphiql"] {
        let response = app.client.get(format!("{}/graphql/assets/{licence}", app.base)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("MIT License"));
    }
    let missing = app.client.get(format!("{}/graphql/assets/nope.js", app.base)).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
