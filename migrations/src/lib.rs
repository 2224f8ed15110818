//! filmroom's database schema as an ordered list of sea-orm migrations.
//!
//! One file per change, named `mYYYYMMDD_HHMMSS_what.rs`, listed in order in
//! [`Migrator::migrations`]. Every migration runs on SQLite and PostgreSQL alike:
//! ids are UUIDs, times are UTC timestamps, enums are short strings.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_people;
mod m20261123_000002_calls_and_jobs;
mod m20261123_000003_reviews;
mod m20261123_000004_one_on_ones;
mod m20261123_000005_transcripts;
mod m20261123_000006_webhooks;
mod m20261123_000007_integrations;
mod m20261130_000008_token_lineage;
mod m20261130_000009_one_active_focus;
mod m20261130_000010_job_lanes;
mod m20261130_000011_sign_in;
mod m20261130_000012_call_metrics;
mod m20261130_000013_email;
mod m20261130_000014_change_notices;
mod m20261207_000015_no_change_notices;
mod m20261207_000016_person_time_zone;
mod m20261207_000017_edit_versions;
mod m20261207_000018_clip_and_focus_versions;
mod m20261207_000019_sign_in_limits;
mod m20261207_000020_dropped_focus_ended;

/// Runs filmroom's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_people::Migration),
            Box::new(m20261123_000002_calls_and_jobs::Migration),
            Box::new(m20261123_000003_reviews::Migration),
            Box::new(m20261123_000004_one_on_ones::Migration),
            Box::new(m20261123_000005_transcripts::Migration),
            Box::new(m20261123_000006_webhooks::Migration),
            Box::new(m20261123_000007_integrations::Migration),
            Box::new(m20261130_000008_token_lineage::Migration),
            Box::new(m20261130_000009_one_active_focus::Migration),
            Box::new(m20261130_000010_job_lanes::Migration),
            Box::new(m20261130_000011_sign_in::Migration),
            Box::new(m20261130_000012_call_metrics::Migration),
            Box::new(m20261130_000013_email::Migration),
            Box::new(m20261130_000014_change_notices::Migration),
            Box::new(m20261207_000015_no_change_notices::Migration),
            Box::new(m20261207_000016_person_time_zone::Migration),
            Box::new(m20261207_000017_edit_versions::Migration),
            Box::new(m20261207_000018_clip_and_focus_versions::Migration),
            Box::new(m20261207_000019_sign_in_limits::Migration),
            Box::new(m20261207_000020_dropped_focus_ended::Migration),
        ]
    }
}
