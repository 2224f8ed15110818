//! Middleware for `Idempotency-Key` on every POST.
//!
//! The first request with a key runs while its body is hashed on the way
//! through (uploads are not buffered); once it has answered, its response is
//! kept with the hash of method, path, query and body. A request with the same
//! key and the same hash gets that response again (with
//! `Idempotent-Replayed: true`); a different request with the key gets 422.
//! Keys are scoped to the credential in `Authorization`. A multipart body is
//! hashed without its boundary, which HTTP clients pick anew for every send.
//!
//! A response that carries a secret shown this once (a new token, a webhook's
//! signing secret, a sign-in link) is kept without it: a replay has the same
//! ids with the secret `null` and `secret_already_shown: true`, so a client
//! that lost the first answer learns what was made (and can revoke it)
//! without the secret ever being written down.

use std::{
    cell::RefCell,
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    Error, HttpMessage, HttpResponse, ResponseError,
    body::{BodySize, BoxBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header},
    middleware::Next,
    web::{self, Bytes},
};
use filmroom_review::{
    Review,
    idempotency::{IdempotentRequest, StoredResponse},
};
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};

use crate::{ApiConfig, error::ApiError};

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Set on a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// Stands in for the multipart boundary in the request hash.
const BOUNDARY_MARKER: &[u8] = b"\0--boundary--\0";

/// What is left of a body after a successful handler is read up to this much
/// to complete the request hash (a multipart epilogue, a body it ignored).
const MAX_UNREAD_REST: u64 = 1024 * 1024;

/// Responses larger than this are not kept (POST responses are small JSON).
const MAX_KEPT_BODY: u64 = 1024 * 1024;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Feeds a body into a hash, leaving out every occurrence of the multipart
/// boundary (also across chunk edges).
struct BodyDigest {
    hasher: Sha256,
    boundary: Option<memchr::memmem::Finder<'static>>,
    carry: Vec<u8>,
}

impl BodyDigest {
    fn new(hasher: Sha256, boundary: Option<String>) -> Self {
        let boundary = boundary
            .filter(|b| !b.is_empty())
            .map(|b| memchr::memmem::Finder::new(b.as_bytes()).into_owned());
        Self { hasher, boundary, carry: Vec::new() }
    }

    fn update(&mut self, chunk: &[u8]) {
        let Some(finder) = &self.boundary else {
            self.hasher.update(chunk);
            return;
        };
        let needle = finder.needle().len();
        self.carry.extend_from_slice(chunk);
        let mut rest: &[u8] = &self.carry;
        while let Some(at) = finder.find(rest) {
            let (before, from_boundary) = rest.split_at(at);
            self.hasher.update(before);
            // A fixed marker where the boundary was, so that removing it
            // cannot join two different bodies into one.
            self.hasher.update(BOUNDARY_MARKER);
            rest = from_boundary.get(needle..).unwrap_or_default();
        }
        // Keep what could be the start of a boundary cut by the chunk edge.
        let (done, kept) = rest.split_at(rest.len().saturating_sub(needle.saturating_sub(1)));
        self.hasher.update(done);
        self.carry = kept.to_vec();
    }

    fn finish(mut self) -> String {
        let rest = std::mem::take(&mut self.carry);
        self.hasher.update(&rest);
        hex(&self.hasher.finalize())
    }
}

/// A request body on its way to the handler, hashed as it passes. The
/// middleware keeps a handle so it can read what the handler left unread.
struct BodyHash {
    inner: Payload,
    digest: Option<BodyDigest>,
    complete: bool,
}

struct HashingStream {
    hash: Rc<RefCell<BodyHash>>,
}

impl Stream for HashingStream {
    type Item = Result<Bytes, actix_web::error::PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Ok(mut hash) = self.hash.try_borrow_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(&mut hash.inner).poll_next(cx);
        match &polled {
            Poll::Ready(Some(Ok(chunk))) => {
                if let Some(digest) = hash.digest.as_mut() {
                    digest.update(chunk);
                }
            }
            Poll::Ready(None) => hash.complete = true,
            _ => {}
        }
        polled
    }
}

/// The request hash once the whole body went through: what the handler did
/// not read is read here, up to `MAX_UNREAD_REST` bytes.
async fn finish_hash(hash: &Rc<RefCell<BodyHash>>) -> Option<String> {
    let (mut rest, mut digest) = {
        let mut state = hash.try_borrow_mut().ok()?;
        let digest = state.digest.take()?;
        if state.complete {
            return Some(digest.finish());
        }
        (std::mem::replace(&mut state.inner, Payload::None), digest)
    };
    let mut read = 0u64;
    while let Some(chunk) = rest.next().await {
        let chunk = chunk.ok()?;
        read += chunk.len() as u64;
        if read > MAX_UNREAD_REST {
            return None;
        }
        digest.update(&chunk);
    }
    Some(digest.finish())
}

