//! Extractors that turn a request into typed input or a problem: JSON bodies
//! with a size limit and field-level errors, and the authenticated caller.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    http::header,
    web::{self, Bytes, BytesMut},
};
use filmroom_review::{Actor, Review, integrations::IntegrationCaller};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::{ApiConfig, error::ApiError};

/// A JSON body of type `T`: `Content-Type: application/json`, at most
/// [`ApiConfig::max_json_bytes`], unknown fields and wrong types reported with
/// the field's path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        Box::pin(Self::from_payload(req, payload.take()))
    }
}

impl<T: DeserializeOwned + 'static> ApiJson<T> {
    /// Reads and parses a JSON body from a payload taken out of the request.
    pub fn from_payload(
        req: &HttpRequest,
        mut payload: Payload,
    ) -> impl Future<Output = Result<Self, ApiError>> + 'static {
        let limit = req
            .app_data::<web::Data<ApiConfig>>()
            .map_or(ApiConfig::default().max_json_bytes, |c| c.max_json_bytes);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        async move {
            check_json_content_type(content_type.as_deref())?;
            if declared_length.is_some_and(|len| len > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            let body = read_limited(&mut payload, limit).await?;
            parse_json(&body).map(ApiJson)
        }
    }
}

/// Reads a whole body of at most `limit` bytes.
pub async fn read_limited(
    payload: &mut (
             impl futures_util::Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin
         ),
    limit: usize,
) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BodyInterrupted(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether the request body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The `audio` part of a multipart upload, streaming; the multipart body it
/// comes from is kept alongside because the part reads through it.
pub struct AudioPart {
    /// The part.
    pub field: actix_multipart::Field,
    _multipart: actix_multipart::Multipart,
}

/// Reads a multipart upload made of a JSON `metadata` part (at most `limit`
/// bytes) followed, optionally, by an `audio` part left unread for streaming.
pub async fn metadata_then_audio<M: DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<(M, Option<AudioPart>), ApiError> {
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let malformed =
        |e: actix_multipart::MultipartError| ApiError::MalformedMultipart(e.to_string());
    let unexpected = |name: Option<&str>| {
        ApiError::MalformedMultipart(format!(
            "unexpected part `{}`; send `metadata` (JSON) then `audio`",
            name.unwrap_or("")
        ))
    };
    let metadata = match multipart.next().await {
        None => {
            return Err(ApiError::MalformedMultipart("the upload has no `metadata` part".into()));
        }
        Some(field) => {
            let mut field = field.map_err(malformed)?;
            match field.name() {
                Some("metadata") => parse_json(&read_part(&mut field, limit).await?)?,
                Some("audio") => {
                    return Err(ApiError::MalformedMultipart(
                        "send the `metadata` part before the `audio` part".into(),
                    ));
                }
                other => return Err(unexpected(other)),
            }
        }
    };
    match multipart.next().await {
        None => Ok((metadata, None)),
        Some(field) => {
            let field = field.map_err(malformed)?;
            if field.name() == Some("audio") {
                Ok((metadata, Some(AudioPart { field, _multipart: multipart })))
            } else {
                Err(unexpected(field.name()))
            }
        }
    }
}

/// Reads one multipart part whole, at most `limit` bytes (the JSON `metadata` part).
pub async fn read_part(
    field: &mut actix_multipart::Field,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let mut bytes = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| ApiError::MalformedMultipart(e.to_string()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes.freeze())
}

fn check_json_content_type(content_type: Option<&str>) -> Result<(), ApiError> {
    let Some(content_type) = content_type else {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ));
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!(
            "this endpoint takes `application/json`, not `{essence}`"
        )))
    }
}

/// Parses a JSON body, naming the field at fault in every error.
pub fn parse_json<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::MalformedJson("the body is empty; send a JSON object".into()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        classify_json_error(path, inner)
    })?;
    deserializer.end().map_err(|e| {
        ApiError::MalformedJson(format!("unexpected data after the JSON value: {e}"))
    })?;
    // Both databases must store what one accepts: PostgreSQL refuses NUL in
    // text, so no control character gets past the edge (tab, line feed and
    // carriage return excepted).
    if let Ok(tree) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some((field, found)) = control_character(&tree, String::new())
    {
        return Err(ApiError::InvalidBody {
            message: format!(
                "{field}: contains the control character U+{:04X}; send text without control characters",
                u32::from(found)
            ),
            field: Some(field),
        });
    }
    Ok(value)
}

