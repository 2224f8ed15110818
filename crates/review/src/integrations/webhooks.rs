//! Webhook endpoints (admins only) and their delivery log.

use crate::rules::error::stored_json;
use crate::rules::ids::{AttemptId, DeliveryId, EventId, OrganisationId, WebhookId};
use crate::{context::Webhooks, rules::actor::Actor};
use chrono::{DateTime, Utc};
use filmroom_store::{
    Role,
    entity::{webhook, webhook_attempt, webhook_delivery, webhook_delivery::DeliveryStatus},
    now,
};
use uuid::Uuid;

use crate::jobs::{DeliverWebhook, Job};
use crate::rules::error::Entity;
use crate::rules::error::ReviewError;

/// The event types a webhook can ask for.
pub const EVENT_TYPES: &[&str] =
    &["call.ready", "call.failed", "review.shared", "review.manager_reviewed", "one_on_one.held"];

/// Changes to a webhook; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// Pause (`false`) or resume.
    pub active: Option<bool>,
}

/// A delivery with its attempts.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The delivery.
    pub row: Delivery,
    /// Its attempts, in order.
    pub attempts: Vec<WebhookAttempt>,
}

fn invalid(field: &str, message: impl Into<String>) -> ReviewError {
    ReviewError::InvalidField { field: field.into(), message: message.into() }
}

fn check_url(raw: &str) -> Result<String, ReviewError> {
    let parsed = url::Url::parse(raw.trim())
        .map_err(|e| invalid("url", format!("`{raw}` is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(invalid("url", "webhooks are delivered over http:// or https://"));
    }
    if raw.len() > 2000 {
        return Err(invalid("url", "must be at most 2000 characters"));
    }
    Ok(parsed.to_string())
}

fn check_types(types: Vec<String>) -> Result<Vec<String>, ReviewError> {
    if types.is_empty() {
        return Err(invalid(
            "event_types",
            format!("name at least one of {}", EVENT_TYPES.join(", ")),
        ));
    }
    for t in &types {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(invalid(
                "event_types",
                format!("`{t}` is not one of {}", EVENT_TYPES.join(", ")),
            ));
        }
    }
    Ok(types)
}

fn require_admin(actor: &Actor) -> Result<(), ReviewError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(ReviewError::Forbidden("only an admin manages webhooks".into()))
    }
}

