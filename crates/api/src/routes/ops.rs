//! Operational endpoints: liveness, readiness, the OpenAPI document.
//! `/metrics` is served by the Prometheus middleware.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use filmroom_review::Review;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// How long a readiness probe waits for each dependency.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The state of the service.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when healthy.
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up and answering.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<Health> {
    web::Json(Health { status: "ok".into() })
}

/// The database and the blob store both answer; 503 names the one that does not.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "A dependency is down", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(review: web::Data<Review>) -> Result<web::Json<Health>, ApiError> {
    let database = tokio::time::timeout(PROBE_TIMEOUT, review.check_database()).await;
    let storage = tokio::time::timeout(PROBE_TIMEOUT, review.check_storage()).await;
    let mut down = Vec::new();
    for (name, outcome) in [("database", database), ("storage", storage)] {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(dependency = name, error = ?e, "readiness check failed");
                down.push(format!("{name} is unreachable"));
            }
            Err(_) => {
                down.push(format!("{name} did not answer within {}s", PROBE_TIMEOUT.as_secs()))
            }
        }
    }
    if down.is_empty() {
        Ok(web::Json(Health { status: "ok".into() }))
    } else {
        Err(ApiError::NotReady(down.join("; ")))
    }
}

/// An OpenAPI 3.1 document (see <https://spec.openapis.org/oas/v3.1.0>).
#[derive(Debug, ToSchema)]
#[schema(value_type = Object)]
#[allow(dead_code)]
pub struct OpenApiText(serde_json::Value);

/// The OpenAPI document this server implements (the same as `openapi.yaml`).
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3.1 document", body = OpenApiText)))]
#[get("/openapi.json")]
pub async fn openapi_json(document: web::Data<crate::OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(document.json.clone())
}
