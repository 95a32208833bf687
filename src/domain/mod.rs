//! Business rules, one module per area. Functions take a connection or a transaction and know
//! nothing of HTTP or GraphQL.
pub mod announcements;
pub mod credentials;
pub mod import;
pub mod instance;
pub mod invites;
pub mod limits;
pub mod mail;
pub mod media;
pub mod moderation_log;
pub mod oauth;
pub mod oauth_apps;
pub mod password;
pub mod privileges;
pub mod purge;
pub mod registration;
pub mod relationships;
pub mod reports;
pub mod rules;
pub mod secret;
pub mod statuses;
pub mod user_admin;
pub mod users;
