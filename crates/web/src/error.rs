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
            crate::view::capitalised(&self.to_string())
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
        error.to_string()
    };
    response = HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
        .insert_header(("X-Filmroom-Code", error.code()))
        .body(message);
    response
}
