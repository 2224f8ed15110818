//! A clip's note and a focus skill's diagnosis and prescription are typed
//! texts too, edited by the rep and their managers: each carries a version
//! and who changed it last, like the texts of migration 17. A clip also
//! gains when it was last changed (it only had its creation time).

use sea_orm_migration::prelude::*;

#[derive(DeriveIden)]
enum Clips {
    Table,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FocusSkills {
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
        // Nullable: SQLite cannot add a column whose default is the current
        // time; a clip never changed reads its creation time instead.
        let when =
            |column: DynIden| ColumnDef::new(column).timestamp_with_time_zone().null().to_owned();
        let columns = [
            (Clips::Table.into_iden(), version(Clips::Version.into_iden())),
            (Clips::Table.into_iden(), who(Clips::UpdatedBy.into_iden())),
            (Clips::Table.into_iden(), when(Clips::UpdatedAt.into_iden())),
            (FocusSkills::Table.into_iden(), version(FocusSkills::Version.into_iden())),
            (FocusSkills::Table.into_iden(), who(FocusSkills::UpdatedBy.into_iden())),
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
            (Clips::Table.into_iden(), Clips::Version.into_iden()),
            (Clips::Table.into_iden(), Clips::UpdatedBy.into_iden()),
            (Clips::Table.into_iden(), Clips::UpdatedAt.into_iden()),
            (FocusSkills::Table.into_iden(), FocusSkills::Version.into_iden()),
            (FocusSkills::Table.into_iden(), FocusSkills::UpdatedBy.into_iden()),
        ];
        for (table, column) in columns {
            manager.alter_table(Table::alter().table(table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