/// Whether a character may not be stored: a control character other than
/// tab, line feed and carriage return.
pub(crate) fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The path (as serde_path_to_error writes it) of the first string or key in
/// `value` holding a forbidden character, and that character.
fn control_character(value: &serde_json::Value, path: String) -> Option<(String, char)> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.chars().find(|c| is_forbidden(*c)).map(|c| (path, c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| control_character(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            match key.chars().find(|c| is_forbidden(*c)) {
                Some(c) => Some((here, c)),
                None => control_character(item, here),
            }
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

fn classify_json_error(path: String, error: serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::MalformedJson(error.to_string())
        }
        Category::Data => {
            let message = error.to_string();
            if let Some(rest) = message.strip_prefix("unknown field `") {
                let (name, hint) = rest.split_once('`').unwrap_or((rest, ""));
                let hint = hint.split(" at line").next().unwrap_or_default().to_owned();
                let field = if path == "." || path.is_empty() {
                    name.to_owned()
                } else {
                    // serde_path_to_error points at the unknown key itself.
                    path
                };
                ApiError::UnknownField { field, hint }
            } else {
                let message = message.split(" at line").next().unwrap_or(&message).to_owned();
                let field = (path != "." && !path.is_empty()).then_some(path);
                let message = match &field {
                    Some(field) => format!("{field}: {message}"),
                    None => message,
                };
                ApiError::InvalidBody { field, message }
            }
        }
    }
}

/// The secret of `Authorization: Bearer <secret>`: `None` without the header,
/// an empty string for any other scheme.
pub(crate) fn bearer_secret(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some(String::new());
    };
    Some(match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim().to_owned(),
        _ => String::new(),
    })
}

fn review_of(req: &HttpRequest) -> Result<web::Data<Review>, ApiError> {
    req.app_data::<web::Data<Review>>()
        .cloned()
        .ok_or_else(|| ApiError::NotReady("the review service is not configured".into()))
}

/// The caller, authenticated by `Authorization: Bearer <token>` or, from a
/// browser, by the session cookie; a state change with the cookie must also
/// carry the session's CSRF token (`X-CSRF-Token`) and come from this origin.
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let review = review_of(req);
        let secret = bearer_secret(req);
        let cookie = if secret.is_none() { crate::session::session_secret(req) } else { None };
        let Some(cookie) = cookie else {
            return Box::pin(async move {
                Ok(Authenticated(review?.directory().authenticate(secret.as_deref()).await?))
            });
        };
        let change = (!crate::session::is_safe(req.method())).then(|| {
            let origin = crate::session::check_origin(req, &crate::session::site(req));
            let token = req
                .headers()
                .get(crate::session::CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (origin, token)
        });
        Box::pin(async move {
            let session = review?.accounts().authenticate_session(Some(&cookie), true).await?;
            if let Some((origin, token)) = change {
                origin?;
                crate::session::check_token(&session.csrf_token, token.as_deref())?;
            }
            Ok(Authenticated(session.actor))
        })
    }
}

/// A dialer, authenticated by its integration token.
pub struct IntegrationAuthenticated(pub IntegrationCaller);

impl FromRequest for IntegrationAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let review = review_of(req);
        let secret = bearer_secret(req);
        Box::pin(async move {
            Ok(IntegrationAuthenticated(
                review?.integrations().authenticate_integration(secret.as_deref()).await?,
            ))
        })
    }
}

/// Refuses a query string whose decoded parameters hold a control character,
/// naming the parameter, before any handler sees it.
pub async fn query_guard(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let refused = url::form_urlencoded::parse(req.query_string().as_bytes()).find_map(|(k, v)| {
        k.chars().chain(v.chars()).find(|c| is_forbidden(*c)).map(|c| (k.into_owned(), c))
    });
    if let Some((name, found)) = refused {
        return Err(ApiError::InvalidQuery(format!(
            "query parameter `{name}` contains the control character U+{:04X}; send text without control characters",
            u32::from(found)
        ))
        .into());
    }
    next.call(req).await
}

/// The version named by an optional `If-Match` header (an `ETag` this API
/// sent, such as `"3"`): `None` without the header or with `*`, so clients
/// that never send it keep saving as before. actix's typed header does the
/// parsing; a tag that is not one of ours is refused rather than ignored.
pub struct IfMatch(pub Option<i32>);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(if_match(req).map(IfMatch))
    }
}

fn if_match(req: &HttpRequest) -> Result<Option<i32>, ApiError> {
    use actix_web::http::header::Header;
    if !req.headers().contains_key(header::IF_MATCH) {
        return Ok(None);
    }
    let refused = || ApiError::InvalidBody {
        field: Some("If-Match".into()),
        message: "If-Match: send one ETag this API returned, such as \"3\", or leave it out".into(),
    };
    match header::IfMatch::parse(req).map_err(|_| refused())? {
        header::IfMatch::Any => Ok(None),
        header::IfMatch::Items(tags) => match tags.as_slice() {
            [tag] => tag.tag().parse().map(Some).map_err(|_| refused()),
            _ => Err(refused()),
        },
    }
}

/// The `ETag` of a thing with a version, as [`IfMatch`] reads it back.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}
