//! `Idempotency-Key`: a POST sent again with the same key and the same body
//! gets the first response again instead of acting twice; the same key with a
//! different body is refused. Keys are per credential and kept for a day.

use crate::context::Idempotency;
use crate::rules::ids::IdempotencyKeyId;
use chrono::Duration;
use filmroom_store::{IdempotencyClaim, IdempotencyStatus, now};

use crate::rules::error::ReviewError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// After this long a first request that never answered (its process died)
/// no longer holds its key.
pub const STALE_AFTER_MINUTES: i64 = 60;

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Status code.
    pub status: u16,
    /// Headers to send again (`Content-Type`, `Location`).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone)]
pub enum IdempotentRequest {
    /// The key is new: run the request, then [`Idempotency::finish_idempotent`](crate::Idempotency::finish_idempotent)
    /// or [`Idempotency::abandon_idempotent`](crate::Idempotency::abandon_idempotent) with this id.
    Run(IdempotencyKeyId),
    /// The key answered before: compare the request's hash with
    /// `request_hash` and replay `response` when they match.
    Answered {
        /// Hash of the first request.
        request_hash: String,
        /// Its response.
        response: StoredResponse,
    },
    /// The first request with the key is still running.
    InProgress,
}

impl Idempotency<'_> {
    /// Looks up or claims `key` for the credential `scope`.
    pub async fn begin_idempotent(
        &self,
        scope: &str,
        key: &str,
    ) -> Result<IdempotentRequest, ReviewError> {
        let claim = self
            .store
            .claim_idempotency_key(
                scope,
                key,
                now(),
                Duration::hours(RETENTION_HOURS),
                Duration::minutes(STALE_AFTER_MINUTES),
            )
            .await?;
        Ok(match claim {
            IdempotencyClaim::Claimed(row) => IdempotentRequest::Run(row.id),
            IdempotencyClaim::Existing(row) if row.status == IdempotencyStatus::InProgress => {
                IdempotentRequest::InProgress
            }
            IdempotencyClaim::Existing(row) => IdempotentRequest::Answered {
                request_hash: row.request_hash.unwrap_or_default(),
                response: StoredResponse {
                    status: row.response_status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                    headers: row
                        .response_headers
                        .and_then(|h| serde_json::from_value(h).ok())
                        .unwrap_or_default(),
                    body: row.response_body.unwrap_or_default(),
                },
            },
        })
    }

    /// Keeps the response of a request that ran under a key.
    pub async fn finish_idempotent(
        &self,
        id: IdempotencyKeyId,
        request_hash: &str,
        response: StoredResponse,
    ) -> Result<(), ReviewError> {
        let headers = serde_json::to_value(&response.headers).unwrap_or_default();
        Ok(self
            .store
            .complete_idempotency_key(
                id,
                request_hash,
                i32::from(response.status),
                headers,
                response.body,
                now(),
            )
            .await?)
    }

    /// Whether `secret` still authenticates (a user token of an active user, or
    /// an integration token), so that a replay never outlives a revoked
    /// credential.
    pub async fn credential_is_active(&self, secret: Option<&str>) -> Result<bool, ReviewError> {
        let Some(secret) = secret else {
            return Ok(false);
        };
        let hash = crate::rules::secrets::hash(secret);
        if let Some((token, owner)) = self.store.token_by_hash(&hash).await? {
            return Ok(token.revoked_at.is_none() && owner.active);
        }
        Ok(self
            .store
            .integration_token_by_hash(&hash)
            .await?
            .is_some_and(|t| t.revoked_at.is_none()))
    }

    /// Frees a key whose request left nothing worth replaying (a server
    /// error, or a body it did not read to the end).
    pub async fn abandon_idempotent(&self, id: IdempotencyKeyId) -> Result<(), ReviewError> {
        Ok(self.store.release_idempotency_key(id).await?)
    }
}
