//! The captcha a registration may need (`GET /api/pleroma/captcha`).
use async_graphql::{Context, Enum, Object, SimpleObject};

use super::{ContextExt, FieldRule};
use crate::{auth::Access, domain::captcha as domain};

/// Access rules of this area's fields: anyone may ask for a captcha (registration is anonymous).
pub const ACCESS: &[FieldRule] = &[("Query", "captcha", Access::Public)];

/// Which captcha was handed out.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CaptchaType {
    /// Captchas are off (`Pleroma.Captcha, :enabled` false): registration needs none.
    None,
    /// An image made by the gateway (`Pleroma.Captcha.Native`).
    Native,
    /// An image from a Kocaptcha service (`Pleroma.Captcha.Kocaptcha`).
    Kocaptcha,
}

/// A captcha to solve before registering: send `token`, `answerData` and the characters in the
/// image as `captcha_token`, `captcha_answer_data` and `captcha_solution`. Each captcha takes one
/// try. When captchas are off, only `type` (`NONE`) is set.
#[derive(SimpleObject, Debug, Clone)]
pub struct Captcha {
    /// Which captcha this is.
    #[graphql(name = "type")]
    pub kind: CaptchaType,
    /// Identifies the captcha; sent back with the answer.
    pub token: Option<String>,
    /// The image: a `data:image/png;base64,…` URI (native) or the Kocaptcha service's image URL.
    pub url: Option<String>,
    /// Opaque signed data bound to `token`, sent back with the answer.
    pub answer_data: Option<String>,
    /// Seconds the captcha can be answered.
    pub seconds_valid: Option<u64>,
}

impl From<domain::Captcha> for Captcha {
    fn from(captcha: domain::Captcha) -> Self {
        let kind = match captcha.kind {
            "native" => CaptchaType::Native,
            "kocaptcha" => CaptchaType::Kocaptcha,
            _ => CaptchaType::None,
        };
        Captcha {
            kind,
            token: captcha.token,
            url: captcha.url,
            answer_data: captcha.answer_data,
            seconds_valid: captcha.seconds_valid,
        }
    }
}

/// The captcha query.
#[derive(Default)]
pub struct CaptchaQuery;

#[Object]
impl CaptchaQuery {
    /// A new captcha by the configured method (each call makes one), or type `NONE` when
    /// captchas are off. Fails with `UPSTREAM` when the Kocaptcha service cannot be reached.
    async fn captcha(&self, ctx: &Context<'_>) -> async_graphql::Result<Captcha> {
        Ok(domain::new(ctx.db(), ctx.settings()).await?.into())
    }
}
