//! Webhook deliveries: outbox events become one delivery per subscribed
//! endpoint, each POSTed with an HMAC-SHA256 signature and retried with
//! backoff for about a day through the job queue.

use std::time::{Duration, Instant};

use chrono::Utc;
use filmroom_review::{Review, ReviewError, ids::DeliveryId, webhooks::AttemptResult};
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

/// The outcome of one attempt.
pub enum Attempt {
    /// The endpoint answered 2xx.
    Delivered,
    /// Nothing to do any more (deleted webhook or delivery, or already delivered).
    Gone,
    /// Try again later.
    Failed(String),
}

/// POSTs one delivery once; the review domain logs the attempt and moves the
/// delivery.
pub async fn attempt(
    review: &Review,
    policy: &crate::FetchPolicy,
    delivery_id: DeliveryId,
    final_try: bool,
) -> Result<Attempt, ReviewError> {
    let Some(outgoing) = review.webhooks().outgoing_delivery(delivery_id).await? else {
        return Ok(Attempt::Gone);
    };
    let t = Utc::now().timestamp();
    let started = Instant::now();
    let client = match url::Url::parse(&outgoing.url) {
        Ok(url) => crate::fetch::pinned_client(policy, &url).await.map_err(|f| f.message),
        Err(e) => Err(format!("the webhook URL does not parse: {e}")),
    };
    let response = match client {
        Ok(client) => Ok(client
            .post(&outgoing.url)
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .header("filmroom-signature", signature(&outgoing.secret, t, &outgoing.body))
            .header("filmroom-event", outgoing.event_kind.as_str())
            .header("filmroom-delivery", outgoing.delivery_id.to_string())
            .body(outgoing.body)
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
    let result = AttemptResult { status_code, duration_ms, error: error.clone() };
    review.webhooks().record_delivery_attempt(delivery_id, result, final_try).await?;
    Ok(match error {
        None => Attempt::Delivered,
        Some(e) => Attempt::Failed(e),
    })
}