impl Webhooks<'_> {
    /// Registers an endpoint; the secret is generated when not given.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        url: &str,
        secret: Option<String>,
        event_types: Vec<String>,
    ) -> Result<Webhook, ReviewError> {
        require_admin(actor)?;
        let url = check_url(url)?;
        let event_types = check_types(event_types)?;
        let secret = match secret {
            Some(s) if s.len() >= 16 && s.len() <= 200 => s,
            Some(_) => return Err(invalid("secret", "must be 16 to 200 characters")),
            None => {
                let generated = crate::rules::secrets::generate().map_err(|e| {
                    ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
                        "no randomness: {e}"
                    )))
                })?;
                format!("whsec_{}", &generated.secret[3..])
            }
        };
        let at = now();
        Webhook::try_from(
            self.store
                .insert_webhook(webhook::Model {
                    id: Uuid::now_v7().into(),
                    organisation_id: actor.organisation_id,
                    url,
                    secret,
                    event_types: serde_json::json!(event_types),
                    active: true,
                    created_at: at,
                    updated_at: at,
                })
                .await?,
        )
    }

    /// The organisation's webhooks.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Webhook>, ReviewError> {
        require_admin(actor)?;
        self.store
            .webhooks(actor.organisation_id)
            .await?
            .into_iter()
            .map(Webhook::try_from)
            .collect()
    }

    async fn own_webhook(
        &self,
        actor: &Actor,
        id: WebhookId,
    ) -> Result<webhook::Model, ReviewError> {
        require_admin(actor)?;
        self.store
            .webhook(actor.organisation_id, id)
            .await?
            .ok_or_else(|| ReviewError::NotFound { entity: Entity::Webhook, id: id.to_string() })
    }

    /// Changes a webhook.
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: WebhookId,
        changes: WebhookChanges,
    ) -> Result<Webhook, ReviewError> {
        let mut row = self.own_webhook(actor, id).await?;
        if let Some(url) = changes.url {
            row.url = check_url(&url)?;
        }
        if let Some(types) = changes.event_types {
            row.event_types = serde_json::json!(check_types(types)?);
        }
        if let Some(active) = changes.active {
            row.active = active;
        }
        row.updated_at = now();
        Webhook::try_from(self.store.update_webhook(row).await?)
    }

    /// Deletes a webhook and its delivery log.
    pub async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> Result<(), ReviewError> {
        let row = self.own_webhook(actor, id).await?;
        Ok(self.store.delete_webhook(row.id).await?)
    }

    /// A webhook's latest deliveries with their attempts.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
    ) -> Result<Vec<DeliveryView>, ReviewError> {
        let row = self.own_webhook(actor, id).await?;
        let deliveries = self.store.deliveries(row.id, 200).await?;
        let ids: Vec<DeliveryId> = deliveries.iter().map(|d| d.id).collect();
        let attempts = self.store.attempts(&ids).await?;
        Ok(deliveries
            .into_iter()
            .map(|d| {
                let mine = attempts
                    .iter()
                    .filter(|a| a.delivery_id == d.id)
                    .cloned()
                    .map(WebhookAttempt::from)
                    .collect();
                DeliveryView { row: d.into(), attempts: mine }
            })
            .collect())
    }

    /// Sends a delivery again, whatever became of it.
    pub async fn redeliver(
        &self,
        actor: &Actor,
        delivery_id: DeliveryId,
    ) -> Result<Delivery, ReviewError> {
        require_admin(actor)?;
        let mut row =
            self.store.delivery(actor.organisation_id, delivery_id).await?.ok_or_else(|| {
                ReviewError::NotFound { entity: Entity::Delivery, id: delivery_id.to_string() }
            })?;
        row.status = DeliveryStatus::Pending;
        row.updated_at = now();
        let row = self.store.update_delivery(row).await?;
        self.enqueue_delivery(row.id, None).await?;
        Ok(row.into())
    }

    async fn enqueue_delivery(
        &self,
        delivery_id: DeliveryId,
        attempt_series: Option<&str>,
    ) -> Result<(), ReviewError> {
        let job = Job::DeliverWebhook(DeliverWebhook { delivery_id })
            .to_new_job(self.analysis_attempts, attempt_series)?;
        Ok(self.store.enqueue_job(job, now()).await?)
    }

    /// Turns undispatched outbox events into one pending delivery, with its
    /// job, for every active webhook subscribed to them. Safe to run from
    /// several workers at once, and to crash in: an event is claimed in the
    /// same transaction that stores its deliveries and jobs, so each event is
    /// dispatched exactly once.
    pub async fn dispatch_events(&self) -> Result<usize, ReviewError> {
        let mut created = 0;
        for event in self.store.undispatched_events(100).await? {
            let mut deliveries = Vec::new();
            for hook in self.store.webhooks(event.organisation_id).await? {
                let hook = match Webhook::try_from(hook) {
                    Ok(hook) => hook,
                    Err(e) => {
                        tracing::warn!(error = %e, "a webhook with unreadable event types is skipped");
                        continue;
                    }
                };
                if !hook.active || !hook.event_types.contains(&event.kind) {
                    continue;
                }
                let at = now();
                let delivery = webhook_delivery::Model {
                    id: DeliveryId::generate(),
                    organisation_id: event.organisation_id,
                    webhook_id: hook.id,
                    event_id: event.id,
                    status: DeliveryStatus::Pending,
                    attempts: 0,
                    last_status_code: None,
                    last_error: None,
                    created_at: at,
                    updated_at: at,
                };
                let job = Job::DeliverWebhook(DeliverWebhook { delivery_id: delivery.id })
                    .to_new_job(self.analysis_attempts, Some("first"))?;
                deliveries.push((delivery, job));
            }
            let count = deliveries.len();
            if self.store.dispatch_event(event.id, now(), deliveries).await? {
                created += count;
            }
        }
        Ok(created)
    }

    /// What to POST for a delivery, or `None` when there is nothing to do any
    /// more (the delivery, its webhook or its event is gone, or it succeeded).
    pub async fn outgoing_delivery(
        &self,
        delivery_id: DeliveryId,
    ) -> Result<Option<OutgoingDelivery>, ReviewError> {
        let Some(delivery) = self.store.delivery_by_id(delivery_id).await? else {
            return Ok(None);
        };
        if delivery.status == DeliveryStatus::Succeeded {
            return Ok(None);
        }
        let (Some(hook), Some(event)) = (
            self.store.webhook_by_id(delivery.webhook_id).await?,
            self.store.event(delivery.event_id).await?,
        ) else {
            return Ok(None);
        };
        let body = serde_json::to_vec(&serde_json::json!({
            "id": event.id,
            "type": event.kind,
            "created_at": event.created_at,
            "delivery_id": delivery.id,
            "data": event.payload,
        }))
        .map_err(|e| ReviewError::Store(filmroom_store::StoreError::Inconsistent(e.to_string())))?;
        Ok(Some(OutgoingDelivery {
            delivery_id: delivery.id,
            url: hook.url,
            secret: hook.secret,
            event_kind: event.kind,
            body,
        }))
    }

    /// Logs one attempt at a delivery and moves the delivery: succeeded on a
    /// 2xx, failed when this was its last attempt, else still pending.
    pub async fn record_delivery_attempt(
        &self,
        delivery_id: DeliveryId,
        attempt: AttemptResult,
        final_try: bool,
    ) -> Result<(), ReviewError> {
        let Some(mut delivery) = self.store.delivery_by_id(delivery_id).await? else {
            return Ok(());
        };
        delivery.attempts = delivery.attempts.saturating_add(1);
        self.store
            .insert_attempt(webhook_attempt::Model {
                id: AttemptId::generate(),
                delivery_id: delivery.id,
                attempt: delivery.attempts,
                status_code: attempt.status_code,
                duration_ms: attempt.duration_ms,
                error: attempt.error.clone(),
                at: now(),
            })
            .await?;
        delivery.last_status_code = attempt.status_code;
        delivery.status = match (&attempt.error, final_try) {
            (None, _) => DeliveryStatus::Succeeded,
            (Some(_), true) => DeliveryStatus::Failed,
            (Some(_), false) => DeliveryStatus::Pending,
        };
        delivery.last_error = attempt.error;
        delivery.updated_at = now();
        self.store.update_delivery(delivery).await?;
        Ok(())
    }
}

