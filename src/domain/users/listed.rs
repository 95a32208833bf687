//! A user as the admin views list it: the columns they read and the row type that holds them.

use chrono::Utc;
use entity::user;

/// The columns of a user the admin views show (Pleroma's `AdminAPI.AccountView` of a user):
/// lists read only these, not the profile, settings and JSON columns.
pub const LISTED_COLUMNS: [user::Column; 18] = [
    user::Column::Id,
    user::Column::Nickname,
    user::Column::Email,
    user::Column::Name,
    user::Column::Avatar,
    user::Column::ApId,
    user::Column::Local,
    user::Column::Domain,
    user::Column::ActorType,
    user::Column::IsAdmin,
    user::Column::IsModerator,
    user::Column::IsActive,
    user::Column::IsConfirmed,
    user::Column::IsApproved,
    user::Column::IsSuggested,
    user::Column::RegistrationReason,
    user::Column::PasswordResetPending,
    user::Column::InsertedAt,
];

/// A user as the admin views show it: [`LISTED_COLUMNS`] of a `users` row. Its nine text
/// columns share one buffer ([`Texts`]), read through the methods of the same names: a page of
/// 500 users is then 500 allocations (and frees) where it was some 4,000.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedUser {
    texts: Texts,
    pub local: bool,
    pub is_admin: bool,
    pub is_moderator: bool,
    pub is_active: bool,
    pub is_confirmed: bool,
    pub is_approved: bool,
    pub is_suggested: bool,
    pub password_reset_pending: bool,
    pub inserted_at: chrono::DateTime<Utc>,
}

/// The text columns of a [`ListedUser`], in the order [`Texts::pack`] takes them.
#[derive(Clone, Copy)]
enum Text {
    Id,
    Nickname,
    Email,
    Name,
    Avatar,
    ApId,
    Domain,
    ActorType,
    RegistrationReason,
}

impl Text {
    const COUNT: usize = 9;
}

/// Text columns packed one after another in one string.
#[derive(Debug, Clone, PartialEq)]
struct Texts {
    text: String,
    /// Where each column ends in `text`.
    ends: [u32; Text::COUNT],
    /// The columns that are NULL, one bit each.
    nulls: u16,
}

