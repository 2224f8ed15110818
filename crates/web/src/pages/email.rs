//! Email pages: the one-click unsubscribe link every email carries, and the
//! admin's email log with resending.

use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    PageRequest, Review,
    email::{self, Email},
    ids::{EmailId, UserId},
};
use serde::Deserialize;

use crate::{
    error::PageError,
    guards::{Admin, AdminChange},
    pages::{Button, Layout, page},
    session::Viewer,
    view,
};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    email: String,
    description: &'static str,
    off: bool,
}

async fn unsubscribe_page(review: &Review, secret: &str, done: bool) -> Result<String, PageError> {
    let found = if done {
        review.emails().unsubscribe(secret).await?
    } else {
        review.emails().unsubscription(secret).await?
    };
    Ok(UnsubscribePage {
        layout: Layout::public("Email", "unsubscribe"),
        email: found.person.email,
        description: email::kind_description(found.kind),
        off: found.off,
    }
    .render()?)
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

pub struct EmailRow {
    id: String,
    to: String,
    kind: &'static str,
    period: String,
    subject: String,
    status: &'static str,
    attempts: i32,
    last_error: String,
    when_iso: String,
    when_text: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "admin_email.html")]
struct EmailLogPage {
    layout: Layout,
    csrf: String,
    enabled: bool,
    filter: String,
    rows: Vec<EmailRow>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LogQuery {
    status: Option<String>,
    /// The email just queued from a button, to say so (by id: the page
    /// names only a recipient from the organisation's own log).
    queued: Option<String>,
}

fn row(e: Email, timezone: &str) -> EmailRow {
    let at = e.sent_at.unwrap_or(e.updated_at);
    EmailRow {
        id: e.id.to_string(),
        to: format!("{} <{}>", e.recipient_name, e.recipient_email),
        kind: match e.kind {
            email::EmailKind::Invite => "Sign-in link",
            email::EmailKind::NominationReminder => "Pick-your-calls reminder",
            email::EmailKind::ReviewDigest => "Reviews waiting",
            email::EmailKind::OneOnOneTomorrow => "1:1 tomorrow",
        },
        // An invite's or a 1:1's period is an id, which says nothing here.
        period: match e.kind {
            email::EmailKind::NominationReminder | email::EmailKind::ReviewDigest => e.period,
            email::EmailKind::Invite | email::EmailKind::OneOnOneTomorrow => String::new(),
        },
        subject: e.subject.unwrap_or_default(),
        status: email::status_name(e.status),
        attempts: e.attempts,
        last_error: e.last_error.unwrap_or_default(),
        when_iso: view::iso(at),
        when_text: view::when(at, timezone),
        failed: e.status == email::EmailStatus::Failed,
    }
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
    let notice = queued.and_then(|id| log.items.iter().find(|e| e.id.to_string() == id)).map(|e| {
        format!(
            "An email to {} is queued; this log says when the mail server took it.",
            e.recipient_email
        )
    });
    Ok(EmailLogPage {
        layout: Layout::new("Email", "admin", viewer),
        csrf: viewer.csrf.clone(),
        enabled: review.emails().enabled(),
        filter: if statuses.is_empty() { String::new() } else { filter.to_owned() },
        rows: log.items.into_iter().map(|e| row(e, &viewer.organisation.timezone)).collect(),
        notice,
    }
    .render()?)
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
