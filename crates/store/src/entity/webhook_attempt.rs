//! One attempt at a webhook delivery, for the delivery log.

use sea_orm::entity::prelude::*;

use crate::ids::{AttemptId, DeliveryId};

/// One attempt row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: AttemptId,
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// 1, 2, 3…
    pub attempt: i32,
    /// The answer's status code, if one came.
    pub status_code: Option<i32>,
    /// How long the attempt took.
    pub duration_ms: i64,
    /// What went wrong, if anything.
    pub error: Option<String>,
    /// When.
    pub at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
