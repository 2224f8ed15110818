//! What a page says when something fails: the same stable codes and statuses
//! as the API (one table, in `filmroom_api::error`), said in words on a page,
//! or as a short message an htmx request puts next to the form that sent it.

use actix_web::{HttpResponse, ResponseError, http::StatusCode, http::header};
use askama::Template;
use filmroom_api::error::ApiError;
use filmroom_review::ReviewError;

/// Why a page or a page's action failed.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// No live session: sign in, then come back to `next`.
    #[error("sign in to continue")]
    SignIn {
        /// Where to return after signing in.
        next: String,
        /// Whether the request came from htmx (which cannot follow a 303 into a page).
        htmx: bool,
    },
    /// The review domain, or the HTTP checks shared with the API, refused.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A template failed to render.
    #[error("a page failed to render: {0}")]
    Template(#[from] askama::Error),
    /// A save refused because someone saved a newer version, with what the
    /// answer needs to say it in the viewer's terms (see [`saving`]).
    #[error("{conflict:?}")]
    EditConflict {
        /// What is stored now.
        conflict: Box<filmroom_review::EditConflict>,
        /// The viewer's time zone, for when the other save happened.
        timezone: String,
        /// Whether a script sent the form (and shows both versions).
        htmx: bool,
    },
}

/// Turns a save's refusal into a page error; an edit conflict keeps the
/// viewer's zone and how the form was sent, so it is answered with both
/// versions (see [`conflict_response`]).
pub(crate) fn saving<'a>(
    viewer: &'a crate::session::Viewer,
    req: &'a actix_web::HttpRequest,
) -> impl Fn(ReviewError) -> PageError + 'a {
    move |e| match e {
        ReviewError::EditConflict(conflict) => PageError::EditConflict {
            conflict,
            timezone: viewer.timezone().to_owned(),
            htmx: crate::session::is_htmx(req),
        },
        other => other.into(),
    }
}

impl From<ReviewError> for PageError {
    fn from(e: ReviewError) -> Self {
        Self::Api(ApiError::Review(e))
    }
}

/// A failure shown as a page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    css: String,
    title: &'a str,
    message: &'a str,
    code: &'a str,
}

