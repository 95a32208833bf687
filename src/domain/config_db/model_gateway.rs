//! The gateway's own settings (`:pleroma, :gateway`), which Pleroma does not have.
use super::model::{setting, Declared};

/// The gateway's own settings (`:pleroma, :gateway`), which Pleroma does not have.
pub fn declared() -> Vec<Declared> {
    vec![
        setting!(
            ":pleroma",
            ":gateway",
            ":rate_limit_max_keys",
            rate_limit.max_keys,
            "Most callers a rate limiter remembers (the gateway's bound on its memory); beyond it, the oldest \
             windows are forgotten first",
            "[100000]"
        )
        .label("Rate limit: most callers remembered")
        .reboot(),
        setting!(
            ":pleroma",
            ":gateway",
            ":smtp_url",
            mailer.smtp_url,
            "The gateway's SMTP relay as one URL (Pleroma spells it as Swoosh.Adapters.SMTP with relay, username, \
             password, port and ssl); without it, mail is written to files in the data directory's outbox",
            r#"["smtps://user:password@mail.example.org:465"]"#
        )
        .label("SMTP URL")
        .reboot(),
        setting!(
            ":pleroma",
            ":gateway",
            ":media_proxy_max_body_length",
            media_proxy.max_body_length,
            "Largest remote body the media proxy fetches, in bytes",
            "[26214400]"
        )
        .label("Media proxy: max body length"),
        setting!(
            ":pleroma",
            ":gateway",
            ":media_proxy_timeout",
            media_proxy.timeout_secs,
            "Seconds a media proxy fetch may take in all",
            "[10]"
        )
        .label("Media proxy: timeout"),
        setting!(
            ":pleroma",
            ":gateway",
            ":media_proxy_allowed_types",
            media_proxy.allowed_types,
            "Content-type prefixes the media proxy serves (anything else is refused with 415)",
            r#"["image/", "video/", "audio/"]"#
        )
        .label("Media proxy: allowed types"),
        setting!(
            ":pleroma",
            ":gateway",
            ":emoji_max_file_size",
            emoji.max_file_size,
            "Largest emoji image accepted, in bytes (uploads, URL fetches, archive entries)",
            "[1048576]"
        )
        .label("Emoji: max file size"),
        setting!(
            ":pleroma",
            ":gateway",
            ":emoji_max_archive_size",
            emoji.max_archive_size,
            "Largest pack archive fetched from another instance or a fallback-src, in bytes",
            "[52428800]"
        )
        .label("Emoji: max archive size"),
        setting!(
            ":pleroma",
            ":gateway",
            ":emoji_max_unpacked_size",
            emoji.max_unpacked_size,
            "Most bytes one emoji pack archive may unpack to",
            "[104857600]"
        )
        .label("Emoji: max unpacked size"),
        setting!(
            ":pleroma",
            ":gateway",
            ":emoji_max_entries",
            emoji.max_entries,
            "Most entries one emoji pack archive may hold",
            "[5000]"
        )
        .label("Emoji: max entries"),
        setting!(
            ":pleroma",
            ":gateway",
            ":emoji_fetch_timeout",
            emoji.fetch_timeout_secs,
            "Seconds a fetch of a remote emoji pack or emoji may take in all",
            "[30]"
        )
        .label("Emoji: fetch timeout"),
    ]
}
