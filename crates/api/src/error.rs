//! Every error the API returns, mapped in one table to an HTTP status and a
//! stable code, and rendered as RFC 9457 problem details.

use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use filmroom_review::{AuthFailure, Entity, ReviewError};
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
    /// For `edit_conflict`: what is stored now, beside the text you sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<ConflictBody>,
}

/// What someone saved after you read it: theirs as it stands, and the
/// version to send as `If-Match` to replace it with yours.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictBody {
    /// The version stored now: send `If-Match: "<version>"` to save yours over it.
    pub version: String,
    /// Their text as stored now.
    pub theirs: String,
    /// Who saved it: a name, or "you" when it was you elsewhere.
    pub changed_by: String,
    /// When they saved it.
    #[serde(serialize_with = "crate::routes::body::rfc3339")]
    pub changed_at: chrono::DateTime<chrono::Utc>,
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
    /// A state change made with a session cookie failed the CSRF checks.
    #[error("{0}")]
    CsrfRejected(String),
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

/// Declares every stable error code once, with its HTTP status. The title of
/// a problem is the status's phrase; the detail is the error's message.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = ($status:ident, $code:literal),)*) => {
        /// A stable, machine-readable error code. Each code has exactly one
        /// status; `README.md`'s error table is checked against this list.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The snake_case code clients branch on.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// The HTTP status that always goes with this code.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status,)*
                }
            }
        }
    };
}

