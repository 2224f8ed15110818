//! Email: one row per message the server means to send (at most one per
//! person, kind and period), each person's opt-outs by kind, and the tokens
//! of the one-click unsubscribe links.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Emails {
    Table,
    Id,
    OrganisationId,
    UserId,
    Kind,
    Period,
    Status,
    Attempts,
    LastError,
    Subject,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum EmailOptOuts {
    Table,
    UserId,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnsubscribeTokens {
    Table,
    TokenHash,
    UserId,
    Kind,
    CreatedAt,
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
                    .table(Emails::Table)
                    .col(pk_uuid(Emails::Id))
                    .col(uuid(Emails::OrganisationId))
                    .col(uuid(Emails::UserId))
                    .col(string_len(Emails::Kind, 32))
                    .col(string_len(Emails::Period, 64))
                    .col(string_len(Emails::Status, 16))
                    .col(integer(Emails::Attempts))
                    .col(text_null(Emails::LastError))
                    .col(string_len_null(Emails::Subject, 300))
                    .col(timestamp_with_time_zone(Emails::CreatedAt))
                    .col(timestamp_with_time_zone(Emails::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Emails::SentAt))
                    .foreign_key(&mut cascade_to_user(
                        "fk_emails_user",
                        Emails::Table,
                        Emails::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        // The once-per-period rule lives here, so two schedulers (or one
        // restarted) cannot queue the same email twice.
        manager
            .create_index(
                Index::create()
                    .name("ux_emails_once_per_period")
                    .table(Emails::Table)
                    .col(Emails::UserId)
                    .col(Emails::Kind)
                    .col(Emails::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_emails_organisation")
                    .table(Emails::Table)
                    .col(Emails::OrganisationId)
                    .col(Emails::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailOptOuts::Table)
                    .col(uuid(EmailOptOuts::UserId))
                    .col(string_len(EmailOptOuts::Kind, 32))
                    .col(timestamp_with_time_zone(EmailOptOuts::CreatedAt))
                    .primary_key(Index::create().col(EmailOptOuts::UserId).col(EmailOptOuts::Kind))
                    .foreign_key(&mut cascade_to_user(
                        "fk_email_opt_outs_user",
                        EmailOptOuts::Table,
                        EmailOptOuts::UserId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnsubscribeTokens::Table)
                    .col(string_len(UnsubscribeTokens::TokenHash, 64).primary_key())
                    .col(uuid(UnsubscribeTokens::UserId))
                    .col(string_len(UnsubscribeTokens::Kind, 32))
                    .col(timestamp_with_time_zone(UnsubscribeTokens::CreatedAt))
                    .foreign_key(&mut cascade_to_user(
                        "fk_unsubscribe_tokens_user",
                        UnsubscribeTokens::Table,
                        UnsubscribeTokens::UserId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UnsubscribeTokens::Table.into_iden(),
            EmailOptOuts::Table.into_iden(),
            Emails::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
