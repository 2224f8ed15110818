//! Webhook deliveries: outbox events become one delivery per subscribed
//! endpoint, each POSTed with an HMAC-SHA256 signature and retried with
//! backoff for about a day through the job queue.

use std::time::{Duration, Instant};

use chrono::Utc;
use filmroom_store::ids::{AttemptId, DeliveryId};
use filmroom_store::{
    Store, StoreError,
    entity::{
        webhook_attempt,
        webhook_delivery::{self, DeliveryStatus},
    },
    now,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long an endpoint has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The `Filmroom-Signature` header value for `body` sent at unix time `t`:
/// `t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => return format!("t={t},v1="),
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={t},v1={hex}")
}

/// Turns undispatched outbox events into deliveries for every active
/// webhook subscribed to them. Safe to run from several workers at once.
pub async fn dispatch_events(store: &Store) -> Result<usize, StoreError> {
    let mut created = 0;
    for event in store.undispatched_events(100).await? {
        if !store.mark_event_dispatched(event.id, now()).await? {
            continue;
        }
        for hook in store.webhooks(event.organisation_id).await? {
            let wanted = hook
                .event_types
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(event.kind.as_str())));
            if !hook.active || !wanted {
                continue;
            }
            let at = now();
            let delivery = store
                .insert_delivery(webhook_delivery::Model {
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
                })
                .await?;
            store.enqueue_delivery(delivery.id, "first").await?;
            created += 1;
        }
    }
    Ok(created)
}

/// The outcome of one attempt.
pub enum Attempt {
    /// The endpoint answered 2xx.
    Delivered,
    /// Nothing to do any more (deleted webhook or delivery, or already delivered).
    Gone,
    /// Try again later.
    Failed(String),
}

/// POSTs one delivery once and logs the attempt.
pub async fn attempt(
    store: &Store,
    policy: &crate::FetchPolicy,
    delivery_id: DeliveryId,
    final_try: bool,
) -> Result<Attempt, StoreError> {
    let Some(mut delivery) = store.delivery_by_id(delivery_id).await? else {
        return Ok(Attempt::Gone);
    };
    if delivery.status == DeliveryStatus::Succeeded {
        return Ok(Attempt::Gone);
    }
    let (Some(hook), Some(event)) =
        (store.webhook_by_id(delivery.webhook_id).await?, store.event(delivery.event_id).await?)
    else {
        return Ok(Attempt::Gone);
    };
    let body = serde_json::to_vec(&serde_json::json!({
        "id": event.id,
        "type": event.kind,
        "created_at": event.created_at,
        "delivery_id": delivery.id,
        "data": event.payload,
    }))
    .unwrap_or_default();
    let t = Utc::now().timestamp();
    let started = Instant::now();
    let client = match url::Url::parse(&hook.url) {
        Ok(url) => crate::fetch::pinned_client(policy, &url).await.map_err(|f| f.message),
        Err(e) => Err(format!("the webhook URL does not parse: {e}")),
    };
    let response = match client {
        Ok(client) => Ok(client
            .post(&hook.url)
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .header("filmroom-signature", signature(&hook.secret, t, &body))
            .header("filmroom-event", event.kind.as_str())
            .header("filmroom-delivery", delivery.id.to_string())
            .body(body)
            .send()
            .await),
        Err(refused) => Err(refused),
    };
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status_code, error) = match response {
        Ok(Ok(r)) if r.status().is_success() => (Some(i32::from(r.status().as_u16())), None),
        Ok(Ok(r)) => (
            Some(i32::from(r.status().as_u16())),
            Some(format!("the endpoint answered {}", r.status())),
        ),
        Ok(Err(e)) if e.is_timeout() => {
            (None, Some(format!("no answer within {}s", TIMEOUT.as_secs())))
        }
        Ok(Err(e)) => (None, Some(format!("could not reach the endpoint: {}", e.without_url()))),
        Err(refused) => (None, Some(refused)),
    };
    delivery.attempts += 1;
    store
        .insert_attempt(webhook_attempt::Model {
            id: AttemptId::generate(),
            delivery_id: delivery.id,
            attempt: delivery.attempts,
            status_code,
            duration_ms,
            error: error.clone(),
            at: now(),
        })
        .await?;
    delivery.last_status_code = status_code;
    delivery.last_error = error.clone();
    delivery.status = match (&error, final_try) {
        (None, _) => DeliveryStatus::Succeeded,
        (Some(_), true) => DeliveryStatus::Failed,
        (Some(_), false) => DeliveryStatus::Pending,
    };
    delivery.updated_at = now();
    store.update_delivery(delivery).await?;
    Ok(match error {
        None => Attempt::Delivered,
        Some(e) => Attempt::Failed(e),
    })
}
