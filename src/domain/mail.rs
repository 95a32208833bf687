//! Outgoing mail behind one interface: SMTP when configured, otherwise `.eml` files in
//! `<data_dir>/outbox` (lettre's file transport), which operators and tests can read.
use std::path::PathBuf;

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::{config::Settings, error::AppError};

/// An email to send.
#[derive(Debug, Clone)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// What an email may add to [`Email`]: its own sender and an HTML part (Pleroma's welcome email).
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `Name <address>` or an address, instead of the mailer's sender.
    pub from: Option<String>,
    /// An HTML alternative to the text.
    pub html: Option<String>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Disabled,
}

/// The configured mail transport; a restart swaps it in place ([`Mailer::reconfigure`]).
pub struct Mailer {
    inner: std::sync::RwLock<std::sync::Arc<Inner>>,
}

struct Inner {
    transport: Transport,
    from: String,
}

impl Mailer {
    /// Build the transport the settings ask for.
    pub fn new(settings: &Settings) -> Result<Mailer, String> {
        Ok(Mailer { inner: std::sync::RwLock::new(std::sync::Arc::new(Inner::new(settings)?)) })
    }

    /// Build the transport again from `settings`; mail being sent finishes on the old one.
    pub fn reconfigure(&self, settings: &Settings) -> Result<(), String> {
        let inner = std::sync::Arc::new(Inner::new(settings)?);
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = inner;
        Ok(())
    }

    fn inner(&self) -> std::sync::Arc<Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether mail is sent at all (nodeinfo's `mailerEnabled`).
    pub fn enabled(&self) -> bool {
        !matches!(self.inner().transport, Transport::Disabled)
    }

    /// The outbox directory, when mail goes to files.
    pub fn outbox(&self) -> Option<PathBuf> {
        match &self.inner().transport {
            Transport::Outbox(_, dir) => Some(dir.clone()),
            _ => None,
        }
    }

    /// Send one email.
    pub async fn send(&self, email: Email) -> Result<(), AppError> {
        self.inner().send(email, Extras::default()).await
    }

    /// Send one email with its own sender or an HTML part.
    pub async fn send_with(&self, email: Email, extras: Extras) -> Result<(), AppError> {
        self.inner().send(email, extras).await
    }
}

impl Inner {
    fn new(settings: &Settings) -> Result<Inner, String> {
        let transport = if !settings.mailer.enabled {
            Transport::Disabled
        } else if let Some(url) = &settings.mailer.smtp_url {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("invalid SMTP URL: {e}"))?
                    .build(),
            )
        } else {
            let dir = settings.data_dir.join("outbox");
            Transport::Outbox(AsyncFileTransport::new(&dir), dir)
        };
        Ok(Inner { transport, from: settings.mailer.from.clone() })
    }

    async fn send(&self, email: Email, extras: Extras) -> Result<(), AppError> {
        let from: Mailbox = extras.from.as_deref().unwrap_or(&self.from).parse().map_err(AppError::internal)?;
        let to: Mailbox = email.to.parse().map_err(|_| AppError::BadRequest("Invalid email address".into()))?;
        let builder = Message::builder().from(from).to(to).subject(email.subject);
        let message = match extras.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(email.text, html)),
            None => builder.header(ContentType::TEXT_PLAIN).body(email.text),
        }
        .map_err(AppError::internal)?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(AppError::internal),
            Transport::Outbox(files, dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(AppError::internal)?;
                files.send(message).await.map(|_| ()).map_err(AppError::internal)
            }
            Transport::Disabled => Ok(()),
        }
    }
}
