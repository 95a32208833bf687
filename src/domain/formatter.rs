//! Pleroma's `Formatter` for plain text (`CommonAPI.Utils.format_input(text, "text/plain")`):
//! the text escaped, URLs and hashtags linked as its `Linkify` options make them (`rel="ugc"`,
//! no class, no new window; config.exs `Pleroma.Formatter`). Mentions are linked by the caller,
//! which resolves them (`statuses::render_content`). One formatter for statuses, bios and
//! announcements.
use std::sync::LazyLock;

use linkify::{LinkFinder, LinkKind};

/// Escape HTML's special characters as Phoenix does.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

static HASHTAG: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
    // Linkify's `@match_hashtag`, at the start of a whitespace-separated word.
    regex::Regex::new(r"(^|\s)(#[\w_]*[\p{Alphabetic}_·\x{200c}][\w_·\p{M}\x{200c}]*)").ok()
});

/// `<a href="…" rel="ugc">…</a>`; a URL without a scheme links to `http://` as Linkify does.
fn url_link(url: &str) -> String {
    let href =
        if url.contains("://") || url.starts_with("mailto:") { url.to_string() } else { format!("http://{url}") };
    format!("<a href=\"{}\" rel=\"ugc\">{}</a>", escape(&href), escape(url))
}

/// Pleroma's `hashtag_handler`: `<a class="hashtag" data-tag="tag" href="…/tag/tag" rel="tag ugc">#Tag</a>`.
fn hashtags(escaped: &str, instance_url: &str) -> String {
    let Some(re) = HASHTAG.as_ref() else { return escaped.to_string() };
    re.replace_all(escaped, |caps: &regex::Captures<'_>| {
        let written = &caps[2];
        let tag = written.trim_start_matches('#').to_lowercase();
        format!(
            "{}<a class=\"hashtag\" data-tag=\"{tag}\" href=\"{}/tag/{tag}\" rel=\"tag ugc\">{written}</a>",
            &caps[1],
            instance_url.trim_end_matches('/')
        )
    })
    .into_owned()
}

/// Plain text as HTML: escaped, URLs and hashtags linked; line breaks are left to the caller.
/// A URL right after `@` or a word character is part of a mention or an address, not linked.
pub fn link_plain(text: &str, instance_url: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(false);
    let mut out = String::with_capacity(text.len() * 2);
    let mut plain = String::new();
    for span in finder.spans(text) {
        let glued = text[..span.start()].chars().next_back().is_some_and(|c| c == '@' || c.is_alphanumeric());
        match span.kind() {
            Some(LinkKind::Url) if !glued => {
                out.push_str(&hashtags(&escape(&plain), instance_url));
                plain.clear();
                out.push_str(&url_link(span.as_str()));
            }
            _ => plain.push_str(span.as_str()),
        }
    }
    out.push_str(&hashtags(&escape(&plain), instance_url));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://pleroma.example";

    // Pleroma's FormatterTest "linkify" and "add_hashtag_links" cases.
    #[test]
    fn urls_become_links() {
        assert_eq!(
            link_plain("see https://example.org/a?b=1&c=2 now", URL),
            "see <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"ugc\">https://example.org/a?b=1&amp;c=2</a> now"
        );
        assert_eq!(
            link_plain("go to example.com.", URL),
            "go to <a href=\"http://example.com\" rel=\"ugc\">example.com</a>."
        );
        assert_eq!(link_plain("mail bob@example.com", URL), "mail bob@example.com");
        assert_eq!(link_plain("<b> & 'x'", URL), "&lt;b&gt; &amp; &#39;x&#39;");
    }

    #[test]
    fn hashtags_become_links() {
        assert_eq!(
            link_plain("hello #Cofe and #2hu, not a#b", URL),
            "hello <a class=\"hashtag\" data-tag=\"cofe\" href=\"https://pleroma.example/tag/cofe\" rel=\"tag ugc\">#Cofe</a> and <a class=\"hashtag\" data-tag=\"2hu\" href=\"https://pleroma.example/tag/2hu\" rel=\"tag ugc\">#2hu</a>, not a#b"
        );
    }
}
