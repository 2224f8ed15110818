//! Removes the change-notice triggers of migration 14 on PostgreSQL. Each
//! process keeps its answers to hot reads for a short, stated time and drops
//! them itself when it writes, so no table needs to announce its changes, and
//! a new table needs nothing to be remembered.

use sea_orm_migration::prelude::*;

use crate::m20261130_000014_change_notices::{FORGET_CHANGES, announce_changes};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(FORGET_CHANGES).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(&announce_changes()).await?;
        }
        Ok(())
    }
}
