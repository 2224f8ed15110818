//! Each send attempt composes its email with a fresh unsubscribe link, so a
//! refused attempt left a token no email carried. A token now names the
//! email it was made for, so those of attempts never delivered are removed
//! once the email is settled. Older tokens name none and stay: their links
//! may be in inboxes.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum UnsubscribeTokens {
    Table,
    EmailId,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UnsubscribeTokens::Table)
                    .add_column(ColumnDef::new(UnsubscribeTokens::EmailId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_unsubscribe_tokens_email")
                    .table(UnsubscribeTokens::Table)
                    .col(UnsubscribeTokens::EmailId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_unsubscribe_tokens_email")
                    .table(UnsubscribeTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UnsubscribeTokens::Table)
                    .drop_column(UnsubscribeTokens::EmailId)
                    .to_owned(),
            )
            .await
    }
}
