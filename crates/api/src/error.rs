//! Every error the API returns, mapped in one table to an HTTP status and a
//! stable code, and rendered as RFC 9457 problem details.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use filmroom_review::{AuthFailure, ReviewError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem: what went wrong, with a stable machine `code` and a
/// `detail` that says what to fix.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:filmroom:problem:email_taken",
    "title": "Conflict",
    "status": 409,
    "code": "email_taken",
    "detail": "email ada@example.com is already used in this organisation",
    "request_id": "0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e"
}))]
pub struct Problem {
    /// `urn:filmroom:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Stable snake_case code for programs to branch on.
    pub code: String,
    /// What went wrong and what to change.
    pub detail: String,
    /// The id of the request, also sent as `X-Request-Id`; quote it in bug reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a refused review move: the state the review is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The review domain refused or failed.
    #[error(transparent)]
    Review(#[from] ReviewError),
    /// The body is not valid JSON.
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON but a field has the wrong type or is missing.
    #[error("{message}")]
    InvalidBody {
        /// Path of the field, when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The body names a field the endpoint does not take.
    #[error("unknown field `{field}`{hint}")]
    UnknownField {
        /// Path of the field.
        field: String,
        /// The accepted fields.
        hint: String,
    },
    /// The body is larger than allowed.
    #[error("the body is larger than the {limit} bytes this endpoint accepts")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body's content type is not one this endpoint takes.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A query parameter is malformed.
    #[error("{0}")]
    InvalidQuery(String),
    /// A path segment is malformed (an id that is not a UUID).
    #[error("{0}")]
    InvalidPath(String),
    /// A pagination cursor was not produced by this API.
    #[error("the cursor is not one this API returned; start again without `cursor`")]
    InvalidCursor,
    /// No route has this path.
    #[error("no endpoint at {method} {path}; see /openapi.json for the API")]
    RouteNotFound {
        /// Method used.
        method: String,
        /// Path asked for.
        path: String,
    },
    /// The path exists, the method does not.
    #[error("{path} does not accept {method}; it accepts {allowed}")]
    MethodNotAllowed {
        /// Method used.
        method: String,
        /// Path asked for.
        path: String,
        /// Methods the path accepts, comma separated.
        allowed: String,
    },
    /// The request body stopped before its end (the client went away or sent garbage).
    #[error("the request body could not be read to its end: {0}")]
    BodyInterrupted(String),
    /// A multipart body is malformed or in the wrong order.
    #[error("the multipart body is not usable: {0}")]
    MalformedMultipart(String),
    /// The Range asks for bytes beyond the end.
    #[error("the range is outside the {size} bytes of the recording")]
    RangeNotSatisfiable {
        /// The recording's size.
        size: u64,
    },
    /// A dependency needed to serve requests is down.
    #[error("not ready: {0}")]
    NotReady(String),
    /// The `Idempotency-Key` header is not usable.
    #[error("{0}")]
    InvalidIdempotencyKey(String),
    /// The key was used before with a different request.
    #[error(
        "this Idempotency-Key was used before with a different request; use a new key for a new request"
    )]
    IdempotencyKeyReused,
    /// The first request with the key has not answered yet.
    #[error(
        "a request with this Idempotency-Key is still being processed; retry once it has answered"
    )]
    IdempotencyKeyInUse,
}

