use sea_orm::entity::prelude::*;

/// A user's notification settings (Pleroma's `User.NotificationSetting`); no row means the
/// defaults (both `false`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// Drop notifications from accounts the user does not follow.
    pub block_from_strangers: bool,
    /// Leave message contents out of push notifications.
    pub hide_notification_contents: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
