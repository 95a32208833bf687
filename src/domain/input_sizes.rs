//! Sizes one request may name. Pleroma has few explicit limits here; where it has one we take
//! it, elsewhere the number is ours and bounds work and the size of what is stored.
use crate::error::AppError;

/// Longest tag. Pleroma stores `users.tags` as `{:array, :string}` (migration
/// `20181206125616_add_tags_to_users`), which Ecto makes `character varying(255)[]` on
/// PostgreSQL: a longer tag fails there.
pub const MAX_TAG_CHARS: usize = 255;
/// Most nicknames or tags one bulk action or search names. Pleroma sets none; one page of
/// users (`MAX_PAGE_SIZE`) is the largest set an admin UI selects at once, and it keeps every
/// `IN (…)` list well under SQLite's bind-variable limit.
pub const MAX_LIST_ITEMS: usize = 500;
/// Most accounts one `POST /users` creates (each costs an argon2 hash).
pub const MAX_NEW_ACCOUNTS: usize = 100;
/// Longest search term (user search `query`, `name`, `email`; moderation-log `search`): longer
/// terms match nothing a real nickname, name or message holds, and cost seconds to scan.
pub const MAX_SEARCH_CHARS: usize = 256;
/// Longest nickname looked up (Pleroma's remote nicknames are `name@domain`, a domain is at most
/// 253 characters).
pub const MAX_NICKNAME_CHARS: usize = 512;

/// `items` names at most `max` entries.
pub fn check_count<T>(field: &str, items: &[T], max: usize) -> Result<(), AppError> {
    if items.len() > max {
        return Err(AppError::BadRequest(format!("{field}: at most {max} entries are accepted.")));
    }
    Ok(())
}

/// `text` is at most `max` characters.
pub fn check_chars(field: &str, text: &str, max: usize) -> Result<(), AppError> {
    // Bytes bound characters from above: skip the count for short text.
    if text.len() > max && text.chars().count() > max {
        return Err(AppError::BadRequest(format!("{field}: at most {max} characters are accepted.")));
    }
    Ok(())
}

/// A list of nicknames a bulk action names.
pub fn check_nicknames(nicknames: &[String]) -> Result<(), AppError> {
    check_count("nicknames", nicknames, MAX_LIST_ITEMS)?;
    nicknames.iter().try_for_each(|n| check_chars("nicknames", n, MAX_NICKNAME_CHARS))
}

/// A list of tags.
pub fn check_tags(tags: &[String]) -> Result<(), AppError> {
    check_count("tags", tags, MAX_LIST_ITEMS)?;
    tags.iter().try_for_each(|t| check_chars("tags", t, MAX_TAG_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits() {
        assert!(check_tags(&["a".repeat(255)]).is_ok());
        assert!(check_tags(&["é".repeat(255)]).is_ok());
        assert!(check_tags(&["a".repeat(256)]).is_err());
        assert!(check_nicknames(&vec!["a".to_string(); 501]).is_err());
        assert!(check_nicknames(&vec!["a".to_string(); 500]).is_ok());
    }
}
