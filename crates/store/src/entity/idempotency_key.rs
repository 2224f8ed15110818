//! A POST made with an `Idempotency-Key`, and the response to replay.

use sea_orm::entity::prelude::*;

use crate::ids::IdempotencyKeyId;

/// Whether the first request with a key has answered yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum IdempotencyStatus {
    /// The first request is still running.
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    /// The response is stored and is replayed for the same body.
    #[sea_orm(string_value = "completed")]
    Completed,
}

/// One key row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: IdempotencyKeyId,
    /// Whose key: a hash of the credential, so callers never share keys.
    pub scope: String,
    /// The client's `Idempotency-Key`.
    pub key: String,
    /// Hex SHA-256 of method, path, query and body of the first request.
    pub request_hash: Option<String>,
    /// Whether the response is stored yet.
    pub status: IdempotencyStatus,
    /// The stored response's status code.
    pub response_status: Option<i32>,
    /// The stored response's replayed headers (`[[name, value], …]`).
    pub response_headers: Option<Json>,
    /// The stored response's body.
    pub response_body: Option<Vec<u8>>,
    /// When the first request arrived.
    pub created_at: DateTimeUtc,
    /// When its response was stored.
    pub completed_at: Option<DateTimeUtc>,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
