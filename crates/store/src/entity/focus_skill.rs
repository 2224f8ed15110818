//! A rep's focus skill ("Just One Thing"): one rubric criterion worked on at a time.

use sea_orm::entity::prelude::*;

use crate::ids::{FocusId, OrganisationId, UserId};

/// How the skill is to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Prescription {
    /// Listen in on someone who does it well.
    #[sea_orm(string_value = "shadow")]
    Shadow,
    /// Practise it with the manager.
    #[sea_orm(string_value = "role_play")]
    RolePlay,
    /// Learn a script or talk track.
    #[sea_orm(string_value = "script")]
    Script,
    /// Talk it through.
    #[sea_orm(string_value = "discussion")]
    Discussion,
    /// Something else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// Where a focus is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FocusStatus {
    /// Being worked on; at most one per rep.
    #[sea_orm(string_value = "active")]
    Active,
    /// The skill is there.
    #[sea_orm(string_value = "achieved")]
    Achieved,
    /// Set aside.
    #[sea_orm(string_value = "dropped")]
    Dropped,
}

/// One focus row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "focus_skills")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
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
    pub started_at: DateTimeUtc,
    /// When it was achieved or dropped.
    pub ended_at: Option<DateTimeUtc>,
    /// Who set it.
    pub created_by: UserId,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
    /// Counts changes, so a save made from an older copy is refused.
    pub version: i32,
    /// Who changed it last; `None` until someone does.
    pub updated_by: Option<UserId>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
