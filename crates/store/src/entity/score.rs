//! A score on one rubric criterion for one nominated call.

use sea_orm::entity::prelude::*;

use crate::ids::{NominationId, OrganisationId, ScoreId, UserId};

/// Whose score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ScorerKind {
    /// The rep scoring themselves.
    #[sea_orm(string_value = "rep")]
    Rep,
    /// A manager in the rep's chain.
    #[sea_orm(string_value = "manager")]
    Manager,
}

/// One score row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scores")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ScoreId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The nomination scored.
    pub nomination_id: NominationId,
    /// Self or manager.
    pub scorer_kind: ScorerKind,
    /// Who gave it.
    pub scorer_id: UserId,
    /// The rubric version it was given under.
    pub rubric_version: i32,
    /// The criterion's key.
    pub criterion: String,
    /// The value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
