//! Webhook endpoints and their delivery log (admins only).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use filmroom_review::ids::{DeliveryId, WebhookId};
use filmroom_review::{
    Delivery, DeliveryStatus, Review, Webhook, WebhookAttempt, webhooks::WebhookChanges,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    error::ApiError,
    extract::{ApiJson, Authenticated},
};

// Documents the `event_types` strings: the review crate's `EVENT_TYPES`
// decides what is accepted, and a test below keeps the two lists equal.
/// An event filmroom announces to webhooks and in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum EventType {
    /// A call's analysis finished: it can be played and reviewed.
    #[serde(rename = "call.ready")]
    CallReady,
    /// A call could not be analysed or its recording not fetched.
    #[serde(rename = "call.failed")]
    CallFailed,
    /// A rep shared a reviewed call with their manager.
    #[serde(rename = "review.shared")]
    ReviewShared,
    /// A manager finished reviewing a shared call.
    #[serde(rename = "review.manager_reviewed")]
    ReviewManagerReviewed,
    /// A 1:1 was marked held.
    #[serde(rename = "one_on_one.held")]
    OneOnOneHeld,
}

impl EventType {
    /// Every event type.
    pub const ALL: [Self; 5] = [
        Self::CallReady,
        Self::CallFailed,
        Self::ReviewShared,
        Self::ReviewManagerReviewed,
        Self::OneOnOneHeld,
    ];
}

/// A new webhook.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://crm.example.com/filmroom",
    "event_types": ["review.shared", "review.manager_reviewed"]
}))]
pub struct CreateWebhookRequest {
    /// Where to POST events.
    #[schema(example = "https://crm.example.com/filmroom")]
    pub url: String,
    /// Signing secret, 16-200 characters (default: generated and returned once).
    pub secret: Option<String>,
    /// The events to deliver.
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<String>,
}

/// Changes to a webhook.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://crm.example.com/filmroom/coaching",
    "event_types": ["call.ready", "review.shared", "one_on_one.held"],
    "active": true
}))]
pub struct UpdateWebhookRequest {
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    #[schema(value_type = Option<Vec<EventType>>)]
    pub event_types: Option<Vec<String>>,
    /// Pause (`false`) or resume.
    pub active: Option<bool>,
}

/// A webhook, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    /// Id.
    pub id: Uuid,
    /// Where events are POSTed.
    pub url: String,
    /// Event types delivered.
    #[schema(value_type = Vec<EventType>)]
    pub event_types: Vec<String>,
    /// Paused when `false`.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<Webhook> for WebhookBody {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id.into(),
            url: w.url,
            event_types: serde_json::from_value(w.event_types.into()).unwrap_or_default(),
            active: w.active,
            created_at: w.created_at,
        }
    }
}

/// A webhook just created, with its signing secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookBody {
    /// The webhook.
    pub webhook: WebhookBody,
    /// Verify `Filmroom-Signature: t=…,v1=…` as HMAC-SHA256 of `"{t}.{body}"` with this.
    /// `null` in an `Idempotency-Key` replay: it is never stored for replay.
    pub secret: Option<String>,
    /// `true` in an `Idempotency-Key` replay, whose `secret` is `null`.
    pub secret_already_shown: bool,
}

/// Webhooks.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    /// Oldest first.
    pub items: Vec<WebhookBody>,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    /// 1, 2, 3…
    pub attempt: i32,
    /// The answer's status code, if one came.
    pub status_code: Option<i32>,
    /// How long it took.
    pub duration_ms: i64,
    /// What went wrong.
    pub error: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<WebhookAttempt> for AttemptBody {
    fn from(a: WebhookAttempt) -> Self {
        Self {
            attempt: a.attempt,
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error,
            at: a.at,
        }
    }
}

/// One event's delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    /// Id.
    pub id: Uuid,
    /// The event.
    pub event_id: Uuid,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    /// Attempts so far.
    pub attempts: Vec<AttemptBody>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

