//! The account page: password, the browsers signed in, personal API tokens.

mod model;

use crate::{
    error::PageError,
    guards::Change,
    pages::{Button, page},
    session::Viewer,
};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use filmroom_review::{
    PageRequest, Review, ReviewError, email,
    ids::{SessionId, TokenId},
};
use serde::Deserialize;

/// The account page, after `message`, or with `error` beside the form that
/// failed, or with a new token's secret shown once.
async fn render(
    review: &Review,
    viewer: &Viewer,
    message: Option<String>,
    error: Option<String>,
    new_token: Option<(String, String)>,
) -> Result<String, PageError> {
    let facts = model::AccountFacts {
        sessions: review.accounts().sessions(&viewer.actor).await?,
        tokens: review
            .directory()
            .tokens(&viewer.actor, viewer.me.id, PageRequest { after: None, limit: 100 })
            .await?
            .items,
        emails: review.emails().preferences(&viewer.actor).await?,
        email_enabled: review.emails().enabled(),
    };
    Ok(model::account_page(viewer, facts, message, error, new_token).render()?)
}

/// The account page.
#[get("/account")]
pub async fn account(review: web::Data<Review>, viewer: Viewer) -> Result<HttpResponse, PageError> {
    Ok(page(render(&review, &viewer, None, None, None).await?))
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm: String,
    /// Present (checked, as it is by default) to revoke every personal token.
    revoke_tokens: Option<String>,
}

/// Changes the password; the viewer's other sessions end.
#[post("/account/password")]
pub async fn change_password(
    review: web::Data<Review>,
    Change { viewer, form }: Change<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    if form.new_password != form.confirm {
        let html = render(
            &review,
            &viewer,
            None,
            Some("The two new passwords are not the same.".into()),
            None,
        )
        .await?;
        return Ok(crate::html(HttpResponse::UnprocessableEntity(), html));
    }
    match review
        .accounts()
        .change_password(&viewer.actor, &form.current_password, &form.new_password)
        .await
    {
        Ok(()) => {
            let mut message =
                "Your password is changed. Your other browsers are signed out.".to_owned();
            if form.revoke_tokens.is_some() {
                let revoked = review.directory().revoke_own_tokens(&viewer.actor).await?;
                message.push_str(&match revoked {
                    0 => " You had no API tokens to revoke.".to_owned(),
                    1 => " Your API token is revoked.".to_owned(),
                    n => format!(" Your {n} API tokens are revoked."),
                });
            }
            Ok(page(render(&review, &viewer, Some(message), None, None).await?))
        }
        Err(ReviewError::InvalidField { message, .. }) => {
            let html = render(
                &review,
                &viewer,
                None,
                Some(format!("Password not changed: {message}.")),
                None,
            )
            .await?;
            Ok(crate::html(HttpResponse::UnprocessableEntity(), html))
        }
        Err(other) => Err(other.into()),
    }
}

/// Signs one of the viewer's browsers out.
#[post("/account/sessions/{id}/end")]
pub async fn end_session(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, .. }: Change<Button>,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, PageError> {
    review.accounts().end_session(&viewer.actor, *id).await?;
    Ok(crate::pages::changed(&req, "/account"))
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    password: String,
}

/// Issues a personal API token and shows its secret once.
#[post("/account/tokens")]
pub async fn issue_token(
    review: web::Data<Review>,
    Change { viewer, form }: Change<TokenForm>,
) -> Result<HttpResponse, PageError> {
    // A token outlives the session, so making one asks for the password.
    let issued = review
        .directory()
        .issue_token(&viewer.actor, viewer.me.id, &form.name, Some(&form.password))
        .await;
    match issued {
        Ok(issued) => {
            let html =
                render(&review, &viewer, None, None, Some((issued.info.name, issued.secret)))
                    .await?;
            Ok(page(html))
        }
        Err(ReviewError::InvalidField { message, .. }) => {
            let html =
                render(&review, &viewer, None, Some(format!("No token made: {message}.")), None)
                    .await?;
            Ok(crate::html(HttpResponse::UnprocessableEntity(), html))
        }
        Err(other) => Err(other.into()),
    }
}

/// Revokes one of the viewer's tokens.
#[post("/account/tokens/{id}/revoke")]
pub async fn revoke_token(
    req: HttpRequest,
    review: web::Data<Review>,
    Change { viewer, .. }: Change<Button>,
    id: web::Path<TokenId>,
) -> Result<HttpResponse, PageError> {
    review.directory().revoke_token(&viewer.actor, *id).await?;
    Ok(crate::pages::changed(&req, "/account"))
}

/// Saves which emails the person gets: the form has a checkbox per kind,
/// named as the kind, present when checked.
#[post("/account/email")]
pub async fn save_email_choices(
    review: web::Data<Review>,
    Change { viewer, form }: Change<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let emails = review.emails();
    for kind in email::KINDS {
        let checked = form.contains_key(email::kind_name(kind));
        emails.set_preference(&viewer.actor, kind, checked).await?;
    }
    let message = Some("Your email choices are saved.".to_owned());
    Ok(page(render(&review, &viewer, message, None, None).await?))
}

#[derive(serde::Deserialize)]
struct ZoneForm {
    timezone: String,
}

/// Sets the person's own time zone, or back to the organisation's (empty).
#[post("/account/timezone")]
pub async fn save_timezone(
    review: web::Data<Review>,
    Change { viewer, form }: Change<ZoneForm>,
) -> Result<HttpResponse, PageError> {
    let zone = Some(form.timezone.as_str()).filter(|z| !z.trim().is_empty());
    let me = review.directory().set_own_timezone(&viewer.actor, zone).await?;
    let said = match me.timezone.as_deref() {
        Some(zone) => format!("Times are now shown in {zone}."),
        None => {
            format!("Times now follow your organisation's zone, {}.", viewer.organisation.timezone)
        }
    };
    // The page is drawn for the person as they are now.
    let viewer = crate::session::Viewer { me, ..viewer };
    Ok(page(render(&review, &viewer, Some(said), None, None).await?))
}
