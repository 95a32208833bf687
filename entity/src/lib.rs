//! sea-orm entities, one file per table. These are storage rows only: GraphQL types and
//! Pleroma wire shapes are separate types built from them.
pub mod email_confirmation_token;
pub mod follow;
pub mod moderation_log;
pub mod oauth_app;
pub mod oauth_token;
pub mod password_reset_token;
pub mod user;
pub mod user_tag;
