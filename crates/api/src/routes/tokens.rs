//! API tokens: issued once with their secret, listed without it, revoked at once.

use actix_web::{HttpResponse, delete, get, post, web};
use filmroom_review::{
    LinkPurpose, Review,
    ids::{TokenId, UserId},
};

use crate::{
    error::ApiError,
    extract::{ApiJson, Authenticated},
    pagination::{ListQuery, encode},
    routes::body::{CreateTokenRequest, IssuedTokenBody, SignInLinkBody, TokenBody, TokenPage},
};

/// Issues a token for a user: admins for anyone active, anyone for themselves.
/// The secret is in this response only.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = CreateTokenRequest,
    responses((status = 201, description = "Issued", body = IssuedTokenBody))
)]
#[post("/v1/users/{id}/tokens")]
pub async fn create_token(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
    ApiJson(body): ApiJson<CreateTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let issued = review
        .directory()
        .issue_token(&actor, id.into_inner(), &body.name, body.password.as_deref())
        .await?;
    Ok(crate::idempotency::shown_once(
        HttpResponse::Created().json(IssuedTokenBody::from(issued)),
        &["secret"],
    ))
}

/// A user's tokens, without secrets: for admins and the user themselves.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id"), ListQuery),
    responses((status = 200, description = "A page of tokens", body = TokenPage))
)]
#[get("/v1/users/{id}/tokens")]
pub async fn list_tokens(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
    query: web::Query<ListQuery>,
) -> Result<web::Json<TokenPage>, ApiError> {
    let page = review.directory().tokens(&actor, id.into_inner(), query.page_request()?).await?;
    Ok(web::Json(TokenPage {
        items: page.items.into_iter().map(TokenBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }))
}

/// Revokes a token; it stops working at once. Revoking twice is harmless.
#[utoipa::path(
    tag = "tokens",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/v1/tokens/{id}")]
pub async fn revoke_token(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<TokenId>,
) -> Result<HttpResponse, ApiError> {
    review.directory().revoke_token(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a one-time link with which the person sets their password: an
/// invite when they have none yet (valid 7 days), a reset otherwise (valid 1
/// day). Admins only. Each new link retires the person's earlier ones; the
/// link is in this response only.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 201, description = "A link was made", body = SignInLinkBody))
)]
#[post("/v1/users/{id}/invite")]
pub async fn create_invite(
    req: actix_web::HttpRequest,
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let issued = review.accounts().issue_link(&actor, id.into_inner()).await?;
    let origin = crate::session::site(&req).link_base();
    let body = SignInLinkBody {
        user_id: issued.person.id.uuid(),
        purpose: match issued.purpose {
            LinkPurpose::Invite => "invite",
            LinkPurpose::Reset => "reset",
        }
        .to_owned(),
        url: Some(format!("{origin}{}", crate::session::link_path(&issued.secret))),
        secret_already_shown: false,
        expires_at: issued.expires_at,
    };
    Ok(crate::idempotency::shown_once(HttpResponse::Created().json(body), &["url"]))
}
