//! Email: the organisation's email log and resending (admins), emailed
//! invites, and each person's choice of which emails they get.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use filmroom_review::{
    Review,
    email::{self, Email},
    ids::{EmailId, UserId},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    error::ApiError,
    extract::{ApiJson, Authenticated},
    pagination::{ListQuery, encode},
};

/// One email in the log. Its text is never shown: an invite's holds a
/// sign-in link.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailBody {
    /// Id.
    pub id: Uuid,
    /// The recipient.
    pub user_id: Uuid,
    /// Their name.
    pub recipient_name: String,
    /// Their address.
    pub recipient_email: String,
    /// `invite`, `nomination_reminder`, `review_digest` or `one_on_one_tomorrow`.
    #[schema(example = "nomination_reminder")]
    pub kind: String,
    /// What it covers: an ISO week (reminder), a date (digest), a 1:1's id
    /// and planned start (`id@time`), or an id of its own (invite). One
    /// email per person, kind and period.
    #[schema(example = "2026-W49")]
    pub period: String,
    /// `queued`, `sending`, `retrying`, `sent`, `failed` (every attempt failed, or the
    /// mail server refused it for good) or `skipped` (nothing left to say,
    /// or the person turned the kind off).
    #[schema(example = "sent")]
    pub status: String,
    /// Sends tried.
    pub attempts: i32,
    /// Why the last send failed, or why it was skipped.
    pub last_error: Option<String>,
    /// The subject, once composed.
    pub subject: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Email> for EmailBody {
    fn from(e: Email) -> Self {
        Self {
            id: e.id.into(),
            user_id: e.user_id.into(),
            recipient_name: e.recipient_name,
            recipient_email: e.recipient_email,
            kind: email::kind_name(e.kind).to_owned(),
            period: e.period,
            status: email::status_name(e.status).to_owned(),
            attempts: e.attempts,
            last_error: e.last_error,
            subject: e.subject,
            created_at: e.created_at,
            updated_at: e.updated_at,
            sent_at: e.sent_at,
        }
    }
}

/// A page of the email log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailPage {
    /// The emails.
    pub items: Vec<EmailBody>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which emails to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EmailFilter {
    /// Only these statuses, comma-separated (`failed,retrying`).
    pub status: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The organisation's email log, newest first (admins only): what was sent,
/// what is being retried and why, what failed.
#[utoipa::path(
    tag = "email",
    security(("bearer" = [])),
    params(EmailFilter),
    responses((status = 200, description = "A page of emails", body = EmailPage))
)]
#[get("/v1/emails")]
pub async fn list_emails(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    filter: web::Query<EmailFilter>,
) -> Result<web::Json<EmailPage>, ApiError> {
    let request =
        ListQuery { limit: filter.limit, cursor: filter.cursor.clone() }.page_request()?;
    let statuses = filter
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|raw| {
            raw.split(',')
                .map(|name| {
                    email::status_named(name.trim()).ok_or_else(|| {
                        ApiError::InvalidQuery(format!(
                            "status {name:?} is not one of queued, sending, retrying, sent, failed, skipped"
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let page = review.emails().log(&actor, &statuses, request).await?;
    Ok(web::Json(EmailPage {
        items: page.items.into_iter().map(EmailBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }))
}

/// Sends a failed email again (admins only), composed afresh.
#[utoipa::path(
    tag = "email",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Email id")),
    responses((status = 202, description = "Queued", body = EmailBody))
)]
#[post("/v1/emails/{id}/retry")]
pub async fn retry_email(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<EmailId>,
) -> Result<HttpResponse, ApiError> {
    let queued = review.emails().retry(&actor, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(EmailBody::from(queued)))
}

/// Emails a person their sign-in link (admins only): an invite when they
/// have no password yet, a reset otherwise. The link is made when the email
/// goes out, so it is valid from then and earlier links stop working; the
/// link itself is never in a response. 409 `email_not_configured` when the
/// server has no SMTP server.
#[utoipa::path(
    tag = "email",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 202, description = "Queued", body = EmailBody))
)]
#[post("/v1/users/{id}/invite-email")]
pub async fn email_invite(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let queued = review.emails().send_invite(&actor, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(EmailBody::from(queued)))
}

/// Which emails the caller gets; every kind is on until turned off.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nomination_reminder": true,
    "review_digest": false,
    "one_on_one_tomorrow": true,
    "invite": true
}))]
pub struct EmailPreferences {
    /// The reminder the day before the nomination deadline while a slot is empty.
    pub nomination_reminder: Option<bool>,
    /// The weekday digest of shared calls waiting for your review.
    pub review_digest: Option<bool>,
    /// The notice the day before a 1:1, with its agenda and open items.
    pub one_on_one_tomorrow: Option<bool>,
    /// Sign-in links an admin emails you.
    pub invite: Option<bool>,
}

async fn preferences_of(
    review: &Review,
    actor: &filmroom_review::Actor,
) -> Result<EmailPreferences, ApiError> {
    let choices = review.emails().preferences(actor).await?;
    let on = |name: &str| {
        choices.iter().find(|(kind, _)| email::kind_name(*kind) == name).map(|(_, on)| *on)
    };
    Ok(EmailPreferences {
        nomination_reminder: on("nomination_reminder"),
        review_digest: on("review_digest"),
        one_on_one_tomorrow: on("one_on_one_tomorrow"),
        invite: on("invite"),
    })
}

/// The caller's email choices.
#[utoipa::path(
    tag = "email",
    security(("bearer" = [])),
    responses((status = 200, description = "Choices", body = EmailPreferences))
)]
#[get("/v1/me/email-preferences")]
pub async fn get_email_preferences(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
) -> Result<web::Json<EmailPreferences>, ApiError> {
    Ok(web::Json(preferences_of(&review, &actor).await?))
}

/// Turns kinds of email on (`true`) or off; kinds left out stay as they are.
#[utoipa::path(
    tag = "email",
    security(("bearer" = [])),
    request_body = EmailPreferences,
    responses((status = 200, description = "Choices now", body = EmailPreferences))
)]
#[patch("/v1/me/email-preferences")]
pub async fn update_email_preferences(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<EmailPreferences>,
) -> Result<web::Json<EmailPreferences>, ApiError> {
    let emails = review.emails();
    for (name, choice) in [
        ("nomination_reminder", body.nomination_reminder),
        ("review_digest", body.review_digest),
        ("one_on_one_tomorrow", body.one_on_one_tomorrow),
        ("invite", body.invite),
    ] {
        if let (Some(kind), Some(on)) = (email::kind_named(name), choice) {
            emails.set_preference(&actor, kind, on).await?;
        }
    }
    Ok(web::Json(preferences_of(&review, &actor).await?))
}
