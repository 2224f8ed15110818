//! A request id for every request: taken from a sane incoming `X-Request-Id`
//! or generated, put on the tracing span, echoed in the response header and
//! in every problem body.

use std::time::Instant;

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};
use tracing::Instrument;
use uuid::Uuid;

/// The header carrying the request id both ways.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID_HEADER)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 128
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    sane.then(|| value.to_owned())
}

/// The path as logged: a one-time sign-in link's secret, or an unsubscribe
/// link's, is in its path, and whoever reads the logs must not be able to
/// use it.
fn logged_path(path: &str) -> &str {
    if path.starts_with("/welcome/") {
        "/welcome/…"
    } else if path.starts_with("/unsubscribe/") {
        "/unsubscribe/…"
    } else {
        path
    }
}

/// Middleware: assigns the id, logs one line per request with its outcome.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| Uuid::now_v7().to_string());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %logged_path(req.path()),
    );
    let started = Instant::now();
    let result = REQUEST_ID.scope(id.clone(), next.call(req)).instrument(span.clone()).await;
    let mut response = result?;
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "request handled"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
