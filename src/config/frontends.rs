//! `[frontend_configurations]` and `[frontends]`: what each frontend reads, and the frontends an
//! admin may install.
use std::path::PathBuf;

use serde::Deserialize;

/// Pleroma's `:frontend_configurations`: what each frontend reads from
/// `GET /api/pleroma/frontend_configurations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontendConfigurations {
    /// Pleroma FE's settings (Pleroma's defaults from `config/config.exs`).
    pub pleroma_fe: serde_json::Map<String, serde_json::Value>,
    /// Mastodon FE's settings (left out of the answer when empty).
    pub masto_fe: serde_json::Map<String, serde_json::Value>,
}

impl Default for FrontendConfigurations {
    fn default() -> Self {
        let pleroma_fe = serde_json::json!({
            "alwaysShowSubjectInput": true,
            "background": "/images/city.jpg",
            "collapseMessageWithSubject": false,
            "disableChat": false,
            "greentext": false,
            "hideFilteredStatuses": false,
            "hideMutedPosts": false,
            "hidePostStats": false,
            "hideSitename": false,
            "hideUserStats": false,
            "loginMethod": "password",
            "logo": "/static/logo.svg",
            "logoMargin": ".1em",
            "logoMask": true,
            "minimalScopesMode": false,
            "noAttachmentLinks": false,
            "nsfwCensorImage": "",
            "postContentType": "text/plain",
            "redirectRootLogin": "/main/friends",
            "redirectRootNoLogin": "/main/all",
            "scopeCopy": true,
            "sidebarRight": false,
            "showFeaturesPanel": true,
            "showInstanceSpecificPanel": false,
            "subjectLineBehavior": "email",
            "theme": "pleroma-dark",
            "webPushNotifications": false
        });
        let serde_json::Value::Object(pleroma_fe) = pleroma_fe else { unreachable!("an object literal") };
        FrontendConfigurations { pleroma_fe, masto_fe: serde_json::Map::new() }
    }
}

/// Pleroma's `:frontends` settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Frontends {
    /// The known frontends (`[[frontends.available]]`); without the key, Pleroma's defaults
    /// (`config/config.exs` `:frontends, :available`).
    pub available: Option<Vec<FrontendEntry>>,
    /// The only directory an install's `file` may name an archive in (symlinks resolved);
    /// default `<data_dir>/frontend_archives`. The database's files are refused even here.
    pub archive_dir: Option<PathBuf>,
    /// The installed build served at `/pleroma/admin/` (Pleroma's `:frontends, :admin`).
    pub admin: Option<FrontendRef>,
}

/// An installed build: `{ name = "admin-fe", ref = "stable" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontendRef {
    pub name: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
}

/// One known frontend.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontendEntry {
    pub name: String,
    pub git: Option<String>,
    /// Where its build is downloaded from; `${ref}` is replaced by the ref.
    pub build_url: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The directory inside the build archive to install (default `dist`).
    pub build_dir: Option<String>,
}
