//! On PostgreSQL, every committed change to a table other than the job queue
//! is announced on the `filmroom_changes` channel, so that each API process
//! can drop the reads it keeps in memory the moment another process writes.
//! SQLite needs nothing: its processes poll `PRAGMA data_version`.
//!
//! A migration that adds a table runs [`ANNOUNCE_CHANGES`] again (it is
//! idempotent); a test checks that every table but the excluded ones has the
//! trigger.

use sea_orm_migration::prelude::*;

/// Creates the announcing function and puts its trigger on every table of
/// the schema except the job queue (workers poll it constantly, and no cached
/// read looks at it) and the migration log. A row-level trigger fires only
/// when a row changes; PostgreSQL delivers one notice per transaction however
/// many rows it changed (identical notices are folded), and only once the
/// transaction commits.
pub(crate) const ANNOUNCE_CHANGES: &str = r#"
CREATE OR REPLACE FUNCTION filmroom_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('filmroom_changes', '');
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
            'CREATE OR REPLACE TRIGGER filmroom_announce_change '
            'AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH ROW EXECUTE FUNCTION filmroom_announce_change()',
            name);
    END LOOP;
END
$$;
"#;

const FORGET_CHANGES: &str = r#"
DO $$
DECLARE
    name text;
BEGIN
    FOR name IN
        SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS filmroom_announce_change ON %I', name);
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
            manager.get_connection().execute_unprepared(ANNOUNCE_CHANGES).await?;
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