impl PageError {
    fn code(&self) -> String {
        match self {
            Self::SignIn { .. } => "no_session".to_owned(),
            Self::Api(e) => e.code().to_owned(),
            Self::Template(_) => "internal_error".to_owned(),
            Self::EditConflict { .. } => "edit_conflict".to_owned(),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::Api(e) => e.status_code(),
            Self::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::EditConflict { .. } => StatusCode::CONFLICT,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignIn { next, htmx } = self {
            let location = format!("/login?next={}", crate::encode_query(next));
            if *htmx {
                return HttpResponse::Unauthorized()
                    .insert_header(("HX-Redirect", location))
                    .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                    .body("Your session has ended; sign in again.");
            }
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header(crate::no_store())
                .finish();
        }
        let status = self.status_code();
        let message = if status.is_server_error() {
            tracing::error!(error = %filmroom_review::error_chain(self), "page failed");
            "Something went wrong on our side. It has been logged; try again in a moment."
                .to_owned()
        } else {
            words(self)
        };
        let code = self.code();
        let mut response = HttpResponse::build(status);
        // The same header as a fragment's, so a script reads the code alike.
        response.insert_header(crate::no_store()).insert_header(("X-Filmroom-Code", code.clone()));
        if let Self::Api(ApiError::Review(ReviewError::TooManySignIns { retry_after_secs })) = self
        {
            response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        let page = ErrorPage {
            css: crate::assets::url("app.css"),
            title: status.canonical_reason().unwrap_or("Error"),
            message: &message,
            code: &code,
        };
        match page.render() {
            Ok(html) => crate::html(response, html),
            Err(_) => response.body(message),
        }
    }
}

/// The error of an htmx action: a short message the page places next to the
/// form that sent it (see `app.js`); the status stays the API's.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct Fragment(pub PageError);

impl<E: Into<PageError>> From<E> for Fragment {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl ResponseError for Fragment {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            PageError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            other => other.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        fragment(&self.0)
    }
}

pub(crate) fn fragment(error: &PageError) -> HttpResponse {
    if let PageError::EditConflict { conflict, timezone, htmx: true } = error {
        return conflict_response(conflict, timezone);
    }
    let mut response = error.error_response();
    if matches!(error, PageError::SignIn { .. }) {
        return response;
    }
    let status = response.status();
    let message = if status.is_server_error() {
        "Something went wrong on our side; try again in a moment.".to_owned()
    } else {
        words(error)
    };
    response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header(("X-Filmroom-Code", error.code()))
        .body(message);
    response
}

/// A save made over someone's newer version, answered so the page can show
/// both and let the person choose (see `app.js`): 409 `edit_conflict` with
/// JSON holding the sentence, their text and the version to send to keep
/// one's own. The time is said in the viewer's zone.
fn conflict_response(conflict: &filmroom_review::EditConflict, timezone: &str) -> HttpResponse {
    let at = crate::view::when(conflict.changed_at, timezone);
    let said = if conflict.changed_by == "you" {
        format!(
            "You saved this {} elsewhere (another tab or device) at {at}, after this page opened",
            conflict.what
        )
    } else {
        format!(
            "{} saved the {} at {at}, after you opened the page",
            conflict.changed_by, conflict.what
        )
    };
    let body = serde_json::json!({
        "message": crate::view::sentence(&said),
        "version": conflict.version,
        "theirs": conflict.theirs,
        "theirs_label": if conflict.criterion.is_some() { "Their score:" } else { "Theirs reads:" },
        // The form field that carries the version back.
        "field": conflict.criterion.as_ref().map_or_else(|| "version".to_owned(), |c| format!("seen:{c}")),
    });
    HttpResponse::Conflict()
        .insert_header(crate::no_store())
        .insert_header(("X-Filmroom-Code", "edit_conflict"))
        .json(body)
}

/// What a page says about a refusal: a sentence about the person's situation
/// and what to do next, with no ids, state names, field paths or library
/// text. Those stay in the API's problem documents and in the logs, where a
/// developer reads them; the code stays in `X-Filmroom-Code`.
pub(crate) fn words(error: &PageError) -> String {
    let said = match error {
        PageError::SignIn { .. } => "Your session has ended; sign in again to carry on".into(),
        PageError::Template(_) => {
            "Something went wrong on our side. It has been logged; try again in a moment".into()
        }
        PageError::Api(ApiError::Review(review)) => review_words(review),
        PageError::EditConflict { conflict, .. } => {
            review_words(&ReviewError::EditConflict(conflict.clone()))
        }
        PageError::Api(api) => request_words(api),
    };
    crate::view::sentence(&said)
}

/// A refusal of the review domain in words. Every variant is said here on
/// purpose (no fallback to the API's text, which is written for developers).
fn review_words(review: &ReviewError) -> String {
    use ReviewError as R;
    use filmroom_review::AuthFailure as A;
    match review {
        R::Unauthenticated(A::Missing | A::NoSession) => "Sign in to carry on".into(),
        R::Unauthenticated(A::Invalid | A::Revoked) => {
            "That key is not accepted any more; sign in again, or ask your admin for a new one".into()
        }
        R::Unauthenticated(A::UserDeactivated) => {
            "This account has been turned off; ask your admin if that is a mistake".into()
        }
        R::Unauthenticated(A::SessionExpired) => "Your session has ended; sign in again to carry on".into(),
        R::NotFound { entity, .. } => format!(
            "That {} is not there: it may have been removed, or it is not one you can see",
            entity_words(*entity)
        ),
        R::InvalidField { field, message } => field_words(field, message),
        R::IllegalMove { .. } => "This step cannot be taken now. Reload the page to see where the review stands, and take the step it shows".into(),
        R::NominationLocked { .. } => "This review has moved on, so this can no longer be changed".into(),
        R::EmailTaken(email) => format!("Someone in your organisation already signs in with {email}; use another address"),
        R::ExternalIdTaken { .. } => "That id in the other system already belongs to someone else in your organisation".into(),
        R::ExternalRefTaken { .. } => "Another call already has that id from the other system".into(),
        R::CallInReview => "This call is in review, so only an admin can delete it; its comments, scores and clips stay".into(),
        R::ManagementCycle { .. } => "That would make two people each other's manager; choose another manager".into(),
        R::LastAdmin => "This is your organisation's last admin; make someone else an admin first".into(),
        R::HasReports(count) => format!("People report to this person ({count}); give them another manager before making this person a rep"),
        R::OrganisationExists(name) => format!("An organisation named {name} exists already"),
        R::SeriesExists { .. } => "These two people have weekly 1:1s already; change that series instead".into(),
        R::AudioAlreadyStored { .. } => "This call has its recording already; delete the call to send a different one".into(),
        R::RecordingRemoved => "An admin removed this call's recording; create a new call to upload one".into(),
        R::NotReady { what, .. } => format!("The call's {what} is not ready yet; the page updates by itself when it is"),
        R::AudioTooLarge { limit } => format!("That file is larger than the {} MB this server takes; send a shorter or more compressed recording", limit / 1_000_000),
        R::NotAudio(_) => "That file is not a recording filmroom can play; send WAV, MP3, FLAC, Ogg Vorbis or M4A audio".into(),
        R::OffsetOutOfRange { .. } => "That moment is outside the call; choose a time within it".into(),
        R::ClipBudgetExceeded { .. } => "That clip does not fit in the time left for clips in this 1:1; shorten it, or remove another clip first".into(),
        R::ClipExists => "That comment is a clip of this 1:1 already".into(),
        R::OneOnOneHeld => "This 1:1 has been held, so its time and clips stay as they were".into(),
        R::ActionItemsIncomplete(_) => "This 1:1 cannot be marked held yet: agree its action items first, as the page shows".into(),
        R::FocusActive { .. } => "The rep is working on a focus skill already; mark it achieved or dropped before starting another".into(),
        R::CallInOtherSlot { .. } => "This call already fills the week's other slot; pick another call for this one".into(),
        R::NoRubric => "Your organisation has no rubric yet; an admin publishes one on the Rubric page".into(),
        R::EditConflict(conflict) => format!(
            "{} saved the {} after you opened the page; reload to see theirs, then save yours again",
            if conflict.changed_by == "you" { "You (elsewhere)" } else { &conflict.changed_by },
            conflict.what
        ),
        R::IntegrationTokenNotAllowed | R::IntegrationTokenRequired | R::InvalidSignature(_) | R::UnknownRep { .. } => {
            "This is for the dialers that send calls in, not for a page; sign in as yourself".into()
        }
        R::SignInFailed => "The email or the password is not right".into(),
        R::TooManySignIns { retry_after_secs } => format!(
            "Too many tries; wait {} minutes, or ask your admin for a sign-in link",
            retry_after_secs.div_ceil(60)
        ),
        R::LinkInvalid => "This link was used already or has expired; ask your admin for a new one".into(),
        R::UnsubscribeLinkInvalid => "This unsubscribe link is not valid; turn emails off on your account page".into(),
        R::SpeechNotAnalysed => "This call was analysed before filmroom measured speech; an admin can analyse it again".into(),
        R::EmailNotConfigured => "This server sends no email yet; copy the link and send it yourself, or ask whoever runs filmroom to set up email".into(),
        R::EmailTurnedOff(_) => "They turned this kind of email off; copy the link and send it to them yourself".into(),
        R::EmailNotFailed(_) => "Only an email that failed can be sent again".into(),
        // A message written for people, unless it names a state.
        R::Forbidden(message) if message.contains('_') || message.contains('/') => {
            "This is not yours to change; ask the person it belongs to, or an admin".into()
        }
        R::Forbidden(message) => message.clone(),
        R::Internal(_) | R::Store(_) => {
            "Something went wrong on our side. It has been logged; try again in a moment".into()
        }
    }
}

/// A refused request (not the review domain) in words: on a page these mean
/// a stale or hand-made form, so the advice is to reload.
fn request_words(api: &ApiError) -> String {
    match api {
        ApiError::Review(review) => review_words(review),
        // Written for whoever sent the form: what it lacked, in words.
        ApiError::CsrfRejected(message) => message.clone(),
        ApiError::PayloadTooLarge { .. } => {
            "That is too long to save; shorten it and try again".into()
        }
        ApiError::RangeNotSatisfiable { .. } => {
            "That part of the recording is not there; reload the page".into()
        }
        ApiError::NotReady(_) => {
            "filmroom is starting or briefly unavailable; try again in a moment".into()
        }
        ApiError::IdempotencyKeyInUse => "This is being saved already; wait a moment".into(),
        ApiError::RouteNotFound { .. } | ApiError::MethodNotAllowed { .. } => {
            "There is no such page; go back and follow a link instead".into()
        }
        ApiError::BodyInterrupted(_) => {
            "The form did not reach the server whole; check your connection and send it again"
                .into()
        }
        ApiError::MalformedJson(_)
        | ApiError::InvalidBody { .. }
        | ApiError::UnknownField { .. }
        | ApiError::UnsupportedMediaType(_)
        | ApiError::InvalidQuery(_)
        | ApiError::InvalidPath(_)
        | ApiError::InvalidCursor
        | ApiError::MalformedMultipart(_)
        | ApiError::InvalidIdempotencyKey(_)
        | ApiError::IdempotencyKeyReused => {
            "This form does not match the page any more; reload the page and try again".into()
        }
    }
}

fn entity_words(entity: filmroom_review::Entity) -> &'static str {
    use filmroom_review::Entity as E;
    match entity {
        E::OneOnOne => "1:1",
        E::ActionItem => "action item",
        E::IntegrationToken => "integration token",
        E::Series => "1:1 series",
        E::Nomination => "review",
        other => other.name(),
    }
}

/// A refused field in words: the message without the field's name, and
/// without an id (a message that needs one to make sense is said another way).
fn field_words(field: &str, message: &str) -> String {
    let names_something = message.split_whitespace().any(|w| w.contains('_'));
    if !has_id(message) && !names_something {
        return message.replace('`', "");
    }
    match field {
        "parent_id" => "The comment you are replying to is no longer on this call".into(),
        "comment_id" => {
            "That comment is not there any more; reload the page to see the comments as they are"
                .into()
        }
        _ => "Something this form refers to is not there any more; reload the page and try again"
            .into(),
    }
}

/// Whether `text` holds a UUID (8-4-4-4-12 hexadecimal digits).
fn has_id(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')).any(|word| {
        let parts: Vec<&str> = word.split('-').collect();
        parts.len() == 5 && parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use filmroom_review::Entity;

    const ID: &str = "01933b2a-9c1e-7d4a-b1a0-2f7c4f0c1d2e";
    const STATE_NAMES: [&str; 5] =
        ["nominated", "self_reviewed", "shared", "manager_reviewed", "discussed"];

    fn refusals() -> Vec<ReviewError> {
        vec![
            ReviewError::NotFound { entity: Entity::Comment, id: ID.into() },
            ReviewError::NotFound { entity: Entity::OneOnOne, id: ID.into() },
            ReviewError::NotFound { entity: Entity::ActionItem, id: ID.into() },
            ReviewError::InvalidField {
                field: "parent_id".into(),
                message: format!("no comment {ID} on this call"),
            },
            ReviewError::InvalidField {
                field: "comment_id".into(),
                message: format!("no comment {ID}"),
            },
            ReviewError::InvalidField {
                field: "[0].criterion".into(),
                message: "`discovery` is scored twice".into(),
            },
            ReviewError::IllegalMove {
                current: "nominated",
                target: "self_reviewed",
                missing: "the rep has not commented on the call yet".into(),
            },
            ReviewError::NominationLocked { state: "manager_reviewed" },
            ReviewError::SeriesExists { id: ID.into() },
            ReviewError::Forbidden(
                "only a manager in the rep's chain can move a review to manager_reviewed".into(),
            ),
            ReviewError::ClipExists,
            // A rubric republished while the call room was open.
            ReviewError::InvalidField {
                field: "[0].criterion".into(),
                message: "next_steps is not in the rubric; it has discovery, objection_handling"
                    .into(),
            },
        ]
    }

    /// One refusal for every code the API has, beside the chosen ones above.
    fn every_code() -> Vec<PageError> {
        use filmroom_review::{AuthFailure as A, EditConflict};
        let review = [
            ReviewError::Unauthenticated(A::Missing),
            ReviewError::Unauthenticated(A::Invalid),
            ReviewError::Unauthenticated(A::Revoked),
            ReviewError::Unauthenticated(A::UserDeactivated),
            ReviewError::Unauthenticated(A::NoSession),
            ReviewError::Unauthenticated(A::SessionExpired),
            ReviewError::SignInFailed,
            ReviewError::TooManySignIns { retry_after_secs: 290 },
            ReviewError::LinkInvalid,
            ReviewError::UnsubscribeLinkInvalid,
            ReviewError::EmailNotConfigured,
            ReviewError::EmailTurnedOff("review_reminders"),
            ReviewError::EmailNotFailed("sent"),
            ReviewError::Internal("worker thread panicked".into()),
            ReviewError::SpeechNotAnalysed,
            ReviewError::Forbidden("only_admins may".into()),
            ReviewError::EmailTaken("ada@example.com".into()),
            ReviewError::ExternalIdTaken {
                source_name: "twilio".into(),
                external_id: "WK_1".into(),
                owner: ID.into(),
            },
            ReviewError::ExternalRefTaken { external_ref: "CA_123".into() },
            ReviewError::CallInReview,
            ReviewError::ManagementCycle { user: ID.into(), manager: ID.into() },
            ReviewError::LastAdmin,
            ReviewError::HasReports(3),
            ReviewError::OrganisationExists("Acme".into()),
            ReviewError::AudioAlreadyStored { status: "ready" },
            ReviewError::RecordingRemoved,
            ReviewError::NotReady { what: "peaks", status: "transcoding" },
            ReviewError::AudioTooLarge { limit: 500_000_000 },
            ReviewError::NotAudio("unsupported feature: core (codec): unsupported codec".into()),
            ReviewError::CallInOtherSlot { slot: "struggled" },
            ReviewError::OneOnOneHeld,
            ReviewError::NoRubric,
            ReviewError::ClipBudgetExceeded { remaining_ms: 1, budget_ms: 2, clip_ms: 3 },
            ReviewError::ActionItemsIncomplete("needs 2 action_items".into()),
            ReviewError::FocusActive { criterion: "next_steps".into() },
            ReviewError::OffsetOutOfRange { field: "end_ms", value: 9, duration_ms: 3 },
            ReviewError::IntegrationTokenNotAllowed,
            ReviewError::IntegrationTokenRequired,
            ReviewError::UnknownRep {
                source_name: "twilio".into(),
                external_id: Some("WK_1".into()),
                email: None,
            },
            ReviewError::InvalidSignature("X-Twilio-Signature does not match".into()),
            ReviewError::EditConflict(Box::new(EditConflict {
                what: "1:1's notes".into(),
                version: "3".into(),
                theirs: "x".into(),
                changed_by: "Dana Reyes".into(),
                changed_at: chrono::Utc::now(),
                criterion: None,
            })),
        ];
        let api = [
            ApiError::MalformedJson("expected value at line 1".into()),
            ApiError::CsrfRejected("the X-CSRF-Token header is missing".into()),
            ApiError::InvalidBody { field: Some("scores[0]".into()), message: "bad".into() },
            ApiError::UnknownField { field: "rep_id".into(), hint: "".into() },
            ApiError::PayloadTooLarge { limit: 65_536 },
            ApiError::UnsupportedMediaType("send application/x-www-form-urlencoded".into()),
            ApiError::InvalidQuery("week: not an ISO week".into()),
            ApiError::InvalidPath(format!("`{ID}x` is not a UUID")),
            ApiError::InvalidCursor,
            ApiError::RouteNotFound { method: "GET".into(), path: "/v1/nope".into() },
            ApiError::MethodNotAllowed {
                method: "PUT".into(),
                path: "/v1/calls".into(),
                allowed: "GET, POST".into(),
            },
            ApiError::BodyInterrupted("connection reset".into()),
            ApiError::MalformedMultipart("no `audio` part".into()),
            ApiError::RangeNotSatisfiable { size: 10 },
            ApiError::NotReady("database: connection refused".into()),
            ApiError::InvalidIdempotencyKey("Idempotency-Key: too long".into()),
            ApiError::IdempotencyKeyReused,
            ApiError::IdempotencyKeyInUse,
        ];
        let mut all: Vec<PageError> = refusals().into_iter().map(PageError::from).collect();
        all.extend(review.into_iter().map(PageError::from));
        all.extend(api.into_iter().map(PageError::from));
        all.push(PageError::SignIn { next: "/".into(), htmx: false });
        let entities = [
            Entity::User,
            Entity::Token,
            Entity::Organisation,
            Entity::Call,
            Entity::Nomination,
            Entity::Comment,
            Entity::Series,
            Entity::OneOnOne,
            Entity::Clip,
            Entity::ActionItem,
            Entity::Focus,
            Entity::Webhook,
            Entity::Delivery,
            Entity::IntegrationToken,
            Entity::Session,
            Entity::Email,
        ];
        all.extend(
            entities.map(|entity| PageError::from(ReviewError::NotFound { entity, id: ID.into() })),
        );
        all
    }

    /// Every message a page can show, one per code at least: a sentence
    /// about the person's situation, with no id, state name, field path,
    /// code, endpoint, command-line flag or library text in it.
    #[test]
    fn page_words_name_no_id_state_or_field() {
        let errors = every_code();
        let covered: std::collections::HashSet<String> =
            errors.iter().map(PageError::code).collect();
        for code in filmroom_api::error::Code::ALL {
            assert!(
                covered.contains(code.as_str()),
                "no page words checked for `{}`",
                code.as_str()
            );
        }
        for error in &errors {
            let said = words(error);
            let code = error.code();
            assert!(!has_id(&said), "{code}: an id in {said:?}");
            for state in STATE_NAMES {
                assert!(
                    !said.contains(state) || !state.contains('_'),
                    "{code}: a state name in {said:?}"
                );
            }
            assert!(
                !said.split_whitespace().any(|w| w.contains('_')),
                "{code}: a field, code or state name in {said:?}"
            );
            assert!(!said.contains('`') && !said.contains('['), "{code}: a field path in {said:?}");
            assert!(
                !said.contains("/v1") && !said.contains("--"),
                "{code}: developer text in {said:?}"
            );
            for library in [
                "symphonia",
                "unsupported feature",
                "codec",
                "connection refused",
                "rubric_versions",
            ] {
                assert!(!said.contains(library), "{code}: library text in {said:?}");
            }
            assert!(said.ends_with('.'), "{code}: not a sentence: {said:?}");
            assert!(
                said.chars().next().is_some_and(char::is_uppercase),
                "{code}: not a sentence: {said:?}"
            );
        }
    }

    #[test]
    fn an_id_is_found_only_where_there_is_one() {
        assert!(has_id(&format!("no comment {ID} on this call")));
        assert!(!has_id("the clip is 12000 ms but only 3000 ms are left"));
    }
}