/// The multipart boundary of the request, if it has one.
fn boundary(req: &ServiceRequest) -> Option<String> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime: mime::Mime = content_type.parse().ok()?;
    (mime.type_() == mime::MULTIPART)
        .then(|| mime.get_param(mime::BOUNDARY).map(|b| b.to_string()))?
}

fn request_prefix(req: &ServiceRequest) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.path().as_bytes());
    hasher.update(b"?");
    hasher.update(req.query_string().as_bytes());
    hasher.update(b"\n");
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    hasher.update(essence.as_bytes());
    hasher.update(b"\n");
    hasher
}

fn check_key(raw: &header::HeaderValue) -> Result<String, ApiError> {
    let key = raw.to_str().map_err(|_| {
        ApiError::InvalidIdempotencyKey("Idempotency-Key must be visible ASCII".into())
    })?;
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ApiError::InvalidIdempotencyKey(
            "Idempotency-Key must be 1-255 visible ASCII characters, such as a UUID".into(),
        ));
    }
    Ok(key.to_owned())
}

fn scope(req: &ServiceRequest) -> String {
    let credential = req.headers().get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or(b"");
    hex(&Sha256::digest(credential))
}

fn fail(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let response = error.error_response();
    req.into_response(response)
}

/// Reads the rest of a body into `digest`, up to `limit` bytes.
async fn hash_rest(
    mut payload: Payload,
    mut digest: BodyDigest,
    limit: u64,
) -> Result<String, ApiError> {
    let mut seen = 0u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BodyInterrupted(e.to_string()))?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Err(ApiError::PayloadTooLarge {
                limit: usize::try_from(limit).unwrap_or(usize::MAX),
            });
        }
        digest.update(&chunk);
    }
    Ok(digest.finish())
}

/// Which fields of a response body are secrets shown this once.
#[derive(Debug, Clone, Copy)]
struct ShownOnce(&'static [&'static str]);

/// The field a body shown once carries: `false` in the first response,
/// `true` in a replay whose secrets were withheld.
pub const SECRET_ALREADY_SHOWN: &str = "secret_already_shown";

/// Marks a response whose JSON body carries secrets in `fields`: it is sent
/// with `Cache-Control: no-store`, and an `Idempotency-Key` replay gets the
/// body with those fields `null` and [`SECRET_ALREADY_SHOWN`] `true`.
pub fn shown_once(mut response: HttpResponse, fields: &'static [&'static str]) -> HttpResponse {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response.extensions_mut().insert(ShownOnce(fields));
    response
}

/// The body to keep for replay: `body` without its secrets, or `None` when
/// it is not the JSON object the handler promised.
fn withhold_secrets(body: &[u8], fields: &[&str]) -> Option<Vec<u8>> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object_mut()?;
    for field in fields {
        *object.get_mut(*field)? = serde_json::Value::Null;
    }
    object.insert(SECRET_ALREADY_SHOWN.to_owned(), serde_json::Value::Bool(true));
    serde_json::to_vec(&value).ok()
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in stored.headers {
        response.insert_header((name, value));
    }
    response.insert_header((REPLAYED, "true"));
    response.body(stored.body)
}

