//! Signing in: a user's multi-factor settings (`user_mfa`: the TOTP secret, whether it is
//! confirmed, the backup codes as digests), the authorization codes the login form issues
//! (`oauth_authorizations`, stored as digests, single use, with the PKCE challenge), and the
//! short-lived tokens that carry a password login on to its second factor (`mfa_tokens`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OauthApps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserMfa {
    Table,
    UserId,
    TotpSecret,
    TotpConfirmed,
    BackupCodes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthAuthorizations {
    Table,
    Id,
    Token,
    AppId,
    UserId,
    Scopes,
    RedirectUri,
    CodeChallenge,
    CodeChallengeMethod,
    Used,
    ValidUntil,
    InsertedAt,
}

#[derive(DeriveIden)]
enum MfaTokens {
    Table,
    Id,
    Token,
    UserId,
    AuthorizationId,
    ValidUntil,
    InsertedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserMfa::Table)
                    .col(ColumnDef::new(UserMfa::UserId).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(UserMfa::TotpSecret).string_len(128).null())
                    .col(ColumnDef::new(UserMfa::TotpConfirmed).boolean().not_null().default(false))
                    .col(ColumnDef::new(UserMfa::BackupCodes).text().not_null().default("[]"))
                    .col(ColumnDef::new(UserMfa::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserMfa::Table, UserMfa::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthAuthorizations::Table)
                    .col(
                        ColumnDef::new(OauthAuthorizations::Id).big_integer().not_null().auto_increment().primary_key(),
                    )
                    .col(ColumnDef::new(OauthAuthorizations::Token).string_len(128).not_null().unique_key())
                    .col(ColumnDef::new(OauthAuthorizations::AppId).big_integer().not_null())
                    .col(ColumnDef::new(OauthAuthorizations::UserId).string_len(64).not_null())
                    .col(ColumnDef::new(OauthAuthorizations::Scopes).text().not_null())
                    .col(ColumnDef::new(OauthAuthorizations::RedirectUri).text().null())
                    .col(ColumnDef::new(OauthAuthorizations::CodeChallenge).string_len(256).null())
                    .col(ColumnDef::new(OauthAuthorizations::CodeChallengeMethod).string_len(16).null())
                    .col(ColumnDef::new(OauthAuthorizations::Used).boolean().not_null().default(false))
                    .col(ColumnDef::new(OauthAuthorizations::ValidUntil).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OauthAuthorizations::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthAuthorizations::Table, OauthAuthorizations::AppId)
                            .to(OauthApps::Table, OauthApps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OauthAuthorizations::Table, OauthAuthorizations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MfaTokens::Table)
                    .col(ColumnDef::new(MfaTokens::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(MfaTokens::Token).string_len(128).not_null().unique_key())
                    .col(ColumnDef::new(MfaTokens::UserId).string_len(64).not_null())
                    .col(ColumnDef::new(MfaTokens::AuthorizationId).big_integer().null())
                    .col(ColumnDef::new(MfaTokens::ValidUntil).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(MfaTokens::InsertedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(MfaTokens::Table, MfaTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MfaTokens::Table, MfaTokens::AuthorizationId)
                            .to(OauthAuthorizations::Table, OauthAuthorizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MfaTokens::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(OauthAuthorizations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(UserMfa::Table).to_owned()).await
    }
}
