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
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::Api(e) => e.status_code(),
            Self::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
            tracing::error!(error = %self, "page failed");
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
pub(crate) fn conflict_response(
    conflict: &filmroom_review::EditConflict,
    timezone: &str,
) -> HttpResponse {
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
    use ReviewError as R;
    let PageError::Api(ApiError::Review(review)) = error else {
        return crate::view::sentence(&error.to_string());
    };
    let said = match review {
        R::NotFound { entity, .. } => format!(
            "That {} is not there: it may have been removed, or it is not one you can see",
            entity_words(*entity)
        ),
        R::InvalidField { field, message } => field_words(field, message),
        R::IllegalMove { .. } => "This step cannot be taken now. Reload the page to see where the review stands, and take the step it shows".into(),
        R::NominationLocked { .. } => "This review has moved on, so this can no longer be changed".into(),
        R::ExternalIdTaken { .. } => "That id in the other system already belongs to someone else in your organisation".into(),
        R::ExternalRefTaken { .. } => "Another call already has that id from the other system".into(),
        R::ManagementCycle { .. } => "That would make two people each other's manager; choose another manager".into(),
        R::SeriesExists { .. } => "These two people have weekly 1:1s already; change that series instead".into(),
        R::AudioAlreadyStored { .. } => "This call has its recording already; delete the call to send a different one".into(),
        R::NotReady { what, .. } => format!("The call's {what} is not ready yet; the page updates by itself when it is"),
        R::OffsetOutOfRange { .. } => "That moment is outside the call; choose a time within it".into(),
        R::ClipBudgetExceeded { .. } => "That clip does not fit in the time left for clips in this 1:1; shorten it, or remove another clip first".into(),
        R::CallInOtherSlot { .. } => "This call already fills the week's other slot; pick another call for this one".into(),
        R::NoRubric => "Your organisation has no rubric yet; an admin publishes one on the Rubric page".into(),
        // Said in words already, unless it names a state.
        R::Forbidden(message) if message.contains('_') => {
            "This is not yours to change; ask the person it belongs to, or an admin".into()
        }
        other => other.to_string(),
    };
    crate::view::sentence(&said)
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
    if !has_id(message) {
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
        ]
    }

    #[test]
    fn page_words_name_no_id_state_or_field() {
        for refusal in refusals() {
            let said = words(&PageError::from(refusal));
            assert!(!has_id(&said), "an id in {said:?}");
            for state in STATE_NAMES.iter().filter(|s| s.contains('_')) {
                assert!(!said.contains(state), "a state name in {said:?}");
            }
            assert!(!said.contains("_id"), "a field name in {said:?}");
            assert!(!said.contains('`') && !said.contains('['), "a field path in {said:?}");
            assert!(said.ends_with('.'), "not a sentence: {said:?}");
            assert!(
                said.chars().next().is_some_and(char::is_uppercase),
                "not a sentence: {said:?}"
            );
        }
    }

    #[test]
    fn an_id_is_found_only_where_there_is_one() {
        assert!(has_id(&format!("no comment {ID} on this call")));
        assert!(!has_id("the clip is 12000 ms but only 3000 ms are left"));
    }
}
