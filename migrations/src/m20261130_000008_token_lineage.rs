//! Token lineage: each API token records the token that issued it, so that
//! revoking a stolen token also revokes every token minted with it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    IssuedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ApiTokens::Table)
                    .add_column(ColumnDef::new(ApiTokens::IssuedBy).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_api_tokens_issued_by")
                    .table(ApiTokens::Table)
                    .col(ApiTokens::IssuedBy)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop().name("ix_api_tokens_issued_by").table(ApiTokens::Table).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(ApiTokens::Table).drop_column(ApiTokens::IssuedBy).to_owned(),
            )
            .await
    }
}
