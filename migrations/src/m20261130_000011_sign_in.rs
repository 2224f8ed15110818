//! Signing in from a browser: password hashes, sessions, and the one-time
//! links that set a password (invites and resets).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Passwords {
    Table,
    UserId,
    Hash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    OrganisationId,
    UserId,
    SecretHash,
    CsrfToken,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    EndedAt,
}

#[derive(DeriveIden)]
enum SignInLinks {
    Table,
    Id,
    OrganisationId,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

fn cascade_to_user(
    name: &str,
    from: impl IntoIden,
    column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Passwords::Table)
                    .col(pk_uuid(Passwords::UserId))
                    .col(string_len(Passwords::Hash, 200))
                    .col(timestamp_with_time_zone(Passwords::UpdatedAt))
                    .foreign_key(&mut cascade_to_user(
                        "fk_passwords_user",
                        Passwords::Table,
                        Passwords::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_uuid(Sessions::Id))
                    .col(uuid(Sessions::OrganisationId))
                    .col(uuid(Sessions::UserId))
                    .col(string_len_uniq(Sessions::SecretHash, 64))
                    .col(string_len(Sessions::CsrfToken, 64))
                    .col(string_len(Sessions::UserAgent, 200))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Sessions::EndedAt))
                    .foreign_key(&mut cascade_to_user(
                        "fk_sessions_user",
                        Sessions::Table,
                        Sessions::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInLinks::Table)
                    .col(pk_uuid(SignInLinks::Id))
                    .col(uuid(SignInLinks::OrganisationId))
                    .col(uuid(SignInLinks::UserId))
                    .col(string_len(SignInLinks::Purpose, 16))
                    .col(string_len_uniq(SignInLinks::TokenHash, 64))
                    .col(timestamp_with_time_zone(SignInLinks::CreatedAt))
                    .col(timestamp_with_time_zone(SignInLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SignInLinks::UsedAt))
                    .foreign_key(&mut cascade_to_user(
                        "fk_sign_in_links_user",
                        SignInLinks::Table,
                        SignInLinks::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_links_user")
                    .table(SignInLinks::Table)
                    .col(SignInLinks::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInLinks::Table.into_iden(),
            Sessions::Table.into_iden(),
            Passwords::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
