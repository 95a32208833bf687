//! Integration tests: real HTTP against the real router on a loopback port, on SQLite, or on a
//! fresh PostgreSQL database per test when `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;

mod credentials;
mod password_reset;

mod bootstrap;
mod facade;
mod graphql;
mod moderation_log;
mod oauth;
mod users_read;
mod users_write;
