//! filmroom's HTTP API.
//!
//! Routing, authentication, body parsing, problem+json errors, request ids,
//! Prometheus metrics and the OpenAPI document. Handlers hold no business
//! rule: each parses its input, authenticates the caller and calls one
//! `filmroom_review::Review` method.

pub mod error;
pub mod extract;
pub mod idempotency;
mod openapi;
pub mod pagination;
mod read_cache_metrics;
pub mod request_id;
pub mod routes;
pub mod session;

use std::net::TcpListener;

use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer,
    dev::{ResourceDef, Server},
    middleware::from_fn,
    web,
};
use actix_web_prom::PrometheusMetricsBuilder;
use filmroom_review::Review;
use utoipa_actix_web::AppExt;

use crate::error::ApiError;
pub use crate::openapi::{OpenApiDocument, openapi};

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// Largest JSON request body accepted, in bytes (default 64 KiB).
    pub max_json_bytes: usize,
    /// Largest recording accepted, in bytes (default 2 GiB).
    pub max_upload_bytes: u64,
    /// The URL clients reach this server at (`https://filmroom.example.com`),
    /// when a proxy in front changes it; dialers sign callbacks with it.
    pub public_url: Option<String>,
    /// `http://` and the listen address, for links when there is no public URL.
    pub listen_url: Option<String>,
    /// Whether a proxy in front is trusted for `X-Forwarded-*`.
    pub trust_proxy: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            max_json_bytes: 64 * 1024,
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            public_url: None,
            listen_url: None,
            trust_proxy: false,
        }
    }
}

/// Registers every endpoint; the OpenAPI document is collected from the same calls.
fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    use routes::{
        calls, comments, emails, integrations, one_on_ones, ops, people, reviews, search, speech,
        tokens, transcripts, webhooks,
    };
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::openapi_json)
        .service(people::me)
        .service(people::update_me)
        .service(people::create_user)
        .service(people::list_users)
        .service(people::get_user)
        .service(people::update_user)
        .service(tokens::create_token)
        .service(tokens::list_tokens)
        .service(tokens::revoke_token)
        .service(tokens::create_invite)
        .service(emails::email_invite)
        .service(emails::list_emails)
        .service(emails::retry_email)
        .service(emails::get_email_preferences)
        .service(emails::update_email_preferences)
        .service(calls::create_call)
        .service(calls::list_calls)
        .service(calls::get_call)
        .service(calls::update_call)
        .service(calls::delete_call)
        .service(calls::upload_audio)
        .service(calls::get_audio)
        .service(calls::get_peaks)
        .service(speech::get_speech)
        .service(speech::get_metrics)
        .service(comments::list_comments)
        .service(comments::create_comment)
        .service(comments::update_comment)
        .service(comments::delete_comment)
        .service(reviews::get_organisation)
        .service(reviews::update_organisation)
        .service(reviews::get_week)
        .service(reviews::nominate)
        .service(reviews::move_review)
        .service(reviews::put_scores)
        .service(reviews::get_rubric)
        .service(reviews::put_rubric)
        .service(reviews::progress)
        .service(reviews::team_board)
        .service(reviews::events)
        .service(one_on_ones::create_series)
        .service(one_on_ones::update_series)
        .service(one_on_ones::list_one_on_ones)
        .service(one_on_ones::get_one_on_one)
        .service(one_on_ones::update_one_on_one)
        .service(one_on_ones::create_clip)
        .service(one_on_ones::update_clip)
        .service(one_on_ones::delete_clip)
        .service(one_on_ones::create_action_item)
        .service(one_on_ones::update_action_item)
        .service(one_on_ones::hold_one_on_one)
        .service(one_on_ones::follow_through)
        .service(one_on_ones::create_focus)
        .service(one_on_ones::get_focus)
        .service(one_on_ones::update_focus)
        .service(one_on_ones::reel)
        .service(transcripts::put_transcript)
        .service(transcripts::get_transcript)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_deliveries)
        .service(webhooks::redeliver)
        .service(integrations::create_integration_token)
        .service(integrations::list_integration_tokens)
        .service(integrations::update_integration_token)
        .service(integrations::revoke_integration_token)
        .service(integrations::push_call)
        .service(integrations::list_pushed_calls)
        .service(integrations::get_pushed_call)
        .service(integrations::twilio_recording_status)
        .service(search::search);
}

