//! sea-orm entities, one file per table. These are storage rows only: GraphQL types and
//! Pleroma wire shapes are separate types built from them.
pub mod announcement;
pub mod announcement_read;
pub mod backup;
pub mod banned_media_url;
pub mod block;
pub mod email_confirmation_token;
pub mod follow;
pub mod instance_secret;
pub mod job;
pub mod media_attachment;
pub mod mention;
pub mod moderation_log;
pub mod mute;
pub mod oauth_app;
pub mod oauth_token;
pub mod password_reset_token;
pub mod relay_follow;
pub mod remote_key;
pub mod report;
pub mod report_note;
pub mod report_status;
pub mod rule;
pub mod status;
pub mod user;
pub mod user_invite_token;
pub mod user_tag;