fn status(s: DeliveryStatus) -> String {
    match s {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Succeeded => "succeeded",
        DeliveryStatus::Failed => "failed",
    }
    .into()
}

fn delivery_body(row: Delivery, attempts: Vec<WebhookAttempt>) -> DeliveryBody {
    DeliveryBody {
        id: row.id.into(),
        event_id: row.event_id.into(),
        status: status(row.status),
        attempts: attempts.into_iter().map(Into::into).collect(),
        created_at: row.created_at,
    }
}

/// The delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first (the latest 200).
    pub items: Vec<DeliveryBody>,
}

/// Registers an endpoint for events, signed with HMAC-SHA256 and retried with
/// backoff for about a day until it answers 2xx.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), request_body = CreateWebhookRequest, responses((status = 201, description = "Created", body = CreatedWebhookBody)))]
#[post("/v1/webhooks")]
pub async fn create_webhook(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let row =
        review.webhooks().create_webhook(&actor, &body.url, body.secret, body.event_types).await?;
    let secret = Some(row.secret.clone());
    let body = CreatedWebhookBody { webhook: row.into(), secret, secret_already_shown: false };
    Ok(crate::idempotency::shown_once(HttpResponse::Created().json(body), &["secret"]))
}

/// The organisation's webhooks.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), responses((status = 200, description = "Webhooks", body = WebhookList)))]
#[get("/v1/webhooks")]
pub async fn list_webhooks(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
) -> Result<web::Json<WebhookList>, ApiError> {
    Ok(web::Json(WebhookList {
        items: review.webhooks().list(&actor).await?.into_iter().map(Into::into).collect(),
    }))
}

/// Changes, pauses or resumes a webhook.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id")), request_body = UpdateWebhookRequest, responses((status = 200, description = "Changed", body = WebhookBody)))]
#[patch("/v1/webhooks/{id}")]
pub async fn update_webhook(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<WebhookId>,
    ApiJson(body): ApiJson<UpdateWebhookRequest>,
) -> Result<web::Json<WebhookBody>, ApiError> {
    let changes =
        WebhookChanges { url: body.url, event_types: body.event_types, active: body.active };
    Ok(web::Json(review.webhooks().update_webhook(&actor, id.into_inner(), changes).await?.into()))
}

/// Deletes a webhook and its delivery log.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id")), responses((status = 204, description = "Deleted")))]
#[delete("/v1/webhooks/{id}")]
pub async fn delete_webhook(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<WebhookId>,
) -> Result<HttpResponse, ApiError> {
    review.webhooks().delete_webhook(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The webhook's delivery log: status, and per attempt the status code and duration.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Webhook id")), responses((status = 200, description = "Deliveries", body = DeliveryList)))]
#[get("/v1/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<WebhookId>,
) -> Result<web::Json<DeliveryList>, ApiError> {
    let items = review
        .webhooks()
        .deliveries(&actor, id.into_inner())
        .await?
        .into_iter()
        .map(|d| delivery_body(d.row, d.attempts))
        .collect();
    Ok(web::Json(DeliveryList { items }))
}

/// Sends a delivery again.
#[utoipa::path(tag = "webhooks", security(("bearer" = [])), params(("id" = Uuid, Path, description = "Delivery id")), responses((status = 202, description = "Queued", body = DeliveryBody)))]
#[post("/v1/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<DeliveryId>,
) -> Result<HttpResponse, ApiError> {
    let row = review.webhooks().redeliver(&actor, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(delivery_body(row, Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn the_documented_event_types_are_the_accepted_ones() {
        let documented: Vec<String> = EventType::ALL
            .iter()
            .map(|e| serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_owned)))
            .map(Option::unwrap_or_default)
            .collect();
        assert_eq!(documented, filmroom_review::webhooks::EVENT_TYPES);
    }
}
