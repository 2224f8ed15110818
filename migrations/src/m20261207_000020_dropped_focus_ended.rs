//! Migration 9 dropped the older of two focus skills a race had left active
//! without saying when they ended, so a rep's focus history showed them
//! as never finished. A finished focus without an end now ends when the
//! rep's next focus started (the one that replaced it), or else when it was
//! last changed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE focus_skills SET ended_at = COALESCE( \
                   (SELECT MIN(newer.started_at) FROM focus_skills newer \
                     WHERE newer.rep_id = focus_skills.rep_id \
                       AND newer.started_at > focus_skills.started_at), \
                   updated_at) \
                 WHERE status <> 'active' AND ended_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The end times are true either way; nothing to take back.
        Ok(())
    }
}
