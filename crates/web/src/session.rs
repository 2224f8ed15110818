//! Who is looking at a page: the session cookie resolved to a person, and the
//! checks every state change made with that cookie passes (CSRF).

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest,
    cookie::{Cookie, SameSite, time::OffsetDateTime},
    dev::Payload,
    web,
};
use filmroom_api::session::{SESSION_COOKIE, session_secret};
use filmroom_review::{Actor, Organisation, Person, Review, ReviewError, accounts::SignedIn};

use crate::error::PageError;

/// The signed-in person looking at a page.
pub struct Viewer {
    /// Who acts.
    pub actor: Actor,
    /// The session's CSRF token, put into forms and htmx requests.
    pub csrf: String,
    /// The person.
    pub me: Person,
    /// Their organisation.
    pub organisation: Organisation,
}

impl Viewer {
    /// The zone every time on this person's pages is shown in: their own,
    /// else the organisation's.
    pub fn timezone(&self) -> &str {
        self.me.zone(&self.organisation)
    }
}

fn review_of(req: &HttpRequest) -> Result<web::Data<Review>, PageError> {
    req.app_data::<web::Data<Review>>().cloned().ok_or_else(|| {
        PageError::from(ReviewError::Internal("the review service is not configured".into()))
    })
}

/// Whether htmx sent the request.
pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("HX-Request")
}

/// Whether the request is a page refreshing itself in the background
/// (`X-Filmroom-Poll`, sent by polling elements), not the person acting.
pub fn is_poll(req: &HttpRequest) -> bool {
    req.headers().contains_key("X-Filmroom-Poll")
}

/// Where to come back to after signing in: this page (or, for an htmx
/// request, the page it was made from).
fn return_path(req: &HttpRequest) -> String {
    let from_page = req
        .headers()
        .get("HX-Current-URL")
        .and_then(|v| v.to_str().ok())
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        });
    match from_page {
        Some(path) if is_htmx(req) => path,
        _ => req.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
    }
}

impl FromRequest for Viewer {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let review = review_of(req);
        let secret = session_secret(req);
        let sign_in = PageError::SignIn { next: return_path(req), htmx: is_htmx(req) };
        let activity = !is_poll(req);
        Box::pin(async move {
            let review = review?;
            let session =
                match review.accounts().authenticate_session(secret.as_deref(), activity).await {
                    Ok(session) => session,
                    Err(ReviewError::Unauthenticated(_)) => return Err(sign_in),
                    Err(e) => return Err(e.into()),
                };
            let (me, organisation) = review.directory().me(&session.actor).await?;
            Ok(Viewer { actor: session.actor, csrf: session.csrf_token, me, organisation })
        })
    }
}

impl Viewer {
    /// Whether the viewer coaches anyone (managers and admins).
    pub fn coaches(&self) -> bool {
        filmroom_review::person::can_manage(self.me.role)
    }
}

/// The cookie that starts a session.
pub fn session_cookie(signed_in: &SignedIn, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, signed_in.secret.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Ok(expires) = OffsetDateTime::from_unix_timestamp(signed_in.expires_at.timestamp()) {
        cookie.set_expires(expires);
    }
    cookie
}

/// The cookie that clears the session from the browser.
pub fn cleared_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}
