//! A call's headline conversation figures, recomputed whenever what they
//! come from changes (analysis, the rep channel, the transcript).

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, OrganisationId};

/// One call's figures.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_metrics")]
pub struct Model {
    /// The call.
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_id: CallId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep's share of speech time in basis points (0..=10000), when the rep is known.
    pub talk_ratio_bp: Option<i32>,
    /// The rep's longest monologue, ms.
    pub longest_monologue_ms: Option<i64>,
    /// Mean wait before the rep answers, ms.
    pub patience_ms: Option<i64>,
    /// Changes of turn.
    pub turn_changes: Option<i32>,
    /// Questions the rep asked (with a transcript).
    pub rep_questions: Option<i32>,
    /// When they were computed.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
