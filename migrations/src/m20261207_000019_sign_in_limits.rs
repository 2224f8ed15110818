//! Failed sign-ins are counted in the database, so every API process (and a
//! restarted one) refuses the sixth guess alike. One row per limited key
//! (an account, a client address, a password confirmation), stored as a
//! hash: the window it counts in and the failures in it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignInLimits {
    Table,
    KeyHash,
    WindowStart,
    Failures,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SignInLimits::Table)
                    .col(string_len(SignInLimits::KeyHash, 64).primary_key())
                    .col(timestamp_with_time_zone(SignInLimits::WindowStart))
                    .col(integer(SignInLimits::Failures))
                    .to_owned(),
            )
            .await?;
        // Windows that have passed are swept by their start.
        manager
            .create_index(
                Index::create()
                    .name("idx_sign_in_limits_window_start")
                    .table(SignInLimits::Table)
                    .col(SignInLimits::WindowStart)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SignInLimits::Table).to_owned()).await
    }
}
