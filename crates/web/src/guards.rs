//! Guards at the edge: extractors that decide who may open a page or make a
//! change before its handler runs, so a handler cannot forget a check.
//!
//! - [`Viewer`]: someone signed in (anyone else is sent to sign in);
//! - [`Admin`]: a signed-in admin (anyone else gets a 403 page);
//! - [`Coach`]: a signed-in manager or admin (a rep gets a 403 page);
//! - [`Change<T>`]: a change sent from one of this site's own pages by
//!   someone signed in: the form `T`, after its `Origin` and the session's
//!   CSRF token (the form's `csrf` field or htmx's `X-CSRF-Token`) passed;
//! - [`AdminChange<T>`]: the same, by an admin.
//!
//! What the review domain decides (who may see a rep, who may score) is still
//! decided there; these guards only say who may knock.

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, ResponseError, dev::Payload, http::StatusCode, web,
};
use filmroom_api::{
    error::ApiError,
    session::{CSRF_HEADER, check_origin, check_token},
};
use filmroom_review::{ReviewError, Role};
use serde::de::DeserializeOwned;

use crate::{
    error::PageError,
    session::{Viewer, is_htmx},
};

/// Why a guard refused: shown as a page, or to an htmx request as the short
/// message the page puts beside the form that sent it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Refused {
    error: PageError,
    htmx: bool,
}

impl Refused {
    fn new(req: &HttpRequest, error: impl Into<PageError>) -> Self {
        Self { error: error.into(), htmx: is_htmx(req) }
    }
}

impl ResponseError for Refused {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if self.htmx { crate::error::fragment(&self.error) } else { self.error.error_response() }
    }
}

/// A signed-in admin; anyone else gets a 403 page.
pub struct Admin(pub Viewer);

fn admin_only(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.me.role == Role::Admin {
        Ok(())
    } else {
        Err(ReviewError::Forbidden("these pages are for admins".into()).into())
    }
}

impl FromRequest for Admin {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Refused>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = viewer_who(req, payload, admin_only);
        Box::pin(async move { viewer.await.map(Self) })
    }
}

/// The signed-in viewer, once `allowed` let them through.
fn viewer_who(
    req: &HttpRequest,
    payload: &mut Payload,
    allowed: fn(&Viewer) -> Result<(), PageError>,
) -> Pin<Box<dyn Future<Output = Result<Viewer, Refused>>>> {
    let viewer = Viewer::from_request(req, payload);
    let req = req.clone();
    Box::pin(async move {
        let viewer = viewer.await.map_err(|e| Refused::new(&req, e))?;
        allowed(&viewer).map_err(|e| Refused::new(&req, e))?;
        Ok(viewer)
    })
}

/// A signed-in manager or admin: someone who coaches. A rep gets a 403 page
/// that sends them to their own week.
pub struct Coach(pub Viewer);

fn coaches(viewer: &Viewer) -> Result<(), PageError> {
    if viewer.coaches() {
        Ok(())
    } else {
        Err(ReviewError::Forbidden(
            "the team board is for managers; your week is on the home page".into(),
        )
        .into())
    }
}

impl FromRequest for Coach {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Refused>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let viewer = viewer_who(req, payload, coaches);
        Box::pin(async move { viewer.await.map(Self) })
    }
}

/// A change sent from one of this site's pages by someone signed in.
pub struct Change<T> {
    /// Who makes it.
    pub viewer: Viewer,
    /// What the form said.
    pub form: T,
}

/// A change only an admin may make.
pub struct AdminChange<T> {
    /// The admin who makes it.
    pub viewer: Viewer,
    /// What the form said.
    pub form: T,
}

/// The CSRF token a form carries, whatever else it holds.
#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// The signed-in viewer and the form `T`, once the change passed the
/// origin and CSRF checks.
fn checked_change<T: DeserializeOwned>(
    req: &HttpRequest,
    viewer: Result<Viewer, PageError>,
    body: Result<web::Bytes, actix_web::Error>,
    admin: bool,
) -> Result<(Viewer, T), PageError> {
    let viewer = viewer?;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType(
            "a page's form is sent as application/x-www-form-urlencoded".into(),
        )
        .into());
    }
    let body = body.map_err(|e| ApiError::BodyInterrupted(e.to_string()))?;
    let form_token = serde_urlencoded::from_bytes::<CsrfField>(&body).ok().and_then(|f| f.csrf);
    let header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    check_origin(req, &filmroom_api::session::site(req))?;
    check_token(&viewer.csrf, form_token.as_deref().or(header))?;
    if admin {
        admin_only(&viewer)?;
    }
    let form = serde_urlencoded::from_bytes::<T>(&body)
        .map_err(|e| ApiError::InvalidBody { field: None, message: format!("the form: {e}") })?;
    Ok((viewer, form))
}

type Checked<T> = Pin<Box<dyn Future<Output = Result<(Viewer, T), Refused>>>>;

fn read_change<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    admin: bool,
) -> Checked<T> {
    let viewer = Viewer::from_request(req, payload);
    let body = web::Bytes::from_request(req, payload);
    let req = req.clone();
    Box::pin(async move {
        let (viewer, body) = (viewer.await, body.await);
        checked_change(&req, viewer, body, admin).map_err(|e| Refused::new(&req, e))
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for Change<T> {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Refused>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = read_change::<T>(req, payload, false);
        Box::pin(async move { checked.await.map(|(viewer, form)| Self { viewer, form }) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for AdminChange<T> {
    type Error = Refused;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Refused>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = read_change::<T>(req, payload, true);
        Box::pin(async move { checked.await.map(|(viewer, form)| Self { viewer, form }) })
    }
}
