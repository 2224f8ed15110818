//! The focus skill ("Just One Thing") as the review domain hands it out: one
//! rubric criterion a rep works on at a time. Its moves live in the weekly
//! area's `focus`; this type sits below both the weekly review (which shows
//! it on shared calls) and the 1:1 (which sets it).

use chrono::{DateTime, Utc};
use filmroom_store::entity::focus_skill::{self, FocusStatus, Prescription};

use crate::rules::ids::{FocusId, OrganisationId, UserId};

/// A rep's focus skill: one rubric criterion worked on at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Focus {
    /// UUIDv7.
    pub id: FocusId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep.
    pub rep_id: UserId,
    /// The rubric criterion key.
    pub criterion: String,
    /// Why this skill, from the numbers.
    pub diagnosis: String,
    /// How it is to be built.
    pub prescription_kind: Prescription,
    /// The prescription in words.
    pub prescription_text: String,
    /// The score that means achieved, if set.
    pub target_score: Option<i32>,
    /// Active, achieved or dropped.
    pub status: FocusStatus,
    /// When work on it started.
    pub started_at: DateTime<Utc>,
    /// When it was achieved or dropped.
    pub ended_at: Option<DateTime<Utc>>,
    /// Who set it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Its version: send it back to change it without overwriting a
    /// change made meanwhile.
    pub version: i32,
}

impl From<focus_skill::Model> for Focus {
    fn from(row: focus_skill::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            rep_id: row.rep_id,
            criterion: row.criterion,
            diagnosis: row.diagnosis,
            prescription_kind: row.prescription_kind,
            prescription_text: row.prescription_text,
            target_score: row.target_score,
            status: row.status,
            started_at: row.started_at,
            ended_at: row.ended_at,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
        }
    }
}
