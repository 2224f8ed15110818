//! The weekly 1:1: a recurring series between a manager and a rep, and its
//! occurrences, each with a clip segment, notes and action items.

use sea_orm::entity::prelude::*;

use crate::ids::{OneOnOneId, OrganisationId, SeriesId, UserId};

/// Where an occurrence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum OneOnOneStatus {
    /// Planned.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    /// Not happening this week.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Happened, and ended with action items.
    #[sea_orm(string_value = "held")]
    Held,
}

/// One occurrence row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "one_on_ones")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: OneOnOneId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The series it belongs to.
    pub series_id: SeriesId,
    /// The manager.
    pub manager_id: UserId,
    /// The rep.
    pub rep_id: UserId,
    /// ISO week of the regular slot; stays when the occurrence is moved.
    pub week: String,
    /// When it starts (UTC).
    pub scheduled_at: DateTimeUtc,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Scheduled, cancelled or held.
    pub status: OneOnOneStatus,
    /// Notes of this meeting.
    pub notes: String,
    /// When it was marked held.
    pub held_at: Option<DateTimeUtc>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Moves by one on every change, so a save from an older page is caught.
    pub version: i32,
    /// Who made the last change, when a person did.
    pub updated_by: Option<UserId>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