error_codes! {
    /// The body is not JSON.
    MalformedJson = (BAD_REQUEST, "malformed_json"),
    /// A multipart body is malformed or in the wrong order.
    MalformedMultipart = (BAD_REQUEST, "malformed_multipart"),
    /// The body stopped before its end.
    BodyInterrupted = (BAD_REQUEST, "body_interrupted"),
    /// A query parameter is malformed.
    InvalidQuery = (BAD_REQUEST, "invalid_query"),
    /// A path segment is malformed.
    InvalidPath = (BAD_REQUEST, "invalid_path"),
    /// A cursor this API did not return.
    InvalidCursor = (BAD_REQUEST, "invalid_cursor"),
    /// A timestamp outside the call.
    OffsetOutOfRange = (BAD_REQUEST, "offset_out_of_range"),
    /// An unusable `Idempotency-Key`.
    InvalidIdempotencyKey = (BAD_REQUEST, "invalid_idempotency_key"),
    /// No bearer token.
    MissingToken = (UNAUTHORIZED, "missing_token"),
    /// A token this server did not issue.
    InvalidToken = (UNAUTHORIZED, "invalid_token"),
    /// A revoked token.
    TokenRevoked = (UNAUTHORIZED, "token_revoked"),
    /// The token's user is deactivated.
    UserDeactivated = (UNAUTHORIZED, "user_deactivated"),
    /// No session cookie, or one this server does not know.
    NoSession = (UNAUTHORIZED, "no_session"),
    /// The browser session ended (signed out, idle or too old).
    SessionExpired = (UNAUTHORIZED, "session_expired"),
    /// A wrong email or password.
    SignInFailed = (UNAUTHORIZED, "sign_in_failed"),
    /// The caller's role cannot do this.
    Forbidden = (FORBIDDEN, "forbidden"),
    /// A state change with a session cookie but without the session's CSRF
    /// token, or from another origin.
    CsrfRejected = (FORBIDDEN, "csrf_rejected"),
    /// An integration token on a user endpoint.
    IntegrationTokenNotAllowed = (FORBIDDEN, "integration_token_not_allowed"),
    /// A user's token on an integration endpoint.
    IntegrationTokenRequired = (FORBIDDEN, "integration_token_required"),
    /// A dialer callback's signature was refused.
    InvalidSignature = (FORBIDDEN, "invalid_signature"),
    /// No such user that the caller can see.
    UserNotFound = (NOT_FOUND, "user_not_found"),
    /// No such token.
    TokenNotFound = (NOT_FOUND, "token_not_found"),
    /// No such organisation.
    OrganisationNotFound = (NOT_FOUND, "organisation_not_found"),
    /// No such call.
    CallNotFound = (NOT_FOUND, "call_not_found"),
    /// No such comment.
    CommentNotFound = (NOT_FOUND, "comment_not_found"),
    /// No such nomination.
    NominationNotFound = (NOT_FOUND, "nomination_not_found"),
    /// No such 1:1.
    OneOnOneNotFound = (NOT_FOUND, "one_on_one_not_found"),
    /// No such 1:1 series.
    SeriesNotFound = (NOT_FOUND, "series_not_found"),
    /// No such clip.
    ClipNotFound = (NOT_FOUND, "clip_not_found"),
    /// No such action item.
    ActionItemNotFound = (NOT_FOUND, "action_item_not_found"),
    /// No such focus skill.
    FocusNotFound = (NOT_FOUND, "focus_not_found"),
    /// No such webhook.
    WebhookNotFound = (NOT_FOUND, "webhook_not_found"),
    /// No such webhook delivery.
    DeliveryNotFound = (NOT_FOUND, "delivery_not_found"),
    /// No such integration token.
    IntegrationTokenNotFound = (NOT_FOUND, "integration_token_not_found"),
    /// No such session of the caller's.
    SessionNotFound = (NOT_FOUND, "session_not_found"),
    /// No such email in the organisation's log.
    EmailNotFound = (NOT_FOUND, "email_not_found"),
    /// A sign-in link that was used, replaced or has expired.
    SignInLinkInvalid = (GONE, "sign_in_link_invalid"),
    /// An unsubscribe link this server did not make.
    UnsubscribeLinkInvalid = (NOT_FOUND, "unsubscribe_link_invalid"),
    /// No endpoint at this path.
    RouteNotFound = (NOT_FOUND, "route_not_found"),
    /// The path does not take this method.
    MethodNotAllowed = (METHOD_NOT_ALLOWED, "method_not_allowed"),
    /// The email belongs to someone else.
    EmailTaken = (CONFLICT, "email_taken"),
    /// The server has no SMTP server configured.
    EmailNotConfigured = (CONFLICT, "email_not_configured"),
    /// The person turned this kind of email off.
    EmailTurnedOff = (CONFLICT, "email_turned_off"),
    /// Only a failed email can be sent again.
    EmailNotFailed = (CONFLICT, "email_not_failed"),
    /// The external id belongs to someone else.
    ExternalIdTaken = (CONFLICT, "external_id_taken"),
    /// The call is in review and only an admin may delete it.
    CallInReview = (CONFLICT, "call_in_review"),
    /// Another rep's call has this external reference.
    ExternalRefTaken = (CONFLICT, "external_ref_taken"),
    /// The management tree would loop.
    ManagementCycle = (CONFLICT, "management_cycle"),
    /// The last active admin would go.
    LastAdmin = (CONFLICT, "last_admin"),
    /// People still report to this user.
    HasReports = (CONFLICT, "has_reports"),
    /// An organisation of this name exists.
    OrganisationExists = (CONFLICT, "organisation_exists"),
    /// The call has its audio already.
    AudioAlreadyStored = (CONFLICT, "audio_already_stored"),
    /// Not available in the call's state.
    NotReadyYet = (CONFLICT, "not_ready_yet"),
    /// A review cannot move this way now.
    IllegalTransition = (CONFLICT, "illegal_transition"),
    /// The nomination is locked.
    NominationLocked = (CONFLICT, "nomination_locked"),
    /// The call fills the week's other slot.
    CallInOtherSlot = (CONFLICT, "call_in_other_slot"),
    /// No rubric yet.
    NoRubric = (CONFLICT, "no_rubric"),
    /// The pair has a 1:1 series already.
    SeriesExists = (CONFLICT, "series_exists"),
    /// The 1:1 was held.
    OneOnOneHeld = (CONFLICT, "one_on_one_held"),
    /// The comment is a clip of this 1:1 already.
    ClipExists = (CONFLICT, "clip_exists"),
    /// Saved by someone else since the `If-Match` version was read.
    EditConflict = (CONFLICT, "edit_conflict"),
    /// The rep has an active focus.
    FocusActive = (CONFLICT, "focus_active"),
    /// A request with this key is still running.
    IdempotencyKeyInUse = (CONFLICT, "idempotency_key_in_use"),
    /// A JSON body over the limit.
    PayloadTooLarge = (PAYLOAD_TOO_LARGE, "payload_too_large"),
    /// A recording over the limit.
    AudioTooLarge = (PAYLOAD_TOO_LARGE, "audio_too_large"),
    /// A JSON endpoint sent something else.
    UnsupportedMediaType = (UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
    /// An upload that is not accepted audio.
    UnsupportedMedia = (UNSUPPORTED_MEDIA_TYPE, "unsupported_media"),
    /// A Range beyond the end.
    RangeNotSatisfiable = (RANGE_NOT_SATISFIABLE, "range_not_satisfiable"),
    /// A field is invalid.
    InvalidField = (UNPROCESSABLE_ENTITY, "invalid_field"),
    /// A field the endpoint does not take.
    UnknownField = (UNPROCESSABLE_ENTITY, "unknown_field"),
    /// The clip would cross the segment's budget.
    ClipBudgetExceeded = (UNPROCESSABLE_ENTITY, "clip_budget_exceeded"),
    /// The 1:1 lacks its action items.
    ActionItemsIncomplete = (UNPROCESSABLE_ENTITY, "action_items_incomplete"),
    /// No user matches the dialer's rep.
    UnknownRep = (UNPROCESSABLE_ENTITY, "unknown_rep"),
    /// The key was used with another request.
    IdempotencyKeyReused = (UNPROCESSABLE_ENTITY, "idempotency_key_reused"),
    /// Too many failed sign-ins; `Retry-After` says when to try again.
    TooManySignIns = (TOO_MANY_REQUESTS, "too_many_sign_ins"),
    /// Speech was never detected for this call (analysed before metrics existed).
    SpeechNotAnalysed = (CONFLICT, "speech_not_analysed"),
    /// A dependency is down.
    NotReady = (SERVICE_UNAVAILABLE, "not_ready"),
    /// The server failed; the log has the cause.
    InternalError = (INTERNAL_SERVER_ERROR, "internal_error"),
}

impl Code {
    fn not_found(entity: Entity) -> Self {
        match entity {
            Entity::User => Self::UserNotFound,
            Entity::Token => Self::TokenNotFound,
            Entity::Organisation => Self::OrganisationNotFound,
            Entity::Call => Self::CallNotFound,
            Entity::Nomination => Self::NominationNotFound,
            Entity::Comment => Self::CommentNotFound,
            Entity::Series => Self::SeriesNotFound,
            Entity::OneOnOne => Self::OneOnOneNotFound,
            Entity::Clip => Self::ClipNotFound,
            Entity::ActionItem => Self::ActionItemNotFound,
            Entity::Focus => Self::FocusNotFound,
            Entity::Webhook => Self::WebhookNotFound,
            Entity::Delivery => Self::DeliveryNotFound,
            Entity::IntegrationToken => Self::IntegrationTokenNotFound,
            Entity::Session => Self::SessionNotFound,
            Entity::Email => Self::EmailNotFound,
        }
    }
}

/// What a 500 says: nothing about the cause, which goes to the log.
const INTERNAL_DETAIL: &str =
    "the server failed to complete the request; it has been logged with the request id";

impl ApiError {
    /// The stable code clients branch on (`illegal_transition`).
    pub fn code(&self) -> &'static str {
        self.classify().0.as_str()
    }

    /// The error's code, and the request field at fault when there is one.
    fn classify(&self) -> (Code, Option<String>) {
        use ReviewError as R;
        let field = |name: &str| Some(name.to_owned());
        match self {
            Self::Review(review) => match review {
                R::Unauthenticated(AuthFailure::Missing) => (Code::MissingToken, None),
                R::Unauthenticated(AuthFailure::Invalid) => (Code::InvalidToken, None),
                R::Unauthenticated(AuthFailure::Revoked) => (Code::TokenRevoked, None),
                R::Unauthenticated(AuthFailure::UserDeactivated) => (Code::UserDeactivated, None),
                R::Unauthenticated(AuthFailure::NoSession) => (Code::NoSession, None),
                R::Unauthenticated(AuthFailure::SessionExpired) => (Code::SessionExpired, None),
                R::SignInFailed => (Code::SignInFailed, None),
                R::TooManySignIns { .. } => (Code::TooManySignIns, None),
                R::LinkInvalid => (Code::SignInLinkInvalid, None),
                R::UnsubscribeLinkInvalid => (Code::UnsubscribeLinkInvalid, None),
                R::EmailNotConfigured => (Code::EmailNotConfigured, None),
                R::EmailTurnedOff(_) => (Code::EmailTurnedOff, None),
                R::EmailNotFailed(_) => (Code::EmailNotFailed, None),
                R::Internal(_) => (Code::InternalError, None),
                R::SpeechNotAnalysed => (Code::SpeechNotAnalysed, None),
                R::NotFound { entity, .. } => (Code::not_found(*entity), None),
                R::Forbidden(_) => (Code::Forbidden, None),
                R::InvalidField { field: name, .. } => (Code::InvalidField, Some(name.clone())),
                R::EmailTaken(_) => (Code::EmailTaken, field("email")),
                R::ExternalIdTaken { .. } => (Code::ExternalIdTaken, field("external_ids")),
                R::ExternalRefTaken { .. } => (Code::ExternalRefTaken, field("external_ref")),
                R::CallInReview => (Code::CallInReview, None),
                R::ManagementCycle { .. } => (Code::ManagementCycle, field("manager_id")),
                R::LastAdmin => (Code::LastAdmin, None),
                R::HasReports(_) => (Code::HasReports, field("role")),
                R::OrganisationExists(_) => (Code::OrganisationExists, None),
                R::AudioAlreadyStored { .. } | R::RecordingRemoved => {
                    (Code::AudioAlreadyStored, None)
                }
                R::NotReady { .. } => (Code::NotReadyYet, None),
                R::AudioTooLarge { .. } => (Code::AudioTooLarge, None),
                R::NotAudio(_) => (Code::UnsupportedMedia, None),
                R::CallInOtherSlot { .. } => (Code::CallInOtherSlot, field("call_id")),
                R::NominationLocked { .. } => (Code::NominationLocked, None),
                R::IllegalMove { .. } => (Code::IllegalTransition, field("state")),
                R::NoRubric => (Code::NoRubric, None),
                R::SeriesExists { .. } => (Code::SeriesExists, None),
                R::OneOnOneHeld => (Code::OneOnOneHeld, None),
                R::ClipExists => (Code::ClipExists, None),
                R::EditConflict(_) => (Code::EditConflict, field("If-Match")),
                R::ClipBudgetExceeded { .. } => (Code::ClipBudgetExceeded, None),
                R::ActionItemsIncomplete(_) => (Code::ActionItemsIncomplete, None),
                R::FocusActive { .. } => (Code::FocusActive, None),
                R::OffsetOutOfRange { field: name, .. } => (Code::OffsetOutOfRange, field(name)),
                R::IntegrationTokenNotAllowed => (Code::IntegrationTokenNotAllowed, None),
                R::IntegrationTokenRequired => (Code::IntegrationTokenRequired, None),
                R::UnknownRep { .. } => (Code::UnknownRep, field("rep")),
                R::InvalidSignature(_) => (Code::InvalidSignature, None),
                R::Store(_) => (Code::InternalError, None),
            },
            Self::MalformedJson(_) => (Code::MalformedJson, None),
            Self::InvalidBody { field: name, .. } => (Code::InvalidField, name.clone()),
            Self::UnknownField { field: name, .. } => (Code::UnknownField, Some(name.clone())),
            Self::PayloadTooLarge { .. } => (Code::PayloadTooLarge, None),
            Self::UnsupportedMediaType(_) => (Code::UnsupportedMediaType, None),
            Self::InvalidQuery(_) => (Code::InvalidQuery, None),
            Self::InvalidPath(_) => (Code::InvalidPath, None),
            Self::InvalidCursor => (Code::InvalidCursor, field("cursor")),
            Self::RouteNotFound { .. } => (Code::RouteNotFound, None),
            Self::MethodNotAllowed { .. } => (Code::MethodNotAllowed, None),
            Self::NotReady(_) => (Code::NotReady, None),
            Self::BodyInterrupted(_) => (Code::BodyInterrupted, None),
            Self::MalformedMultipart(_) => (Code::MalformedMultipart, None),
            Self::RangeNotSatisfiable { .. } => (Code::RangeNotSatisfiable, None),
            Self::InvalidIdempotencyKey(_) => {
                (Code::InvalidIdempotencyKey, field("Idempotency-Key"))
            }
            Self::IdempotencyKeyReused => (Code::IdempotencyKeyReused, field("Idempotency-Key")),
            Self::IdempotencyKeyInUse => (Code::IdempotencyKeyInUse, field("Idempotency-Key")),
            Self::CsrfRejected(_) => (Code::CsrfRejected, None),
        }
    }

    fn problem(&self) -> (StatusCode, Problem) {
        let (code, field) = self.classify();
        let status = code.status();
        let detail =
            if code == Code::InternalError { INTERNAL_DETAIL.to_owned() } else { self.to_string() };
        let problem = Problem {
            problem_type: format!("urn:filmroom:problem:{}", code.as_str()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            code: code.as_str().to_owned(),
            detail,
            request_id: request_id::current(),
            field,
            current_state: match self {
                Self::Review(ReviewError::IllegalMove { current, .. }) => {
                    Some((*current).to_owned())
                }
                _ => None,
            },
            conflict: match self {
                Self::Review(ReviewError::EditConflict(c)) => Some(ConflictBody {
                    version: c.version.clone(),
                    theirs: c.theirs.clone(),
                    changed_by: c.changed_by.clone(),
                    changed_at: c.changed_at,
                }),
                _ => None,
            },
        };
        (status, problem)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.classify().0.status()
    }

    fn error_response(&self) -> HttpResponse {
        let (status, problem) = self.problem();
        if status.is_server_error() {
            tracing::error!(error = %filmroom_review::error_chain(self), code = %problem.code, "request failed");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        if let Self::MethodNotAllowed { allowed, .. } = self {
            response.insert_header((header::ALLOW, allowed.as_str()));
        }
        if let Self::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        if let Self::Review(ReviewError::TooManySignIns { retry_after_secs }) = self {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
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

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::Code;

    /// The README's error table, as status → codes.
    fn readme_table() -> BTreeMap<u16, BTreeSet<String>> {
        let readme = include_str!("../../../README.md");
        let mut table = BTreeMap::new();
        let mut in_table = false;
        for line in readme.lines() {
            if line.starts_with("| Status | Codes |") {
                in_table = true;
                continue;
            }
            if !in_table || line.starts_with("| ---") {
                continue;
            }
            let Some(row) = line.strip_prefix("| ") else { break };
            let mut cells = row.splitn(2, " | ");
            let (Some(status), Some(codes)) = (cells.next(), cells.next()) else { break };
            let Ok(status) = status.trim().parse::<u16>() else { break };
            // Parenthesised remarks name headers and fields, not codes.
            let mut depth = 0usize;
            let codes: String = codes
                .chars()
                .filter(|ch| {
                    match ch {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        _ => return depth == 0,
                    }
                    false
                })
                .collect();
            let codes: BTreeSet<String> = codes
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'))
                .map(str::to_owned)
                .collect();
            table.insert(status, codes);
        }
        table
    }

    #[test]
    fn every_code_is_in_the_readme_under_its_status_and_nothing_else_is() {
        let mut from_code: BTreeMap<u16, BTreeSet<String>> = BTreeMap::new();
        for code in Code::ALL {
            from_code.entry(code.status().as_u16()).or_default().insert(code.as_str().to_owned());
        }
        assert_eq!(readme_table(), from_code);
    }

    #[test]
    fn each_code_is_declared_once() {
        let names: BTreeSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
