//! A manager and a rep's recurring 1:1: same weekday and local time every week.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, SeriesId, UserId};

/// One series row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_on_one_series")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SeriesId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The manager.
    pub manager_id: UserId,
    /// The rep.
    pub rep_id: UserId,
    /// Day of the week, lower-case English name.
    pub weekday: String,
    /// Local start time, `HH:MM`.
    pub local_time: String,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// IANA time zone the weekday and time are in.
    pub timezone: String,
    /// Standing agenda: topics that carry over week to week (JSON list of strings).
    pub agenda: Json,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Moves by one on every change, so a save from an older page is caught.
    pub version: i32,
    /// Who made the last change.
    pub updated_by: Option<UserId>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
