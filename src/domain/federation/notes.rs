//! A remote post stored (the object of an inbound `Create` or `Update`, or one fetched for a
//! search): the part of [`super::inbox`] that writes statuses, through the import path so the
//! moderation policies apply.
use entity::user;
use serde_json::Value;

use super::inbox::{id_of, ignored, status_by_ap_id, users_by_ap_ids, visibility, Handled, Outcome};
use crate::{
    config::Settings,
    db::Db,
    domain::{
        notifications::{self, Event},
        remote_import,
    },
};

/// Store a Note/Article/Question/Page as a status of `author`; the mentioned local users are
/// notified when it is new.
pub(super) async fn store_note(
    db: &Db,
    settings: &Settings,
    author: &user::Model,
    note: &Value,
    author_doc: &Value,
) -> Handled {
    if !matches!(note["type"].as_str(), Some("Note" | "Article" | "Question" | "Page")) {
        return ignored(format!("unhandled object type {}", note["type"]));
    }
    let Some(ap_id) = note["id"].as_str() else { return ignored("the object has no id") };
    if id_of(&note["attributedTo"]).is_some_and(|a| a != author.ap_id) {
        return ignored("the object is not the actor's");
    }
    let existed = status_by_ap_id(db, ap_id).await?;
    if existed.as_ref().is_some_and(|s| s.user_id != author.id) {
        return ignored("the object is another actor's status");
    }
    // Only known statuses can be answered here (the thread is not fetched).
    let in_reply_to = match id_of(&note["inReplyTo"]) {
        Some(parent) => status_by_ap_id(db, parent).await?.map(|s| s.ap_id),
        None => None,
    };
    let tags: Vec<&Value> = note["tag"].as_array().map(|t| t.iter().collect()).unwrap_or_default();
    let mention_ids: Vec<String> =
        tags.iter().filter(|t| t["type"] == "Mention").filter_map(|t| t["href"].as_str().map(str::to_string)).collect();
    let mentioned = users_by_ap_ids(db, &mention_ids).await?;
    let listed: Vec<(String, Option<String>)> = note["attachment"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|a| {
                    let url = a["url"].as_str().or_else(|| a["href"].as_str())?;
                    Some((url.to_string(), a["name"].as_str().filter(|n| !n.is_empty()).map(str::to_string)))
                })
                .collect()
        })
        .unwrap_or_default();
    let descriptions = listed.iter().filter_map(|(url, name)| Some((url.clone(), name.clone()?))).collect();
    let attachments = listed.into_iter().map(|(url, _)| url).collect();
    let content = with_title(note);
    let entry = remote_import::Status {
        ap_id: ap_id.to_string(),
        actor: author.ap_id.clone(),
        visibility: Some(visibility(note, author_doc).to_string()),
        content,
        spoiler_text: note["summary"].as_str().filter(|s| !s.is_empty()).map(str::to_string),
        sensitive: note["sensitive"].as_bool().unwrap_or(false),
        created_at: note["published"].as_str().and_then(|p| p.parse().ok()),
        in_reply_to,
        reblog_of: None,
        attachments,
        descriptions,
        mentions: mentioned.iter().map(|u| u.ap_id.clone()).collect(),
    };
    let report =
        remote_import::import(db, settings, &remote_import::Document { statuses: vec![entry], ..Default::default() })
            .await?;
    if report.rejected > 0 {
        return Ok(Outcome::Rejected);
    }
    if let Some(question) = super::questions::parse(note) {
        if let Some(stored) = status_by_ap_id(db, ap_id).await? {
            super::questions::store(&db.write, &stored.id, &question).await?;
        }
    }
    if existed.is_none() {
        if let Some(stored) = status_by_ap_id(db, ap_id).await? {
            let mut recipients: Vec<String> = mentioned.iter().filter(|u| u.local).map(|u| u.id.clone()).collect();
            if let Some(parent) = &stored.in_reply_to_user_id {
                recipients.push(parent.clone());
            }
            let event = Event {
                kind: notifications::MENTION,
                actor_id: author.id.clone(),
                status_id: Some(stored.id.clone()),
                ..Event::default()
            };
            notifications::notify(&db.write, &recipients, &event).await?;
        }
    }
    Ok(Outcome::Done)
}

/// The content as Pleroma's `StatusView.render_content` shows an object with a `name` (an
/// Article's or a Page's title): the title linked to the object's `url` (else its id) above it.
fn with_title(note: &Value) -> String {
    let content = note["content"].as_str().unwrap_or_default();
    match note["name"].as_str().map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => {
            let url = note["url"].as_str().or(note["id"].as_str()).unwrap_or_default();
            let escape =
                |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
            format!("<p><a href=\"{}\">{}</a></p>{content}", escape(url), escape(name))
        }
        _ => content.to_string(),
    }
}
