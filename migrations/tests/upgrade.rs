//! Upgrading a database that already holds rows: a migration that fixes
//! data does so on the rows written before it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{DateTime, TimeZone, Utc};
use filmroom_migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement, Value};
use uuid::Uuid;

async fn run(db: &DatabaseConnection, sql: &str, values: Vec<Value>) {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, values);
    db.execute_raw(statement).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Two focus skills a race left active before migration 9: the older is
/// dropped, and (since migration 20) ended when the newer one started, not
/// at its own last change.
#[tokio::test]
async fn a_focus_dropped_by_the_one_active_rule_says_when_it_ended() {
    let file = std::env::temp_dir().join(format!("filmroom-upgrade-{}.db", Uuid::now_v7()));
    let db = Database::connect(format!("sqlite://{}?mode=rwc", file.display())).await.unwrap();
    Migrator::up(&db, Some(8)).await.unwrap();
    let (organisation, rep) = (Uuid::now_v7(), Uuid::now_v7());
    let at =
        |hour: u32| -> DateTime<Utc> { Utc.with_ymd_and_hms(2026, 11, 20, hour, 0, 0).unwrap() };
    run(
        &db,
        "INSERT INTO organisations (id, name, timezone, created_at) VALUES (?, 'Acme', 'UTC', ?)",
        vec![organisation.into(), at(8).into()],
    )
    .await;
    run(
        &db,
        "INSERT INTO users (id, organisation_id, email, name, role, manager_id, external_ids, \
         active, created_at, updated_at) VALUES (?, ?, 'rep@acme.example', 'Rep', 'rep', NULL, \
         '{}', TRUE, ?, ?)",
        vec![rep.into(), organisation.into(), at(8).into(), at(8).into()],
    )
    .await;
    let (older, newer) = (Uuid::now_v7(), Uuid::now_v7());
    for (id, hour) in [(older, 9), (newer, 10)] {
        run(
            &db,
            "INSERT INTO focus_skills (id, organisation_id, rep_id, criterion, diagnosis, \
             prescription_kind, prescription_text, target_score, status, started_at, ended_at, \
             created_by, created_at, updated_at) VALUES (?, ?, ?, 'discovery', 'Few questions', \
             'shadow', 'Shadow Ana', NULL, 'active', ?, NULL, ?, ?, ?)",
            vec![
                id.into(),
                organisation.into(),
                rep.into(),
                at(hour).into(),
                rep.into(),
                at(hour).into(),
                at(hour + 3).into(),
            ],
        )
        .await;
    }
    Migrator::up(&db, None).await.unwrap();
    let statement = Statement::from_sql_and_values(
        db.get_database_backend(),
        "SELECT id, status, ended_at FROM focus_skills ORDER BY started_at",
        vec![],
    );
    let rows = db.query_all_raw(statement).await.unwrap();
    let read: Vec<(Uuid, String, Option<DateTime<Utc>>)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get("", "id").unwrap(),
                row.try_get("", "status").unwrap(),
                row.try_get("", "ended_at").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        read,
        vec![(older, "dropped".to_owned(), Some(at(10))), (newer, "active".to_owned(), None),],
        "the dropped focus ends when the one that replaced it started; the active one has not ended"
    );
    db.close().await.unwrap();
    let _ = std::fs::remove_file(file);
}
