//! A webhook endpoint an admin registered for some event types.

use sea_orm::entity::prelude::*;

use crate::ids::{OrganisationId, WebhookId};

/// One webhook row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: WebhookId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Key of the HMAC-SHA256 signature.
    pub secret: String,
    /// Event types delivered (JSON list of strings).
    pub event_types: Json,
    /// Inactive webhooks get no new deliveries.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
