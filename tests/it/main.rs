//! Integration tests: real HTTP against the real router on a loopback port, on SQLite, or on a
//! fresh PostgreSQL database per test when `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

mod announcements;
mod bootstrap;
mod cli;
mod credentials;
mod engine;
mod facade;
mod graphiql;
mod graphql;
mod hardening;
mod import;
mod invites;
mod layers;
mod moderation_log;
mod nicknames;
mod oauth;
mod oauth_apps;
mod password_reset;
mod purge;
mod readme;
mod registration;
mod relationships;
mod reports;
mod rules;
mod seed;
mod statuses;
mod token_cache;
mod users_read;
mod users_write;
