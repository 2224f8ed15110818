//! Email pages: the one-click unsubscribe link every email carries, and the
//! admin's email log with resending.

mod model;

use crate::{
    error::PageError,
    guards::{Admin, AdminChange},
    pages::{Button, page},
    session::Viewer,
};
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    PageRequest, Review,
    email::{self, Email},
    ids::{EmailId, UserId},
};
use serde::Deserialize;

async fn unsubscribe_page(review: &Review, secret: &str, done: bool) -> Result<String, PageError> {
    let found = if done {
        review.emails().unsubscribe(secret).await?
    } else {
        review.emails().unsubscription(secret).await?
    };
    Ok(model::unsubscribe_page(found).render()?)
}

/// The unsubscribe link's page: says what it turns off, and asks (link
/// checkers in mail systems open links; only a press turns email off).
#[get("/unsubscribe/{secret}")]
pub async fn unsubscribe_form(
    review: web::Data<Review>,
    secret: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    Ok(page(unsubscribe_page(&review, &secret, false).await?))
}

/// Turns the kind off: the page's button, or the mail client's one-click
/// POST (RFC 8058), which comes from no page of ours. The link's secret is
/// the proof, so no session or CSRF token is asked for.
#[post("/unsubscribe/{secret}")]
pub async fn unsubscribe(
    review: web::Data<Review>,
    secret: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    Ok(page(unsubscribe_page(&review, &secret, true).await?))
}

#[derive(Deserialize)]
pub struct LogQuery {
    status: Option<String>,
    /// The email just queued from a button, to say so (by id: the page
    /// names only a recipient from the organisation's own log).
    queued: Option<String>,
}

async fn log_page(
    review: &Review,
    viewer: &Viewer,
    filter: &str,
    queued: Option<&str>,
) -> Result<String, PageError> {
    let statuses: Vec<_> = match filter {
        "problems" => vec![email::EmailStatus::Failed, email::EmailStatus::Retrying],
        other => email::status_named(other).into_iter().collect(),
    };
    let log = review
        .emails()
        .log(&viewer.actor, &statuses, PageRequest { after: None, limit: 200 })
        .await?;
    let filter = if statuses.is_empty() { "" } else { filter };
    let enabled = review.emails().enabled();
    Ok(model::log_page(viewer, filter, log.items, queued, enabled).render()?)
}

/// The organisation's email log: the latest 200, or only the problems.
#[get("/admin/email")]
pub async fn email_log(
    review: web::Data<Review>,
    Admin(viewer): Admin,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, PageError> {
    let filter = query.status.as_deref().unwrap_or("");
    Ok(page(log_page(&review, &viewer, filter, query.queued.as_deref()).await?))
}

/// After a button queued an email: back to the log, by GET, so reloading
/// the page does not queue another.
fn queued(email: &Email) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/admin/email?queued={}", email.id),
        ))
        .finish()
}

/// Sends a failed email again.
#[post("/admin/email/{id}/retry")]
pub async fn retry(
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<EmailId>,
) -> Result<HttpResponse, PageError> {
    let again = review.emails().retry(&viewer.actor, *id).await?;
    Ok(queued(&again))
}

/// Emails a person their sign-in link, then goes to the log.
#[post("/admin/people/{id}/email-link")]
pub async fn email_link(
    review: web::Data<Review>,
    AdminChange { viewer, .. }: AdminChange<Button>,
    id: web::Path<UserId>,
) -> Result<HttpResponse, PageError> {
    let invite = review.emails().send_invite(&viewer.actor, *id).await?;
    Ok(queued(&invite))
}