impl ApiError {
    /// The one table from error to (status, code, field).
    fn classify(&self) -> (StatusCode, &'static str, Option<String>) {
        use ReviewError as R;
        match self {
            Self::Review(review) => match review {
                R::Unauthenticated(AuthFailure::Missing) => {
                    (StatusCode::UNAUTHORIZED, "missing_token", None)
                }
                R::Unauthenticated(AuthFailure::Invalid) => {
                    (StatusCode::UNAUTHORIZED, "invalid_token", None)
                }
                R::Unauthenticated(AuthFailure::Revoked) => {
                    (StatusCode::UNAUTHORIZED, "token_revoked", None)
                }
                R::Unauthenticated(AuthFailure::UserDeactivated) => {
                    (StatusCode::UNAUTHORIZED, "user_deactivated", None)
                }
                R::NotFound { what, .. } => (StatusCode::NOT_FOUND, not_found_code(what), None),
                R::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
                R::InvalidField { field, .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some(field.clone()))
                }
                R::EmailTaken(_) => (StatusCode::CONFLICT, "email_taken", Some("email".into())),
                R::ExternalIdTaken { .. } => {
                    (StatusCode::CONFLICT, "external_id_taken", Some("external_ids".into()))
                }
                R::ManagementCycle { .. } => {
                    (StatusCode::CONFLICT, "management_cycle", Some("manager_id".into()))
                }
                R::LastAdmin => (StatusCode::CONFLICT, "last_admin", None),
                R::HasReports(_) => (StatusCode::CONFLICT, "has_reports", Some("role".into())),
                R::OrganisationExists(_) => (StatusCode::CONFLICT, "organisation_exists", None),
                R::AudioAlreadyStored { .. } => {
                    (StatusCode::CONFLICT, "audio_already_stored", None)
                }
                R::NotReady { .. } => (StatusCode::CONFLICT, "not_ready_yet", None),
                R::AudioTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "audio_too_large", None),
                R::NotAudio(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media", None),
                R::CallInOtherSlot { .. } => {
                    (StatusCode::CONFLICT, "call_in_other_slot", Some("call_id".into()))
                }
                R::NominationLocked { .. } => (StatusCode::CONFLICT, "nomination_locked", None),
                R::IllegalMove { .. } => {
                    (StatusCode::CONFLICT, "illegal_transition", Some("state".into()))
                }
                R::NoRubric => (StatusCode::CONFLICT, "no_rubric", None),
                R::SeriesExists { .. } => (StatusCode::CONFLICT, "series_exists", None),
                R::OneOnOneHeld => (StatusCode::CONFLICT, "one_on_one_held", None),
                R::ClipBudgetExceeded { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "clip_budget_exceeded", None)
                }
                R::ActionItemsIncomplete(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "action_items_incomplete", None)
                }
                R::FocusActive { .. } => (StatusCode::CONFLICT, "focus_active", None),
                R::OffsetOutOfRange { field, .. } => {
                    (StatusCode::BAD_REQUEST, "offset_out_of_range", Some((*field).to_owned()))
                }
                R::IntegrationTokenNotAllowed => {
                    (StatusCode::FORBIDDEN, "integration_token_not_allowed", None)
                }
                R::IntegrationTokenRequired => {
                    (StatusCode::FORBIDDEN, "integration_token_required", None)
                }
                R::UnknownRep { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "unknown_rep", Some("rep".into()))
                }
                R::InvalidSignature(_) => (StatusCode::FORBIDDEN, "invalid_signature", None),
                R::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", None),
            },
            Self::MalformedJson(_) => (StatusCode::BAD_REQUEST, "malformed_json", None),
            Self::InvalidBody { field, .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", field.clone())
            }
            Self::UnknownField { field, .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "unknown_field", Some(field.clone()))
            }
            Self::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None)
            }
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None)
            }
            Self::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid_query", None),
            Self::InvalidPath(_) => (StatusCode::BAD_REQUEST, "invalid_path", None),
            Self::InvalidCursor => {
                (StatusCode::BAD_REQUEST, "invalid_cursor", Some("cursor".into()))
            }
            Self::RouteNotFound { .. } => (StatusCode::NOT_FOUND, "route_not_found", None),
            Self::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None)
            }
            Self::NotReady(_) => (StatusCode::SERVICE_UNAVAILABLE, "not_ready", None),
            Self::BodyInterrupted(_) => (StatusCode::BAD_REQUEST, "body_interrupted", None),
            Self::MalformedMultipart(_) => (StatusCode::BAD_REQUEST, "malformed_multipart", None),
            Self::RangeNotSatisfiable { .. } => {
                (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", None)
            }
            Self::InvalidIdempotencyKey(_) => {
                (StatusCode::BAD_REQUEST, "invalid_idempotency_key", Some("Idempotency-Key".into()))
            }
            Self::IdempotencyKeyReused => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                Some("Idempotency-Key".into()),
            ),
            Self::IdempotencyKeyInUse => {
                (StatusCode::CONFLICT, "idempotency_key_in_use", Some("Idempotency-Key".into()))
            }
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::Review(ReviewError::Unauthenticated(failure)) => match failure {
                AuthFailure::Missing => {
                    "send an API token as `Authorization: Bearer <token>`".to_owned()
                }
                AuthFailure::Invalid => {
                    "the bearer token is not one this server issued; check it was copied whole"
                        .to_owned()
                }
                AuthFailure::Revoked => {
                    "this token was revoked; ask an admin for a new one".to_owned()
                }
                AuthFailure::UserDeactivated => {
                    "the user this token belongs to has been deactivated".to_owned()
                }
            },
            Self::Review(ReviewError::NotFound { what, id }) => {
                format!("no {what} {id} that you can see")
            }
            Self::Review(ReviewError::HasReports(count)) => format!(
                "{count} people report to this user; move them to another manager before making this user a rep"
            ),
            Self::Review(ReviewError::LastAdmin) => {
                "this is the organisation's last active admin; make someone else an admin first"
                    .to_owned()
            }
            Self::Review(ReviewError::IntegrationTokenNotAllowed) => {
                "integration tokens may only push calls (POST /v1/integrations/calls) and read the calls they pushed (GET /v1/integrations/calls); use a user's token for this endpoint".to_owned()
            }
            Self::Review(ReviewError::IntegrationTokenRequired) => {
                "this endpoint takes an integration token, not a user's token; an admin creates one with POST /v1/integration-tokens".to_owned()
            }
            Self::Review(ReviewError::UnknownRep { source_name, external_id, email }) => {
                let named = match (external_id, email) {
                    (Some(id), Some(email)) => format!("{source_name} user `{id}` (email {email})"),
                    (Some(id), None) => format!("{source_name} user `{id}`"),
                    (None, Some(email)) => format!("email `{email}`"),
                    (None, None) => "the rep".to_owned(),
                };
                format!(
                    "no active user matches {named}; set `external_ids.{source_name}` on the rep with PATCH /v1/users/{{id}}, or send an email that belongs to a user"
                )
            }
            Self::Review(ReviewError::InvalidSignature(reason)) => reason.clone(),
            Self::Review(ReviewError::Store(_)) => {
                "the server failed to complete the request; it has been logged with the request id"
                    .to_owned()
            }
            other => other.to_string(),
        }
    }

    fn problem(&self) -> (StatusCode, Problem) {
        let (status, code, field) = self.classify();
        let problem = Problem {
            problem_type: format!("urn:filmroom:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.to_owned(),
            detail: self.detail(),
            request_id: request_id::current(),
            field,
            current_state: match self {
                Self::Review(ReviewError::IllegalMove { current, .. }) => {
                    Some((*current).to_owned())
                }
                _ => None,
            },
        };
        (status, problem)
    }
}

fn not_found_code(what: &str) -> &'static str {
    match what {
        "user" => "user_not_found",
        "token" => "token_not_found",
        "organisation" => "organisation_not_found",
        "call" => "call_not_found",
        "nomination" => "nomination_not_found",
        "comment" => "comment_not_found",
        "series" => "series_not_found",
        "one_on_one" => "one_on_one_not_found",
        "clip" => "clip_not_found",
        "action_item" => "action_item_not_found",
        "focus" => "focus_not_found",
        "webhook" => "webhook_not_found",
        "delivery" => "delivery_not_found",
        "integration_token" => "integration_token_not_found",
        _ => "not_found",
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.classify().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, problem) = self.problem();
        if status.is_server_error() {
            tracing::error!(error = %error_chain(self), code = %problem.code, "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Self::MethodNotAllowed { allowed, .. } = self {
            response.insert_header((header::ALLOW, allowed.as_str()));
        }
        if let Self::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        match serde_json::to_vec(&problem) {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}

/// The error and its sources, one after the other, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}
