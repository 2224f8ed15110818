//! The outbox: things that happened, kept for delivery to webhooks later.

use sea_orm::entity::prelude::*;

use crate::ids::{EventId, OrganisationId};

/// One event row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// UUIDv7, so events sort by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: EventId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// `call.ready`, `call.failed`, `review.shared`, `review.manager_reviewed`, …
    pub kind: String,
    /// What happened, as JSON.
    pub payload: Json,
    /// When it happened.
    pub created_at: DateTimeUtc,
    /// When it was delivered, once it has been.
    pub delivered_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
