//! Content as Pleroma renders it: `text/plain` is escaped and its line breaks become `<br/>`,
//! `text/markdown` goes through pulldown-cmark, `text/html` is taken as written; then mentions
//! are linked and the HTML is cleaned by ammonia (never by hand), so a `<script>` never survives.

use entity::user;

use crate::domain::formatter::escape;

/// A mention as written in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenMention {
    /// `@bob` or `@bob@example.org`, as written.
    pub written: String,
    /// The nickname to look up: `bob` (local, or our own host) or `bob@example.org`.
    pub nickname: String,
}

fn mention_regex() -> Option<&'static regex::Regex> {
    static RE: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(^|[^\w@/.:])@([A-Za-z0-9_-]+)(?:@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?|[A-Za-z0-9-]+:\d+))?",
        )
        .ok()
    });
    RE.as_ref()
}

/// The mentions written in `text`, in order, once each; `@nick@<our host>` is the local `nick`.
pub fn written_mentions(text: &str, host: &str) -> Vec<WrittenMention> {
    let Some(re) = mention_regex() else { return vec![] };
    let mut out: Vec<WrittenMention> = Vec::new();
    for caps in re.captures_iter(text) {
        let (Some(nick), domain) = (caps.get(2), caps.get(3)) else { continue };
        let written = match domain {
            Some(d) => format!("@{}@{}", nick.as_str(), d.as_str()),
            None => format!("@{}", nick.as_str()),
        };
        let nickname = match domain {
            Some(d) if !d.as_str().eq_ignore_ascii_case(host) => format!("{}@{}", nick.as_str(), d.as_str()),
            _ => nick.as_str().to_string(),
        };
        if !out.iter().any(|m| m.written == written) {
            out.push(WrittenMention { written, nickname });
        }
    }
    out
}

/// The sanitiser: Pleroma's default scrubber allows basic formatting, links and the microformat
/// classes of mentions and hashtags.
fn cleaner() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .link_rel(None)
        .add_tag_attributes("a", &["rel", "data-user", "data-tag"])
        .add_allowed_classes("a", &["u-url", "mention", "hashtag"])
        .add_allowed_classes("span", &["h-card"]);
    builder
}

/// Clean untrusted HTML.
pub fn sanitize(html: &str) -> String {
    cleaner().clean(html).to_string().replace("<br>", "<br/>")
}

/// Whom a mention links to.
#[derive(Debug, Clone)]
pub struct MentionTarget {
    pub id: String,
    pub ap_id: String,
    pub nickname: String,
}

impl From<&user::Model> for MentionTarget {
    fn from(u: &user::Model) -> Self {
        MentionTarget { id: u.id.clone(), ap_id: u.ap_id.clone(), nickname: u.nickname.clone() }
    }
}

/// Render `text` of `content_type` to sanitised HTML, linking the resolved mentions (`written`
/// form → user).
pub fn render_content(
    text: &str,
    content_type: &str,
    mentions: &[(String, MentionTarget)],
    instance_url: &str,
) -> String {
    render_content_with(text, content_type, mentions, instance_url, false)
}

/// [`render_content`], mentions showing the full `nick@host` when `full_mentions` (Pleroma's
/// `mentions_format: :full`, announcements) rather than the local part.
pub fn render_content_with(
    text: &str,
    content_type: &str,
    mentions: &[(String, MentionTarget)],
    instance_url: &str,
    full_mentions: bool,
) -> String {
    // Mentions become placeholders first, so that neither escaping nor Markdown touches them.
    let mut source = text.to_string();
    let mut ordered: Vec<&(String, MentionTarget)> = mentions.iter().collect();
    ordered.sort_by_key(|(written, _)| std::cmp::Reverse(written.len()));
    for (i, (written, _)) in ordered.iter().enumerate() {
        if let Ok(re) = regex::Regex::new(&format!(r"(^|[^\w@/.:]){}\b(?:[^@\w]|$)", regex::escape(written))) {
            let placeholder = format!("\u{E000}{i}\u{E001}");
            // Replace only whole mentions (not a prefix of a longer one).
            let mut out = String::with_capacity(source.len());
            let mut last = 0;
            for m in re.find_iter(&source) {
                let Some(start) = source[m.start()..m.end()].find(written.as_str()).map(|o| m.start() + o) else {
                    continue;
                };
                out.push_str(&source[last..start]);
                out.push_str(&placeholder);
                last = start + written.len();
            }
            out.push_str(&source[last..]);
            source = out;
        }
    }
    let html = match content_type {
        "text/markdown" => {
            let mut out = String::new();
            pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(&source));
            out.trim_end().to_string()
        }
        "text/html" => source,
        _ => crate::domain::formatter::link_plain(&source, instance_url).replace("\r\n", "\n").replace('\n', "<br/>"),
    };
    let mut linked = html;
    for (i, (_, user)) in ordered.iter().enumerate() {
        let local_part = if full_mentions {
            user.nickname.as_str()
        } else {
            user.nickname.split('@').next().unwrap_or(&user.nickname)
        };
        let link = format!(
            "<span class=\"h-card\"><a class=\"u-url mention\" data-user=\"{}\" href=\"{}\" rel=\"ugc\">@<span>{}</span></a></span>",
            escape(&user.id),
            escape(&user.ap_id),
            escape(local_part)
        );
        linked = linked.replace(&format!("\u{E000}{i}\u{E001}"), &link);
    }
    sanitize(&linked)
}

/// Plain text of sanitised HTML (Pleroma's `content: {"text/plain": …}`).
pub fn plain_text(html: &str) -> String {
    let with_breaks = html.replace("<br/>", "\n").replace("</p><p>", "\n\n");
    let stripped = ammonia::Builder::empty().clean(&with_breaks).to_string();
    stripped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, nickname: &str) -> MentionTarget {
        MentionTarget { id: id.into(), nickname: nickname.into(), ap_id: format!("https://x.test/users/{nickname}") }
    }

    #[test]
    fn mentions_are_found_once_with_their_host() {
        let found = written_mentions("hi @bob and @carol@remote.example, @bob@x.test! mail a@b.c", "x.test");
        let nicks: Vec<&str> = found.iter().map(|m| m.nickname.as_str()).collect();
        assert_eq!(nicks, ["bob", "carol@remote.example", "bob"]);
    }

    #[test]
    fn scripts_never_survive() {
        let html = render_content("**b** <script>alert(1)</script>", "text/markdown", &[], "");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("<strong>b</strong>"), "{html}");
        let html = render_content("<b onclick=x>hi</b>\nthere", "text/html", &[], "");
        assert_eq!(html, "<b>hi</b>\nthere");
        let plain = render_content("a < b\nc", "text/plain", &[], "");
        assert_eq!(plain, "a &lt; b<br/>c");
    }

    #[test]
    fn mentions_are_linked() {
        let bob = user("B1", "bob");
        let html = render_content("hey @bob!", "text/plain", &[("@bob".into(), bob)], "");
        assert_eq!(
            html,
            "hey <span class=\"h-card\"><a class=\"u-url mention\" data-user=\"B1\" href=\"https://x.test/users/bob\" rel=\"ugc\">@<span>bob</span></a></span>!"
        );
    }
}
