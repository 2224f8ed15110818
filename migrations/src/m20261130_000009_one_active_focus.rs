//! One active focus skill per rep, as a constraint rather than a check that
//! two requests at once could both pass.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // A race before this constraint could have left two active focuses:
        // the newest stays active, the older ones become dropped.
        db.execute_unprepared(
            "UPDATE focus_skills SET status = 'dropped' \
             WHERE status = 'active' AND EXISTS ( \
               SELECT 1 FROM focus_skills newer \
                WHERE newer.rep_id = focus_skills.rep_id AND newer.status = 'active' \
                  AND (newer.started_at > focus_skills.started_at \
                       OR (newer.started_at = focus_skills.started_at AND newer.id > focus_skills.id)))",
        )
        .await?;
        // Partial unique indexes read the same on SQLite and PostgreSQL.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_focus_skills_one_active ON focus_skills (rep_id) \
             WHERE status = 'active'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX ux_focus_skills_one_active")
            .await?;
        Ok(())
    }
}