/// Builds the HTTP server on an already bound listener, with the API's routes
/// and whatever `pages` registers beside them (the web app). It stops
/// gracefully on SIGTERM or SIGINT, letting requests in flight finish.
pub fn server(
    review: Review,
    config: ApiConfig,
    listener: TcpListener,
    pages: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
) -> std::io::Result<Server> {
    let document = web::Data::new(OpenApiDocument::new(openapi()).map_err(std::io::Error::other)?);
    let metrics = PrometheusMetricsBuilder::new("filmroom")
        .endpoint("/metrics")
        .mask_unmatched_patterns("UNMATCHED")
        .build()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    metrics
        .registry
        .register(Box::new(
            read_cache_metrics::ReadCacheCollector::new(review.clone())
                .map_err(std::io::Error::other)?,
        ))
        .map_err(std::io::Error::other)?;
    let review = web::Data::new(review);
    let site = web::Data::new(session::Site {
        public_url: config.public_url.clone(),
        listen_url: config.listen_url.clone(),
        trust_proxy: config.trust_proxy,
    });
    let config = web::Data::new(config);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(review.clone())
            .app_data(config.clone())
            .app_data(site.clone())
            .app_data(document.clone())
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                let message = e.to_string();
                let message = message.strip_prefix("Query deserialize error: ").unwrap_or(&message);
                ApiError::InvalidQuery(format!("query string: {message}")).into()
            }))
            .app_data(web::PathConfig::default().error_handler(|e, req| {
                // A browser at a page address with a malformed id is at no
                // page: it gets the page that says so, not the API's JSON.
                if is_page_visit(req) {
                    return actix_web::error::InternalError::from_response(e, page_not_found())
                        .into();
                }
                ApiError::InvalidPath(format!(
                    "`{}` is malformed: ids are UUIDs like 0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e, \
                     slots are `went_well` or `struggled`",
                    req.path()
                ))
                .into()
            }))
            .wrap(from_fn(extract::query_guard))
            .wrap(from_fn(idempotency::middleware))
            // No response is ever to be sniffed into another type (an uploaded
            // file into a page).
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    // API responses are data, never a document to render or
                    // frame; pages set their own policy.
                    .add((
                        actix_web::http::header::CONTENT_SECURITY_POLICY,
                        "default-src 'none'; frame-ancestors 'none'",
                    ))
                    .add((actix_web::http::header::REFERRER_POLICY, "same-origin")),
            )
            .wrap(metrics.clone())
            .wrap(from_fn(request_id::middleware))
            .into_utoipa_app()
            .configure(routes)
            .into_app()
            .configure(pages.clone())
            .default_service(web::to(fallback))
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run();
    Ok(server)
}

/// No route matched: 405 with `Allow` when the path exists with other methods, 404 otherwise.
/// What a browser gets for an address that is no page: words and a way home,
/// not the API's JSON.
const PAGE_NOT_FOUND: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>Not found · filmroom</title></head><body><main><h1>Not found</h1>\
<p>There is no page at this address.</p><p><a href=\"/\">Go to filmroom's home page</a></p>\
</main></body></html>";

/// Whether a browser is visiting a page (a GET that accepts HTML, outside
/// `/v1/`), which is answered in words rather than JSON.
fn is_page_visit(req: &actix_web::HttpRequest) -> bool {
    let wants_page = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    wants_page && req.method() == actix_web::http::Method::GET && !req.path().starts_with("/v1/")
}

fn page_not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type("text/html; charset=utf-8").body(PAGE_NOT_FOUND)
}

async fn fallback(
    req: HttpRequest,
    document: web::Data<OpenApiDocument>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path().to_owned();
    let method = req.method().to_string();
    if is_page_visit(&req) {
        return Ok(page_not_found());
    }
    let allowed: Vec<&str> = document
        .methods_by_path
        .iter()
        .filter(|(template, _)| ResourceDef::new(template.as_str()).is_match(&path))
        .flat_map(|(_, methods)| methods.iter().map(String::as_str))
        .collect();
    Err(if allowed.is_empty() {
        ApiError::RouteNotFound { method, path }
    } else {
        ApiError::MethodNotAllowed { method, path, allowed: allowed.join(", ") }
    })
}
