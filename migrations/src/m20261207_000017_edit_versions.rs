//! Edited texts carry a version, so a save made from an older page is told
//! what changed instead of silently replacing it: a comment's, and a 1:1's
//! (its notes, time and status) and a 1:1 series' (its standing agenda and
//! slot), each with who changed it last.

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Comments {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum OneOnOneSeries {
    Table,
    Version,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum OneOnOnes {
    Table,
    Version,
    UpdatedBy,
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(ColumnDef::new(Comments::Version).integer().not_null().default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneOnOnes::Table)
                    .add_column(ColumnDef::new(OneOnOnes::Version).integer().not_null().default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneOnOnes::Table)
                    .add_column(ColumnDef::new(OneOnOnes::UpdatedBy).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneOnOneSeries::Table)
                    .add_column(
                        ColumnDef::new(OneOnOneSeries::Version).integer().not_null().default(1),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneOnOneSeries::Table)
                    .add_column(ColumnDef::new(OneOnOneSeries::UpdatedBy).uuid().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Comments::Table).drop_column(Comments::Version).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(OneOnOnes::Table).drop_column(OneOnOnes::Version).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(OneOnOnes::Table).drop_column(OneOnOnes::UpdatedBy).to_owned(),
            )
            .await?;
        for column in [OneOnOneSeries::Version, OneOnOneSeries::UpdatedBy] {
            manager
                .alter_table(
                    Table::alter().table(OneOnOneSeries::Table).drop_column(column).to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
