//! One segment of a call's transcript.

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, OrganisationId, SegmentId};

/// One segment row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transcript_segments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: SegmentId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The call.
    pub call_id: CallId,
    /// Order in the transcript, from 0.
    pub position: i32,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// Who speaks, when known.
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
