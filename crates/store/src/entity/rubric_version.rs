//! One published version of an organisation's rubric.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, RubricVersionId, UserId};

/// One rubric version row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rubric_versions")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RubricVersionId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// 1, 2, 3… per organisation.
    pub version: i32,
    /// The criteria as JSON (validated by `filmroom-review`).
    pub criteria: Json,
    /// The admin who published it.
    pub published_by: UserId,
    /// When it was published.
    pub created_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
