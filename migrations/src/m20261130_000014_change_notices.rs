//! On PostgreSQL, every committed change to a table other than the job queue
//! is announced on the [`CHANGES_CHANNEL`] channel, so that each API process
//! can drop the reads it keeps in memory the moment another process writes.
//! SQLite needs nothing: its processes poll `PRAGMA data_version`.
//!
//! Migration 15 removes them again: each process now keeps its answers for a
//! short, stated time instead of listening for changes.

use sea_orm_migration::prelude::*;

/// The channel the notices went to.
const CHANGES_CHANNEL: &str = "filmroom_changes";

/// Creates the announcing function and puts its triggers on every table of
/// the schema except the job queue (workers poll it constantly, and no cached
/// read looks at it) and the migration log. The triggers are per statement,
/// with the changed rows as a transition table, so a statement pays one call
/// however many rows it touches and announces nothing when it changed no row
/// (an `UPDATE … WHERE` that matched nothing). PostgreSQL delivers a
/// transaction's identical notices once, and only when it commits.
pub(crate) fn announce_changes() -> String {
    format!(
        r#"
CREATE OR REPLACE FUNCTION filmroom_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        PERFORM pg_notify('{CHANGES_CHANNEL}', '');
    END IF;
    RETURN NULL;
END
$$;
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT tablename FROM pg_tables
         WHERE schemaname = current_schema()
           AND tablename NOT IN ('jobs', 'seaql_migrations')
    LOOP
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER filmroom_announce_insert AFTER INSERT ON %I '
            'REFERENCING NEW TABLE AS changed '
            'FOR EACH STATEMENT EXECUTE FUNCTION filmroom_announce_change()', name);
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER filmroom_announce_update AFTER UPDATE ON %I '
            'REFERENCING NEW TABLE AS changed '
            'FOR EACH STATEMENT EXECUTE FUNCTION filmroom_announce_change()', name);
        EXECUTE format(
            'CREATE OR REPLACE TRIGGER filmroom_announce_delete AFTER DELETE ON %I '
            'REFERENCING OLD TABLE AS changed '
            'FOR EACH STATEMENT EXECUTE FUNCTION filmroom_announce_change()', name);
    END LOOP;
END
$$;
"#
    )
}

pub(crate) const FORGET_CHANGES: &str = r#"
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS filmroom_announce_insert ON %I', name);
        EXECUTE format('DROP TRIGGER IF EXISTS filmroom_announce_update ON %I', name);
        EXECUTE format('DROP TRIGGER IF EXISTS filmroom_announce_delete ON %I', name);
    END LOOP;
END
$$;
DROP FUNCTION IF EXISTS filmroom_announce_change();
"#;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(&announce_changes()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager.get_connection().execute_unprepared(FORGET_CHANGES).await?;
        }
        Ok(())
    }
}
