//! Browser sessions at the HTTP layer: the cookie that carries the session's
//! secret, and the checks that keep another site from making a signed-in
//! browser change anything (CSRF): every state change must carry the
//! session's CSRF token and come from this server's own origin.

use actix_web::{HttpRequest, http::Method, http::header};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The cookie holding the session secret.
pub const SESSION_COOKIE: &str = "filmroom_session";
/// The header htmx and the page's scripts send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session secret the browser presented, if any.
pub fn session_secret(req: &HttpRequest) -> Option<String> {
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()).filter(|v| !v.is_empty())
}

/// Whether a request only reads (and so needs no CSRF token).
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two tokens without revealing, through timing, how much of them matched.
pub fn tokens_match(expected: &str, presented: &str) -> bool {
    let a = Sha256::digest(expected.as_bytes());
    let b = Sha256::digest(presented.as_bytes());
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 && !presented.is_empty()
}

/// Where this server is, for the links it hands out and the origin every
/// change made with a cookie must come from. Links are built only from
/// `--public-url` or the listen address, never from what a request says;
/// `X-Forwarded-*` headers count only with `--trust-proxy`.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// The URL people reach this server at, when configured.
    pub public_url: Option<String>,
    /// `http://` and the address the server listens on (a loopback address
    /// when it listens on all of them).
    pub listen_url: Option<String>,
    /// Whether a proxy in front sets `X-Forwarded-Host` and `-Proto`.
    pub trust_proxy: bool,
}

impl Site {
    /// The base of links people follow: the public URL, else the listen
    /// address.
    pub fn link_base(&self) -> String {
        self.public_url
            .as_deref()
            .or(self.listen_url.as_deref())
            .unwrap_or("http://127.0.0.1:8080")
            .trim_end_matches('/')
            .to_owned()
    }

    /// This server's origin as browsers see it: the public URL's when one is
    /// configured, otherwise the one the request was made to (by its `Host`,
    /// or with `--trust-proxy` what the proxy forwarded).
    pub fn origin(&self, req: &HttpRequest) -> String {
        if let Some(origin) =
            self.public_url.as_deref().and_then(|u| url::Url::parse(u).ok()).map(|u| u.origin())
        {
            return origin.ascii_serialization();
        }
        request_origin(req, self.trust_proxy)
    }
}

/// The scheme and host a request was made to: from the proxy's
/// `X-Forwarded-*` headers when it is trusted, otherwise from `Host` over
/// this server's own plain HTTP.
pub fn request_origin(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().host().map(str::to_owned))
        .unwrap_or_else(|| req.app_config().host().to_owned());
    format!("http://{host}")
}

/// The site as configured for this server (defaults when none is).
pub fn site(req: &HttpRequest) -> Site {
    req.app_data::<actix_web::web::Data<Site>>().map(|s| s.get_ref().clone()).unwrap_or_default()
}

/// Refuses a state change whose `Origin` (or, lacking it, `Referer`) is not
/// this server's origin.
pub fn check_origin(req: &HttpRequest, site: &Site) -> Result<(), ApiError> {
    let expected = site.origin(req);
    let header_text = |name| req.headers().get(name).and_then(|v| v.to_str().ok());
    let presented = match header_text(header::ORIGIN) {
        Some(origin) => origin.to_owned(),
        None => match header_text(header::REFERER).and_then(|r| url::Url::parse(r).ok()) {
            Some(referer) => referer.origin().ascii_serialization(),
            None if session_secret(req).is_some() => {
                return Err(ApiError::CsrfRejected(
                    "a change made with a session cookie must say where it comes from (Origin)"
                        .into(),
                ));
            }
            None => {
                return Err(ApiError::CsrfRejected(format!(
                    "a form sent to this server must say which page it comes from (an Origin \
                     header of {expected}); send it from the page, or with that header"
                )));
            }
        },
    };
    if presented.eq_ignore_ascii_case(&expected) {
        Ok(())
    } else {
        Err(ApiError::CsrfRejected(format!(
            "this change came from {presented}, not from {expected}; reload the page and try again"
        )))
    }
}

/// Refuses a state change without the session's CSRF token.
pub fn check_token(expected: &str, presented: Option<&str>) -> Result<(), ApiError> {
    match presented {
        Some(presented) if tokens_match(expected, presented) => Ok(()),
        _ => Err(ApiError::CsrfRejected(
            "the page's security token is missing or out of date; reload the page and try again"
                .into(),
        )),
    }
}

pub use filmroom_review::accounts::link_path;