/// Middleware: honours `Idempotency-Key` on POST requests.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw_key) = req.headers().get(IDEMPOTENCY_KEY).cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Keys are remembered per bearer token; a browser session's requests
    // (which never send one) run as if there were none.
    if req.method() != Method::POST || crate::extract::bearer_secret(req.request()).is_none() {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let key = match check_key(&raw_key) {
        Ok(key) => key,
        Err(e) => return Ok(fail(req, e)),
    };
    let Some(review) = req.app_data::<web::Data<Review>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let limit = req
        .app_data::<web::Data<ApiConfig>>()
        .map_or(ApiConfig::default().max_upload_bytes, |c| c.max_upload_bytes);
    let scope = scope(&req);
    let digest = BodyDigest::new(request_prefix(&req), boundary(&req));

    let claim = match review.idempotency().begin_idempotent(&scope, &key).await {
        Ok(claim) => claim,
        Err(e) => return Ok(fail(req, e.into())),
    };
    let id = match claim {
        IdempotentRequest::InProgress => return Ok(fail(req, ApiError::IdempotencyKeyInUse)),
        IdempotentRequest::Answered { request_hash, response } => {
            // A revoked token or a deactivated user gets no replay; the
            // request runs and is refused as it would be without a key.
            let secret = crate::extract::bearer_secret(req.request());
            match review.idempotency().credential_is_active(secret.as_deref()).await {
                Ok(true) => {}
                Ok(false) => return Ok(next.call(req).await?.map_into_boxed_body()),
                Err(e) => return Ok(fail(req, e.into())),
            }
            let payload = req.take_payload();
            return Ok(match hash_rest(payload, digest, limit).await {
                Ok(hash) if hash == request_hash => req.into_response(replay(response)),
                Ok(_) => fail(req, ApiError::IdempotencyKeyReused),
                Err(e) => fail(req, e),
            });
        }
        IdempotentRequest::Run(id) => id,
    };

    let inner = req.take_payload();
    let hash = Rc::new(RefCell::new(BodyHash { inner, digest: Some(digest), complete: false }));
    let stream = HashingStream { hash: Rc::clone(&hash) };
    req.set_payload(Payload::Stream { payload: Box::pin(stream) });

    let response = match next.call(req).await {
        Ok(response) => response,
        Err(e) => {
            let _ = review.idempotency().abandon_idempotent(id).await;
            return Err(e);
        }
    };
    // Server errors may pass on a retry, a refused credential changed
    // nothing, and a secret is never written down: a response marked
    // `no-store` is kept only when its handler said which fields to withhold.
    let status = response.status();
    let no_store = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let shown_once = response.response().extensions().get::<ShownOnce>().copied();
    let keepable = !status.is_server_error()
        && status != StatusCode::UNAUTHORIZED
        && (!no_store || (shown_once.is_some() && status.is_success()))
        && matches!(response.response().body().size(), BodySize::Sized(n) if n <= MAX_KEPT_BODY);
    let complete_hash = if keepable { finish_hash(&hash).await } else { None };
    let Some(request_hash) = complete_hash else {
        if let Err(e) = review.idempotency().abandon_idempotent(id).await {
            tracing::warn!(error = ?e, "releasing an idempotency key failed");
        }
        return Ok(response.map_into_boxed_body());
    };

    let (request, response) = response.into_parts();
    let headers: Vec<(String, String)> = [header::CONTENT_TYPE, header::LOCATION]
        .iter()
        .filter_map(|name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| (name.to_string(), v.to_owned()))
        })
        .collect();
    let (response, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let _ = review.idempotency().abandon_idempotent(id).await;
            let error =
                ApiError::BodyInterrupted("the response could not be kept for replay".into());
            return Ok(ServiceResponse::new(request, error.error_response()));
        }
    };
    let kept = match shown_once {
        Some(ShownOnce(fields)) => withhold_secrets(&bytes, fields),
        None => Some(bytes.to_vec()),
    };
    let Some(kept) = kept else {
        tracing::warn!("a response shown once was not the JSON object its handler promised");
        let _ = review.idempotency().abandon_idempotent(id).await;
        return Ok(ServiceResponse::new(request, response.set_body(BoxBody::new(bytes))));
    };
    let stored = StoredResponse { status: status.as_u16(), headers, body: kept };
    if let Err(e) = review.idempotency().finish_idempotent(id, &request_hash, stored).await {
        tracing::warn!(error = ?e, "keeping a response for Idempotency-Key replay failed");
        let _ = review.idempotency().abandon_idempotent(id).await;
    }
    let response = response.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn a_key_is_accepted_exactly_when_it_is_1_to_255_visible_ascii(
            raw in proptest::collection::vec(0u8..=255, 0..300),
        ) {
            let Ok(value) = header::HeaderValue::from_bytes(&raw) else { return Ok(()) };
            let trimmed = String::from_utf8_lossy(&raw).trim().to_owned();
            let visible = !trimmed.is_empty()
                && trimmed.len() <= 255
                && trimmed.bytes().all(|b| (0x21..=0x7e).contains(&b));
            proptest::prop_assert_eq!(check_key(&value).is_ok(), visible && raw.is_ascii());
        }
    }

    fn digest(chunks: &[&[u8]], boundary: Option<&str>) -> String {
        let mut digest = BodyDigest::new(Sha256::new(), boundary.map(str::to_owned));
        for chunk in chunks {
            digest.update(chunk);
        }
        digest.finish()
    }

    #[test]
    fn a_replay_keeps_the_ids_and_withholds_the_secret() {
        let body = br#"{"token": {"id": "t1"}, "secret": "fr_abc", "secret_already_shown": false}"#;
        let kept: serde_json::Value =
            serde_json::from_slice(&withhold_secrets(body, &["secret"]).unwrap()).unwrap();
        assert_eq!(
            kept,
            serde_json::json!({"token": {"id": "t1"}, "secret": null, "secret_already_shown": true})
        );
        assert!(!String::from_utf8_lossy(&serde_json::to_vec(&kept).unwrap()).contains("fr_abc"));
        assert_eq!(withhold_secrets(br#"{"token": {}}"#, &["secret"]), None, "a missing field");
        assert_eq!(withhold_secrets(b"[1]", &["secret"]), None, "not an object");
    }

    #[test]
    fn boundaries_are_left_out_wherever_chunks_split_them() {
        let a = digest(&[b"--AAAA\r\nhello\r\n--AAAA--"], Some("AAAA"));
        let b = digest(&[b"--BB", b"BB\r\nhel", b"lo\r\n--B", b"BBB--"], Some("BBBB"));
        assert_eq!(a, b);
        let changed = digest(&[b"--BBBB\r\nhellO\r\n--BBBB--"], Some("BBBB"));
        assert_ne!(a, changed);
        assert_eq!(digest(&[b"ab", b"c"], None), digest(&[b"abc"], None));
    }
}
