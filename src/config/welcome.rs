//! `[welcome]`: Pleroma's `:welcome` messages to newly registered users (a direct message, a
//! chat message, an email), sent once an account is confirmed and approved at registration.
use serde::Deserialize;

/// A welcome message posted by a local user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WelcomeMessage {
    pub enabled: bool,
    /// The local user who sends it.
    pub sender_nickname: Option<String>,
    pub message: Option<String>,
}

/// The welcome email.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WelcomeEmail {
    pub enabled: bool,
    /// The sender's address (default: the mailer's).
    pub sender: Option<String>,
    /// The sender's name with `sender` (Pleroma's `{name, email}` tuple; default: the instance name).
    pub sender_name: Option<String>,
    /// Templates: `<%= instance_name %>` and `<%= user.nickname %>` are replaced.
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl Default for WelcomeEmail {
    fn default() -> Self {
        let welcome = "Welcome to <%= instance_name %>".to_string();
        WelcomeEmail {
            enabled: false,
            sender: None,
            sender_name: None,
            subject: welcome.clone(),
            html: welcome.clone(),
            text: welcome,
        }
    }
}

/// Pleroma's `:welcome`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Welcome {
    pub direct_message: WelcomeMessage,
    pub chat_message: WelcomeMessage,
    pub email: WelcomeEmail,
}
