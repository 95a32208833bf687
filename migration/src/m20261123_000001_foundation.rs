//! Users, their tags, follows, OAuth apps and tokens.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Nickname,
    Email,
    Name,
    Bio,
    PasswordHash,
    ApId,
    Local,
    Domain,
    ActorType,
    IsAdmin,
    IsModerator,
    IsActive,
    IsConfirmed,
    IsApproved,
    IsSuggested,
    IsLocked,
    IsDiscoverable,
    NoRichText,
    DefaultScope,
    HideFollows,
    HideFollowers,
    HideFollowersCount,
    HideFollowsCount,
    HideFavorites,
    AllowFollowingMove,
    ShowRole,
    SkipThreadContainment,
    Fields,
    RawFields,
    Avatar,
    Banner,
    Background,
    RegistrationReason,
    PasswordResetPending,
    MfaEnabled,
    SettingsStore,
    AlsoKnownAs,
    SearchText,
    InsertedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserTags {
    Table,
    UserId,
    Tag,
}

#[derive(DeriveIden)]
enum Follows {
    Table,
    FollowerId,
    FollowingId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum OauthApps {
    Table,
    Id,
    ClientName,
    RedirectUris,
    Scopes,
    Website,
    ClientId,
    ClientSecret,
    Trusted,
    UserId,
    InsertedAt,
}

#[derive(DeriveIden)]
enum OauthTokens {
    Table,
    Id,
    Token,
    RefreshToken,
    AppId,
    UserId,
    Scopes,
    ValidUntil,
    InsertedAt,
}

fn flag(col: impl IntoIden, default: bool) -> ColumnDef {
    ColumnDef::new(col).boolean().not_null().default(default).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).string_len(32).not_null().primary_key())
                    .col(ColumnDef::new(Users::Nickname).string().not_null().unique_key())
                    .col(ColumnDef::new(Users::Email).string().null().unique_key())
                    .col(ColumnDef::new(Users::Name).string().null())
                    .col(ColumnDef::new(Users::Bio).text().not_null().default(""))
                    .col(ColumnDef::new(Users::PasswordHash).string().null())
                    .col(ColumnDef::new(Users::ApId).string().not_null().unique_key())
                    .col(flag(Users::Local, true))
                    .col(ColumnDef::new(Users::Domain).string().null())
                    .col(ColumnDef::new(Users::ActorType).string_len(32).not_null().default("Person"))
                    .col(flag(Users::IsAdmin, false))
                    .col(flag(Users::IsModerator, false))
                    .col(flag(Users::IsActive, true))
                    .col(flag(Users::IsConfirmed, true))
                    .col(flag(Users::IsApproved, true))
                    .col(flag(Users::IsSuggested, false))
                    .col(flag(Users::IsLocked, false))
                    .col(flag(Users::IsDiscoverable, false))
                    .col(flag(Users::NoRichText, false))
                    .col(ColumnDef::new(Users::DefaultScope).string_len(16).not_null().default("public"))
                    .col(flag(Users::HideFollows, false))
                    .col(flag(Users::HideFollowers, false))
                    .col(flag(Users::HideFollowersCount, false))
                    .col(flag(Users::HideFollowsCount, false))
                    .col(flag(Users::HideFavorites, true))
                    .col(flag(Users::AllowFollowingMove, true))
                    .col(flag(Users::ShowRole, true))
                    .col(flag(Users::SkipThreadContainment, false))
                    .col(ColumnDef::new(Users::Fields).json().not_null())
                    .col(ColumnDef::new(Users::RawFields).json().not_null())
                    .col(ColumnDef::new(Users::Avatar).string().null())
                    .col(ColumnDef::new(Users::Banner).string().null())
                    .col(ColumnDef::new(Users::Background).string().null())
                    .col(ColumnDef::new(Users::RegistrationReason).text().null())
                    .col(flag(Users::PasswordResetPending, false))
                    .col(flag(Users::MfaEnabled, false))
                    .col(ColumnDef::new(Users::SettingsStore).json().not_null())
                    .col(ColumnDef::new(Users::AlsoKnownAs).json().not_null())
                    .col(ColumnDef::new(Users::SearchText).string().not_null().default(""))
                    .col(ColumnDef::new(Users::InsertedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Users::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        // The documented filters of GET /users are booleans and a few small enums: one composite
        // covering index answers every combination (counts never touch the wide rows), where an
        // index per boolean would only mislead the planner. Search has its own index (migration 4).
        manager
            .create_index(
                Index::create()
                    .name("idx_users_filters")
                    .table(Users::Table)
                    .col(Users::Local)
                    .col(Users::IsActive)
                    .col(Users::IsApproved)
                    .col(Users::IsConfirmed)
                    .col(Users::IsAdmin)
                    .col(Users::IsModerator)
                    .col(Users::ActorType)
                    .col(Users::Nickname)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_users_domain").table(Users::Table).col(Users::Domain).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserTags::Table)
                    .col(ColumnDef::new(UserTags::UserId).string_len(32).not_null())
                    .col(ColumnDef::new(UserTags::Tag).string().not_null())
                    .primary_key(Index::create().col(UserTags::UserId).col(UserTags::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserTags::Table, UserTags::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_tags_tag")
                    .table(UserTags::Table)
                    .col(UserTags::Tag)
                    .col(UserTags::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Follows::Table)
                    .col(ColumnDef::new(Follows::FollowerId).string_len(32).not_null())
                    .col(ColumnDef::new(Follows::FollowingId).string_len(32).not_null())
                    .col(ColumnDef::new(Follows::InsertedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Follows::FollowerId).col(Follows::FollowingId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Follows::Table, Follows::FollowerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Follows::Table, Follows::FollowingId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_follows_following")
                    .table(Follows::Table)
                    .col(Follows::FollowingId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthApps::Table)
                    .col(ColumnDef::new(OauthApps::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(OauthApps::ClientName).string().not_null())
                    .col(ColumnDef::new(OauthApps::RedirectUris).text().not_null())
                    .col(ColumnDef::new(OauthApps::Scopes).text().not_null())
                    .col(ColumnDef::new(OauthApps::Website).string().null())
                    .col(ColumnDef::new(OauthApps::ClientId).string().not_null().unique_key())
                    .col(ColumnDef::new(OauthApps::ClientSecret).string().not_null())
                    .col(flag(OauthApps::Trusted, false))
                    .col(ColumnDef::new(OauthApps::UserId).string_len(32).null())
                    .col(ColumnDef::new(OauthApps::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthApps::Table, OauthApps::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthTokens::Table)
                    .col(ColumnDef::new(OauthTokens::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(OauthTokens::Token).string().not_null().unique_key())
                    .col(ColumnDef::new(OauthTokens::RefreshToken).string().not_null().unique_key())
                    .col(ColumnDef::new(OauthTokens::AppId).big_integer().not_null())
                    .col(ColumnDef::new(OauthTokens::UserId).string_len(32).null())
                    .col(ColumnDef::new(OauthTokens::Scopes).text().not_null())
                    .col(ColumnDef::new(OauthTokens::ValidUntil).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OauthTokens::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthTokens::Table, OauthTokens::AppId)
                            .to(OauthApps::Table, OauthApps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthTokens::Table, OauthTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oauth_tokens_user")
                    .table(OauthTokens::Table)
                    .col(OauthTokens::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OauthTokens::Table.into_iden(),
            OauthApps::Table.into_iden(),
            Follows::Table.into_iden(),
            UserTags::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
