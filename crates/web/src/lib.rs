//! filmroom's web app: the pages reps and managers use in a browser.
//!
//! Pages are rendered on the server from compile-time checked templates
//! (askama) and updated in part with htmx; the call room's player is a small
//! ES module over wavesurfer.js. Handlers hold no business rule: each checks
//! the session (and, for a change, its CSRF token), calls one
//! `filmroom_review` function and renders what it returns. The browser's own
//! requests for audio, peaks and uploads go to the JSON API with the same
//! session cookie.

pub mod assets;
mod error;
mod guards;
mod pages;
mod session;
mod view;

use actix_web::{
    HttpResponse, HttpResponseBuilder,
    http::header::{self, HeaderValue},
    web,
};

pub use error::PageError;

/// Settings of the web app.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The URL people reach this server at; when it is `https`, session
    /// cookies are `Secure`, and state changes must come from its origin.
    pub public_url: Option<String>,
}

impl WebConfig {
    /// Whether cookies must only travel over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }
}

/// The Content-Security-Policy of every page: scripts only from this server
/// (no inline script, no eval), no framing, no plugins. Styles may be inline
/// because the waveform library styles its shadow DOM with a `<style>` element.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'; \
    connect-src 'self'; font-src 'self'; manifest-src 'self'; form-action 'self'; \
    frame-ancestors 'none'; base-uri 'none'";

/// Registers the pages; the API's routes are registered beside them.
pub fn configure(config: WebConfig) -> impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static {
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(web::Data::new(config.clone())).service(assets::serve);
        pages::register(cfg);
    }
}

/// `Cache-Control: no-store`, for pages that hold a person's data.
pub(crate) fn no_store() -> (header::HeaderName, HeaderValue) {
    (header::CACHE_CONTROL, HeaderValue::from_static("no-store"))
}

/// An HTML response with the page security headers.
pub(crate) fn html(mut builder: HttpResponseBuilder, body: String) -> HttpResponse {
    builder
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header(no_store())
        .body(body)
}

/// Percent-encodes a value for a query string.
pub(crate) fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
