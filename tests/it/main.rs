//! Integration tests: real HTTP against the real router on a loopback port, on SQLite, or on a
//! fresh PostgreSQL database per test when `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

mod announcements;
mod backups;
mod bootstrap;
mod cli;
mod credentials;
mod documents;
mod engine;
mod facade;
mod frontends;
mod graphiql;
mod graphql;
mod hardening;
mod import;
mod invites;
mod layers;
mod media_proxy;
mod moderation_log;
mod nicknames;
mod oauth;
mod oauth_apps;
mod password_reset;
mod purge;
mod readme;
mod registration;
mod relationships;
mod relays;
mod reports;
mod rules;
mod seed;
mod statuses;
mod token_cache;
mod users_read;
mod users_write;