impl Texts {
    /// Pack `values`, in [`Text`]'s order.
    fn pack(values: [Option<&str>; Text::COUNT]) -> Texts {
        let mut text = String::with_capacity(values.iter().flatten().map(|value| value.len()).sum());
        let mut ends = [0; Text::COUNT];
        let mut nulls = 0;
        for (i, value) in values.into_iter().enumerate() {
            match value {
                Some(value) => text.push_str(value),
                None => nulls |= 1 << i,
            }
            // Column values are far below 4 GiB (the body and field limits).
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Texts { text, ends, nulls }
    }

    fn get(&self, which: Text) -> Option<&str> {
        let i = which as usize;
        if self.nulls & (1 << i) != 0 {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize)
    }
}

impl ListedUser {
    pub fn id(&self) -> &str {
        self.texts.get(Text::Id).unwrap_or_default()
    }
    pub fn nickname(&self) -> &str {
        self.texts.get(Text::Nickname).unwrap_or_default()
    }
    pub fn email(&self) -> Option<&str> {
        self.texts.get(Text::Email)
    }
    pub fn name(&self) -> Option<&str> {
        self.texts.get(Text::Name)
    }
    pub fn avatar(&self) -> Option<&str> {
        self.texts.get(Text::Avatar)
    }
    pub fn ap_id(&self) -> &str {
        self.texts.get(Text::ApId).unwrap_or_default()
    }
    pub fn domain(&self) -> Option<&str> {
        self.texts.get(Text::Domain)
    }
    pub fn actor_type(&self) -> &str {
        self.texts.get(Text::ActorType).unwrap_or_default()
    }
    pub fn registration_reason(&self) -> Option<&str> {
        self.texts.get(Text::RegistrationReason)
    }
}

/// A [`ListedUser`] from a row of [`LISTED_COLUMNS`], each column read with `$get(row, index)`
/// in the columns' order, its text as `$text` (`&str`, borrowed from the driver's row, where
/// the driver can).
macro_rules! listed_user {
    ($row:expr, $get:path, $text:ty) => {{
        let mut at = 0..LISTED_COLUMNS.len();
        let mut next = || at.next().unwrap_or(usize::MAX);
        let id: $text = $get($row, next())?;
        let nickname: $text = $get($row, next())?;
        let email: Option<$text> = $get($row, next())?;
        let name: Option<$text> = $get($row, next())?;
        let avatar: Option<$text> = $get($row, next())?;
        let ap_id: $text = $get($row, next())?;
        let local = $get($row, next())?;
        let domain: Option<$text> = $get($row, next())?;
        let actor_type: $text = $get($row, next())?;
        let (is_admin, is_moderator, is_active) = ($get($row, next())?, $get($row, next())?, $get($row, next())?);
        let (is_confirmed, is_approved, is_suggested) = ($get($row, next())?, $get($row, next())?, $get($row, next())?);
        let registration_reason: Option<$text> = $get($row, next())?;
        ListedUser {
            texts: Texts::pack([
                Some(&*id),
                Some(&*nickname),
                email.as_deref(),
                name.as_deref(),
                avatar.as_deref(),
                Some(&*ap_id),
                domain.as_deref(),
                Some(&*actor_type),
                registration_reason.as_deref(),
            ]),
            local,
            is_admin,
            is_moderator,
            is_active,
            is_confirmed,
            is_approved,
            is_suggested,
            password_reset_pending: $get($row, next())?,
            inserted_at: $get($row, next())?,
        }
    }};
}

/// Read by position, in [`LISTED_COLUMNS`]' order: a lookup by name hashes the name for every
/// column of every row of a page. From the driver's row, without sqlx's per-value type check (a
/// type-info clone and comparison for each of a page's 9,000 values, a fifth of the decoding):
/// the columns are the migrations' own, and `list_plans::a_listed_page_reads_what_the_full_rows_hold`
/// compares what is read with the full rows on both engines.
impl sea_orm::FromQueryResult for ListedUser {
    fn from_query_result(res: &sea_orm::QueryResult, pre: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(Self::from_query_result_nullable(res, pre)?)
    }

    fn from_query_result_nullable(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::TryGetError> {
        use sea_orm::sqlx::Row;
        let decode = |err: sea_orm::sqlx::Error| sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(err.to_string()));
        if let Some(row) = res.try_as_pg_row() {
            let read = || Ok(listed_user!(row, Row::try_get_unchecked, &str));
            return read().map_err(decode);
        }
        if let Some(row) = res.try_as_sqlite_row() {
            let read = || Ok(listed_user!(row, Row::try_get_unchecked, &str));
            return read().map_err(decode);
        }
        Ok(listed_user!(res, sea_orm::QueryResult::try_get_by_index_nullable, String))
    }
}

impl From<&user::Model> for ListedUser {
    fn from(u: &user::Model) -> Self {
        ListedUser {
            texts: Texts::pack([
                Some(&u.id),
                Some(&u.nickname),
                u.email.as_deref(),
                u.name.as_deref(),
                u.avatar.as_deref(),
                Some(&u.ap_id),
                u.domain.as_deref(),
                Some(&u.actor_type),
                u.registration_reason.as_deref(),
            ]),
            local: u.local,
            is_admin: u.is_admin,
            is_moderator: u.is_moderator,
            is_active: u.is_active,
            is_confirmed: u.is_confirmed,
            is_approved: u.is_approved,
            is_suggested: u.is_suggested,
            password_reset_pending: u.password_reset_pending,
            inserted_at: u.inserted_at,
        }
    }
}
