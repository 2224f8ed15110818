//! Signing in and out, and setting a password from a one-time link.

mod model;

use crate::{
    WebConfig,
    error::PageError,
    guards::Change,
    pages::{Button, local_path, page},
    session::{cleared_cookie, session_cookie},
    view,
};
use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use askama::Template;
use filmroom_api::session::{check_origin, session_secret};
use filmroom_review::{Review, ReviewError};
use serde::Deserialize;

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The sign-in form. A signed-in visitor goes straight on.
#[get("/login")]
pub async fn login_page(
    req: HttpRequest,
    review: web::Data<Review>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, PageError> {
    let next = local_path(query.next.as_deref());
    if review.accounts().authenticate_session(session_secret(&req).as_deref(), true).await.is_ok() {
        return Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, next)).finish());
    }
    let html = model::login_page(next, String::new(), None).render()?;
    Ok(page(html))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Who is signing in, for the per-address limit: the peer, or behind a
/// trusted proxy the client it forwarded (else every client would share the
/// proxy's address, and its limit).
fn client_address(req: &HttpRequest) -> String {
    let forwarded = filmroom_api::session::site(req)
        .trust_proxy
        .then(|| req.connection_info().realip_remote_addr().map(str::to_owned))
        .flatten()
        .and_then(|a| {
            a.parse::<std::net::IpAddr>()
                .ok()
                .or_else(|| a.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        });
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .map_or_else(|| "unknown".to_owned(), filmroom_review::accounts::client_key)
}

/// Cookies travel only over https when the public URL is https or this
/// server itself speaks TLS (headers a client sends do not decide it).
fn secure(req: &HttpRequest, config: &WebConfig) -> bool {
    config.secure_cookies() || req.app_config().secure()
}

fn user_agent(req: &HttpRequest) -> String {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Signs in; a wrong email or password says so without saying which, and
/// too many failures answer 429 with `Retry-After`.
#[post("/login")]
pub async fn login(
    req: HttpRequest,
    review: web::Data<Review>,
    config: web::Data<WebConfig>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &filmroom_api::session::site(&req))?;
    let form = form.into_inner();
    let next = local_path(form.next.as_deref());
    let attempt = review
        .accounts()
        .sign_in(&form.email, &form.password, &client_address(&req), &user_agent(&req))
        .await;
    match attempt {
        Ok(signed_in) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&signed_in, secure(&req, &config)))
            .insert_header((header::LOCATION, next))
            .insert_header(crate::no_store())
            .finish()),
        Err(error @ (ReviewError::SignInFailed | ReviewError::TooManySignIns { .. })) => {
            let mut response = match &error {
                ReviewError::TooManySignIns { retry_after_secs } => {
                    let mut r = HttpResponse::TooManyRequests();
                    r.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
                    r
                }
                _ => HttpResponse::Unauthorized(),
            };
            let message = match &error {
                ReviewError::SignInFailed => {
                    "That email and password do not match an account. Check both and try again."
                        .to_owned()
                }
                other => view::capitalised(&other.to_string()),
            };
            let html = model::login_page(next, form.email, Some(message)).render()?;
            response.insert_header(crate::no_store());
            Ok(crate::html(response, html))
        }
        Err(other) => Err(other.into()),
    }
}

/// Ends the session on the server and clears the cookie.
#[post("/logout")]
pub async fn logout(
    req: HttpRequest,
    review: web::Data<Review>,
    config: web::Data<WebConfig>,
    Change { viewer, .. }: Change<Button>,
) -> Result<HttpResponse, PageError> {
    review.accounts().sign_out(&viewer.actor).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(cleared_cookie(secure(&req, &config)))
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

async fn welcome_view(
    review: &Review,
    secret: &str,
    error: Option<String>,
) -> Result<model::WelcomePage, PageError> {
    Ok(model::welcome_page(review.accounts().link(secret).await?, error))
}

/// The page a one-time link opens: choose a password.
#[get("/welcome/{secret}")]
pub async fn welcome_page(
    review: web::Data<Review>,
    secret: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let html = welcome_view(&review, &secret, None).await?.render()?;
    Ok(page(html))
}

#[derive(Deserialize)]
struct WelcomeForm {
    password: String,
    confirm: String,
}

/// Sets the password, uses the link up and signs the person in.
#[post("/welcome/{secret}")]
pub async fn welcome(
    req: HttpRequest,
    review: web::Data<Review>,
    config: web::Data<WebConfig>,
    secret: web::Path<String>,
    form: web::Form<WelcomeForm>,
) -> Result<HttpResponse, PageError> {
    check_origin(&req, &filmroom_api::session::site(&req))?;
    let refuse = |message: String| async {
        let html = welcome_view(&review, &secret, Some(message)).await?.render()?;
        Ok::<_, PageError>(crate::html(HttpResponse::UnprocessableEntity(), html))
    };
    if form.password != form.confirm {
        return refuse("The two passwords are not the same; type them again.".to_owned()).await;
    }
    match review.accounts().use_link(&secret, &form.password, &user_agent(&req)).await {
        Ok(signed_in) => Ok(HttpResponse::SeeOther()
            .cookie(session_cookie(&signed_in, secure(&req, &config)))
            .insert_header((header::LOCATION, "/"))
            .finish()),
        Err(ReviewError::InvalidField { message, .. }) => {
            refuse(format!("Choose another password: {message}.")).await
        }
        Err(other) => Err(other.into()),
    }
}
