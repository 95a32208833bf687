//! The REST compatibility facade: the engine (`engine/`) and one file of rows per area. Every
//! route is a row — GraphQL operations and native handlers alike — so each gets both prefixes,
//! an OpenAPI entry and a place in the refusal test from the same table.
mod engine;

pub mod accounts;
mod activitypub;
mod announcements;
mod backups;
mod bookmarks;
mod bootstrap;
mod captcha;
mod chats;
mod config;
mod conversations;
mod credentials;
mod documents;
mod emoji;
mod events;
mod favourites;
mod frontends;
mod grouped_reports;
mod images;
mod invites;
mod media_proxy;
mod mfa;
mod moderation_log;
mod notifications;
mod oauth;
mod oauth_apps;
mod own_account;
mod password_reset;
mod polls;
mod purge;
mod reference;
mod registration;
mod relays;
mod reports;
mod rules;
mod scrobbles;
mod signin;
mod statuses;
mod users;

pub use engine::*;

/// `operation!("area/name")`: the name and text of `operations/area/name.graphql`.
macro_rules! operation {
    ($name:literal) => {
        ($name, include_str!(concat!("operations/", $name, ".graphql")))
    };
}
pub(crate) use operation;

/// Every route, area by area (each area's rows in the order of the Pleroma docs).
pub fn route_table() -> Vec<Route> {
    [
        users::routes(),
        credentials::routes(),
        invites::routes(),
        reports::routes(),
        rules::routes(),
        announcements::routes(),
        moderation_log::routes(),
        accounts::routes(),
        oauth::routes(),
        oauth_apps::routes(),
        bootstrap::routes(),
        password_reset::routes(),
        purge::routes(),
        registration::routes(),
        statuses::routes(),
        polls::routes(),
        documents::routes(),
        frontends::routes(),
        backups::routes(),
        media_proxy::routes(),
        relays::routes(),
        activitypub::routes(),
        chats::routes(),
        own_account::routes(),
        images::routes(),
        emoji::routes(),
        config::routes(),
        captcha::routes(),
        events::routes(),
        mfa::routes(),
        signin::routes(),
        bookmarks::routes(),
        conversations::routes(),
        scrobbles::routes(),
        favourites::routes(),
        notifications::routes(),
        vec![
            Route::native(
                axum::http::Method::GET,
                "/api/openapi",
                "This document",
                crate::auth::Access::Public,
                |m| axum::routing::on(m, openapi::serve),
                &[(200, "The OpenAPI document")],
            ),
            Route::native(
                axum::http::Method::GET,
                "/api/openapi.html",
                "This document as a page to read (no scripts, served offline)",
                crate::auth::Access::Public,
                |m| axum::routing::on(m, reference::serve),
                &[(200, "An HTML page")],
            ),
        ],
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The facade over the gateway's schema.
pub fn facade(executor: crate::graphql::Executor) -> Result<Facade, String> {
    let sdl = executor.sdl();
    let rules = executor.rules().clone();
    let execute: Execute = std::sync::Arc::new(move |request| {
        let executor = executor.clone();
        Box::pin(async move { executor.execute(request).await })
    });
    // The table and the schema are fixed in a build, so their compilation and start-up checks
    // (over a second unoptimised) run once per process, not once per `AppState`: the test
    // suite builds hundreds of apps. The copy is reused only for the same SDL.
    type Compiled = (String, Vec<CompiledRoute>, SchemaIndex);
    static COMPILED: std::sync::Mutex<Option<Compiled>> = std::sync::Mutex::new(None);
    let mut compiled = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, routes, index)) = compiled.as_ref().filter(|(cached, _, _)| *cached == sdl) {
        return Ok(Facade { routes: routes.clone(), index: index.clone(), execute });
    }
    let facade = Facade::compile(&sdl, &rules, route_table(), execute)?;
    *compiled = Some((sdl, facade.routes.clone(), facade.index.clone()));
    Ok(facade)
}
