//! The caller and the people of their organisation.

use actix_web::{HttpResponse, get, patch, post, web};
use filmroom_review::{NewUser, Review, UserChanges, ids::UserId};

use crate::{
    error::{ApiError, Problem},
    extract::{ApiJson, Authenticated},
    pagination::{ListQuery, encode},
    routes::body::{
        CreateUserRequest, MeBody, UpdateMeRequest, UpdateUserRequest, UserBody, UserPage,
    },
};

/// The caller and their organisation.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = MeBody))
)]
#[get("/v1/me")]
pub async fn me(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
) -> Result<web::Json<MeBody>, ApiError> {
    let (user, organisation) = review.directory().me(&actor).await?;
    Ok(web::Json(MeBody { user: user.into(), organisation: organisation.into() }))
}

/// Changes the caller's own settings: their time zone.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses(
        (status = 200, description = "The caller, changed", body = MeBody),
        (status = 422, description = "Not an IANA time zone", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/me")]
pub async fn update_me(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<UpdateMeRequest>,
) -> Result<web::Json<MeBody>, ApiError> {
    if let Some(timezone) = body.timezone {
        review.directory().set_own_timezone(&actor, timezone.as_deref()).await?;
    }
    let (user, organisation) = review.directory().me(&actor).await?;
    Ok(web::Json(MeBody { user: user.into(), organisation: organisation.into() }))
}

/// Adds a user to the organisation (admins only).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = UserBody),
        (status = 409, description = "Email or external id already used", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users")]
pub async fn create_user(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let person = review
        .directory()
        .create_user(
            &actor,
            NewUser {
                email: body.email,
                name: body.name,
                role: body.role.into(),
                manager_id: body.manager_id.map(Into::into),
                external_ids: body.external_ids,
            },
        )
        .await?;
    let location = format!("/v1/users/{}", person.id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(UserBody::from(person)))
}

/// The users the caller can see: everyone for an admin, a manager and everyone
/// below them, a rep themselves.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of users", body = UserPage))
)]
#[get("/v1/users")]
pub async fn list_users(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<web::Json<UserPage>, ApiError> {
    let page = review.directory().users(&actor, query.page_request()?).await?;
    Ok(web::Json(UserPage {
        items: page.items.into_iter().map(UserBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }))
}

/// One user the caller can see.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserBody))
)]
#[get("/v1/users/{id}")]
pub async fn get_user(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
) -> Result<web::Json<UserBody>, ApiError> {
    let person = review.directory().user(&actor, id.into_inner()).await?;
    Ok(web::Json(person.into()))
}

/// Changes a user (admins only): details, role, manager, activation.
/// Deactivating a user stops their tokens at once.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The changed user", body = UserBody),
        (status = 409, description = "Email taken, management cycle, last admin, or reports still assigned", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/users/{id}")]
pub async fn update_user(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<UserId>,
    ApiJson(body): ApiJson<UpdateUserRequest>,
) -> Result<web::Json<UserBody>, ApiError> {
    let changes = UserChanges {
        email: body.email,
        name: body.name,
        role: body.role.map(Into::into),
        manager_id: body.manager_id.map(|manager| manager.map(Into::into)),
        external_ids: body.external_ids,
        active: body.active,
    };
    let person = review.directory().update_user(&actor, id.into_inner(), changes).await?;
    Ok(web::Json(person.into()))
}
