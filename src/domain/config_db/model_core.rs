//! Pleroma's own settings that the gateway applies (`config/description.exs` wording), in
//! admin-fe's order.
use super::{
    encoding::Codec,
    model::{setting, Declared},
};

const PRIVILEGES: &str = r#"[":users_read", ":users_manage_invites", ":users_manage_activation_state", ":users_manage_tags", ":users_manage_credentials", ":users_delete", ":messages_read", ":messages_delete", ":instances_delete", ":reports_manage_reports", ":moderation_log_read", ":announcements_manage_announcements", ":emoji_manage_emoji", ":statistics_read"]"#;
const LIMIT: &str = r#"[{"tuple": [1000, 10]}, [{"tuple": [10000, 10]}, {"tuple": [10000, 50]}]]"#;

/// The settings this module declares.
pub fn declared() -> Vec<Declared> {
    vec![
        setting!(":pleroma", ":instance", ":name", instance.name, "Name of the instance", r#"["Pleroma"]"#),
        setting!(
            ":pleroma",
            ":instance",
            ":email",
            instance.email,
            "Email used to reach an Administrator/Moderator of the instance",
            r#"["email@example.com"]"#
        )
        .label("Admin Email Address"),
        setting!(
            ":pleroma",
            ":instance",
            ":notify_email",
            mailer.from,
            "Envelope FROM address for mail sent via Pleroma",
            r#"["notify@example.com"]"#
        )
        .label("Sender Email Address")
        // The mail transport is built with it.
        .reboot(),
        setting!(
            ":pleroma",
            ":instance",
            ":description",
            instance.description,
            "The instance's description. It can be seen in nodeinfo and `/api/v1/instance`",
            r#"["Very cool instance"]"#
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":limit",
            instance.limit,
            "Posts character limit (CW/Subject included in the counter)",
            "[5000]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":registrations_open",
            instance.registrations_open,
            "Enable registrations for anyone. Invitations require this setting to be disabled.",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":invites_enabled",
            instance.invites_enabled,
            "Enable user invitations for admins (depends on `registrations_open` being disabled)",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":account_activation_required",
            instance.account_activation_required,
            "Require users to confirm their emails before signing in",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":account_approval_required",
            instance.account_approval_required,
            "Require users to be manually approved by an admin before signing in",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":public",
            instance.public,
            "Makes the client API in authenticated mode-only except for user-profiles. Useful for disabling the Local \
             Timeline and The Whole Known Network.  Note: when setting to `false`, please also check \
             `:restrict_unauthenticated` setting.",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":healthcheck",
            instance.healthcheck,
            "If enabled, system data will be shown on `/api/pleroma/healthcheck`",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":admin_privileges",
            instance.admin_privileges,
            "What extra privileges to allow admins (e.g. updating user credentials, get password reset token, delete \
             users, index and read private statuses and chats)",
            PRIVILEGES
        ),
        setting!(
            ":pleroma",
            ":instance",
            ":moderator_privileges",
            instance.moderator_privileges,
            "What extra privileges to allow moderators (e.g. updating user credentials, get password reset token, \
             delete users, index and read private statuses and chats)",
            PRIVILEGES
        ),
        setting!(
            ":pleroma",
            ":auth",
            ":enforce_oauth_admin_scope_usage",
            instance.enforce_oauth_admin_scope_usage,
            "OAuth admin scope requirement toggle. If enabled, admin actions explicitly demand admin OAuth scope(s) \
             presence in OAuth token (client app must support admin scopes). If disabled and token doesn't have admin \
             scope(s), `is_admin` user flag grants access to admin-specific actions.",
            "[]"
        )
        .label("Enforce OAuth admin scope usage"),
        setting!(":pleroma", "Pleroma.Emails.Mailer", ":enabled", mailer.enabled, "", "[]")
            .label("Mailer Enabled")
            .reboot(),
        setting!(
            ":pleroma",
            ":oauth2",
            ":token_expires_in",
            oauth2.token_expires_in,
            "The lifetime in seconds of the access token",
            "[2592000]"
        ),
        setting!(
            ":pleroma",
            ":oauth2",
            ":clean_expired_tokens",
            oauth2.clean_expired_tokens,
            "Enable a background job to clean expired OAuth tokens. Default: disabled.",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":search",
            rate_limit.search,
            "For the search requests (account & status search etc.)",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":timeline",
            rate_limit.timeline,
            "For requests to timelines (each timeline has it's own limiter)",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":app_account_creation",
            rate_limit.app_account_creation,
            "For registering user accounts from the same IP address",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":relations_actions",
            rate_limit.relations_actions,
            "For actions on relationships with all users (follow, unfollow)",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":relation_id_action",
            rate_limit.relation_id_action,
            "For actions on relation with a specific user (follow, unfollow)",
            LIMIT
        )
        .label("Relation ID action")
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":statuses_actions",
            rate_limit.statuses_actions,
            "For create / delete / fav / unfav / reblog / unreblog actions on any statuses",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":status_id_action",
            rate_limit.status_id_action,
            "For fav / unfav or reblog / unreblog actions on the same status by the same user",
            LIMIT
        )
        .label("Status ID action")
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":authentication",
            rate_limit.authentication,
            "For authentication create / password check / user existence check requests",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":oauth_app_creation",
            rate_limit.oauth_app_creation,
            "For OAuth app creation (`POST /api/v1/apps`)",
            LIMIT
        )
        .label("OAuth app creation")
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":password_reset",
            rate_limit.password_reset,
            "For requests to reset a password (`POST /auth/password`)",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":account_confirmation_resend",
            rate_limit.account_confirmation_resend,
            "For requests to resend the account confirmation email",
            LIMIT
        )
        .reboot(),
        setting!(
            ":pleroma",
            ":rate_limit",
            ":ap_routes",
            rate_limit.ap_routes,
            "For requests to ActivityPub routes",
            LIMIT
        )
        .label("AP routes")
        .reboot(),
        setting!(
            ":pleroma",
            "Pleroma.Web.Plugs.RemoteIp",
            ":enabled",
            remote_ip.enabled,
            "Enable/disable the plug. Default: disabled.",
            "[]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.Web.Plugs.RemoteIp",
            ":headers",
            remote_ip.headers,
            "A list of strings naming the HTTP headers to use when deriving the true client IP. Default: \
             `[\"x-forwarded-for\"]`.",
            "[]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.Web.Plugs.RemoteIp",
            ":proxies",
            remote_ip.proxies,
            "A list of upstream proxy IP subnets in CIDR notation from which we will parse the content of `headers`. \
             Defaults to `[]`. IPv4 entries without a bitmask will be assumed to be /32 and IPv6 /128.",
            "[]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.Web.Plugs.RemoteIp",
            ":reserved",
            remote_ip.reserved,
            "A list of reserved IP subnets in CIDR notation which should be ignored if found in `headers`. Defaults \
             to `[\"127.0.0.0/8\", \"::1/128\", \"fc00::/7\", \"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\"]`",
            "[]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.User.Backup",
            ":purge_after_days",
            backup.purge_after_days,
            "Remove backup archives after N days",
            "[30]"
        ),
        setting!(
            ":pleroma",
            "Pleroma.User.Backup",
            ":limit_days",
            backup.limit_days,
            "Limit user to export not more often than once per N days",
            "[7]"
        ),
        Declared {
            // Without the key in the file, Pleroma's defaults: shown and saved as the full map.
            file_path: "frontends.available",
            ty: |_| <Vec<crate::config::FrontendEntry> as Codec>::pleroma_type(),
            get: |s| crate::domain::frontends::available(s).encode(),
            set: |s, v| {
                s.frontends.available = Some(Codec::decode(v)?);
                Ok(())
            },
            ..setting!(
                ":pleroma",
                ":frontends",
                ":available",
                backup.limit_days,
                "A map containing available frontends and parameters for their installation.",
                "[]"
            )
        },
        setting!(
            ":pleroma",
            ":media_proxy",
            ":enabled",
            media_proxy.enabled,
            "Enables proxying of remote media via the instance's proxy",
            "[]"
        ),
        setting!(
            ":pleroma",
            ":media_proxy",
            ":whitelist",
            media_proxy.whitelist,
            "List of hosts with scheme to bypass the MediaProxy",
            r#"["http://example.com"]"#
        ),
        setting!(
            ":pleroma",
            ":emoji",
            ":pack_extensions",
            emoji.pack_extensions,
            "A list of file extensions for emojis, when no emoji.txt for a pack is present",
            r#"[".png", ".gif"]"#
        ),
        setting!(
            ":pleroma",
            ":frontend_configurations",
            ":pleroma_fe",
            frontend_configurations.pleroma_fe,
            "Settings for Pleroma FE",
            "[]"
        )
        .label("Pleroma FE"),
        setting!(
            ":pleroma",
            ":frontend_configurations",
            ":masto_fe",
            frontend_configurations.masto_fe,
            "Settings for Masto FE",
            "[]"
        )
        .label("Masto FE"),
    ]
}
