//! Edited texts carry a version, so a save made from an older page is told
//! what changed instead of silently replacing it: a comment's, and a 1:1's
//! (its notes, time and status), a 1:1 series' (its standing agenda and
//! slot) and an action item's, each but the comment with who changed it
//! last (only its author edits a comment).

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Comments {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum ActionItems {
    Table,
    Version,
    UpdatedBy,
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
        let version =
            |column: DynIden| ColumnDef::new(column).integer().not_null().default(1).to_owned();
        let who = |column: DynIden| ColumnDef::new(column).uuid().null().to_owned();
        let columns = [
            (Comments::Table.into_iden(), version(Comments::Version.into_iden())),
            (OneOnOnes::Table.into_iden(), version(OneOnOnes::Version.into_iden())),
            (OneOnOnes::Table.into_iden(), who(OneOnOnes::UpdatedBy.into_iden())),
            (OneOnOneSeries::Table.into_iden(), version(OneOnOneSeries::Version.into_iden())),
            (OneOnOneSeries::Table.into_iden(), who(OneOnOneSeries::UpdatedBy.into_iden())),
            (ActionItems::Table.into_iden(), version(ActionItems::Version.into_iden())),
            (ActionItems::Table.into_iden(), who(ActionItems::UpdatedBy.into_iden())),
        ];
        // One column per statement: SQLite alters a table one change at a time.
        for (table, mut column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(&mut column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            (Comments::Table.into_iden(), Comments::Version.into_iden()),
            (OneOnOnes::Table.into_iden(), OneOnOnes::Version.into_iden()),
            (OneOnOnes::Table.into_iden(), OneOnOnes::UpdatedBy.into_iden()),
            (OneOnOneSeries::Table.into_iden(), OneOnOneSeries::Version.into_iden()),
            (OneOnOneSeries::Table.into_iden(), OneOnOneSeries::UpdatedBy.into_iden()),
            (ActionItems::Table.into_iden(), ActionItems::Version.into_iden()),
            (ActionItems::Table.into_iden(), ActionItems::UpdatedBy.into_iden()),
        ];
        for (table, column) in columns {
            manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