/// A delivery ready to POST: the endpoint, its signing secret and the body.
#[derive(Debug, Clone)]
pub struct OutgoingDelivery {
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// Where to POST.
    pub url: String,
    /// The webhook's signing secret.
    pub secret: String,
    /// The event's type, sent as `Filmroom-Event`.
    pub event_kind: String,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// How one attempt at a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    /// The endpoint's status code, if it answered.
    pub status_code: Option<i32>,
    /// How long the attempt took.
    pub duration_ms: i64,
    /// Why it did not succeed; `None` for a 2xx.
    pub error: Option<String>,
}

/// An organisation's webhook endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// UUIDv7.
    pub id: WebhookId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Key of the HMAC-SHA256 signature.
    pub secret: String,
    /// Event types delivered.
    pub event_types: Vec<String>,
    /// Inactive webhooks get no new deliveries.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<webhook::Model> for Webhook {
    type Error = ReviewError;

    fn try_from(row: webhook::Model) -> Result<Self, ReviewError> {
        Ok(Self {
            id: row.id,
            organisation_id: row.organisation_id,
            url: row.url,
            secret: row.secret,
            event_types: stored_json("webhook.event_types", row.event_types)?,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// One attempt at a webhook delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    /// UUIDv7.
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
    pub at: DateTime<Utc>,
}

impl From<webhook_attempt::Model> for WebhookAttempt {
    fn from(row: webhook_attempt::Model) -> Self {
        Self {
            id: row.id,
            delivery_id: row.delivery_id,
            attempt: row.attempt,
            status_code: row.status_code,
            duration_ms: row.duration_ms,
            error: row.error,
            at: row.at,
        }
    }
}

/// One event delivered (or being delivered) to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// UUIDv7.
    pub id: DeliveryId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The endpoint.
    pub webhook_id: WebhookId,
    /// The event delivered.
    pub event_id: EventId,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: i32,
    /// Status code of the last attempt, if it got an answer.
    pub last_status_code: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_delivery::Model> for Delivery {
    fn from(row: webhook_delivery::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            webhook_id: row.webhook_id,
            event_id: row.event_id,
            status: row.status,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
