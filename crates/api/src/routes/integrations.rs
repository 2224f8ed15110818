//! Dialer integrations: integration tokens (admins), calls pushed by dialers,
//! and the Twilio-compatible recording status callback.

use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use filmroom_review::ids::IntegrationTokenId;
use filmroom_review::{
    Call, IntegrationToken, Review,
    ids::CallId,
    integrations::{
        CallbackOutcome, IntegrationTokenChanges, NewIntegrationToken, PushedCall,
        RecordingCallback, RecordingSource, RepReference,
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    ApiConfig,
    error::{ApiError, Problem},
    extract::{
        ApiJson, Authenticated, IntegrationAuthenticated, is_multipart, metadata_then_audio,
        read_limited,
    },
    pagination::{ListQuery, encode},
    routes::calls::{CallBody, Counterpart, DirectionBody, created, pump},
};

/// A new integration token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Twilio production",
    "source": "twilio",
    "signing_secret": "0123456789abcdef0123456789abcdef",
    "account_sid": "AC00000000000000000000000000000000",
    "rep_channel": 1
}))]
pub struct CreateIntegrationTokenRequest {
    /// A label for people.
    #[schema(example = "Twilio production")]
    pub name: String,
    /// The dialer: 1-32 characters of `a-z0-9_-`. Pushed calls carry it, and
    /// reps are found under it in users' `external_ids`.
    #[schema(example = "twilio")]
    pub source: String,
    /// The dialer's signing key (Twilio's auth token), needed for the
    /// recording status callback. Stored, never shown again.
    pub signing_secret: Option<String>,
    /// The dialer account id (Twilio's AccountSid). Callbacks from other
    /// accounts are refused, and recording downloads use it with
    /// `signing_secret` as HTTP basic auth.
    #[schema(example = "AC00000000000000000000000000000000")]
    pub account_sid: Option<String>,
    /// Which channel of a two-channel recording is the rep: 1 or 2 (default 1).
    #[schema(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// Changes to an integration token; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signing_secret": "fedcba9876543210fedcba9876543210"}))]
pub struct UpdateIntegrationTokenRequest {
    /// A new label.
    pub name: Option<String>,
    /// The dialer's new signing key (a rotated Twilio auth token); an empty
    /// string removes it. Never shown again.
    pub signing_secret: Option<String>,
    /// The dialer account id; an empty string removes it.
    pub account_sid: Option<String>,
    /// Which channel of a two-channel recording is the rep: 1 or 2.
    #[schema(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// An integration token, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationTokenBody {
    /// Id; also the `integration_id` of callback URLs.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// The dialer.
    pub source: String,
    /// The first characters of the secret.
    pub prefix: String,
    /// The dialer account id, when set.
    pub account_sid: Option<String>,
    /// Whether a signing secret is stored (for callbacks).
    pub has_signing_secret: bool,
    /// Which channel of a two-channel recording is the rep.
    pub rep_channel: i32,
    /// Who created it.
    pub created_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use, to the minute.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Set once revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<IntegrationToken> for IntegrationTokenBody {
    fn from(t: IntegrationToken) -> Self {
        Self {
            id: t.id.into(),
            name: t.name,
            source: t.source,
            prefix: t.prefix,
            account_sid: t.account_sid,
            has_signing_secret: t.has_signing_secret,
            rep_channel: t.rep_channel,
            created_by: t.created_by.into(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A new integration token with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedIntegrationTokenBody {
    /// The token.
    pub token: IntegrationTokenBody,
    /// Send as `Authorization: Bearer <secret>` to the integration endpoints.
    /// `null` in an `Idempotency-Key` replay: the secret is never stored.
    #[schema(example = "fri_3q2-7wYl0cQH6cTt4q2mKJd0Xb1mA8yWQf5Lr9sZpVc")]
    pub secret: Option<String>,
    /// `true` in an `Idempotency-Key` replay, whose `secret` is `null`.
    pub secret_already_shown: bool,
}

/// Integration tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationTokenPage {
    /// In creation order.
    pub items: Vec<IntegrationTokenBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The rep, as the dialer knows them. At least one of the two.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepBody {
    /// The rep's user id in the dialer, matched against `external_ids[source]`.
    #[schema(example = "client:ada")]
    pub external_id: Option<String>,
    /// The rep's email, matched when no external id matches.
    #[schema(example = "ada@example.com")]
    pub email: Option<String>,
}

/// A call pushed by a dialer: as JSON with a `recording_url` the worker
/// fetches, or as the `metadata` part of a multipart body followed by `audio`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rep": {"external_id": "client:ada"},
    "external_ref": "CA5f0c1d2e3b4a59687766554433221100",
    "recording_url": "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1.wav",
    "occurred_at": "2026-11-23T14:05:00Z",
    "direction": "outbound",
    "counterpart": {"name": "Grace Hopper", "company": "Navy"}
}))]
pub struct PushCallRequest {
    /// Whose call.
    pub rep: RepBody,
    /// The call's id in the dialer; pushing it again returns the existing call (200).
    pub external_ref: String,
    /// Where the worker downloads the recording (HTTP or HTTPS, public
    /// addresses only). Leave out when sending the audio as multipart.
    pub recording_url: Option<String>,
    /// Title (default "<source> call on <date>").
    pub title: Option<String>,
    /// When it took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<DirectionBody>,
    /// The customer.
    pub counterpart: Option<Counterpart>,
    /// Which channel of a two-channel recording is the rep (default: the token's).
    #[schema(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// A multipart push: `metadata` (a `PushCallRequest` without `recording_url`), then `audio`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PushCallUpload {
    /// JSON of a `PushCallRequest`.
    #[schema(value_type = String, content_media_type = "application/json")]
    metadata: String,
    /// The recording.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    audio: Vec<u8>,
}

/// Calls of the integration's source.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushedCallPage {
    /// In creation order.
    pub items: Vec<CallBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of the pushed-call list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PushedCallQuery {
    /// Only the call with this external reference.
    pub external_ref: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Where a recording callback comes from and whose call it is. Put these in
/// the callback URL you configure in the dialer.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordingCallbackQuery {
    /// The integration token's id.
    pub integration_id: Uuid,
    /// The rep's user id in the dialer.
    pub rep: Option<String>,
    /// The rep's email.
    pub rep_email: Option<String>,
    /// Which channel of a two-channel recording is the rep (default: the token's).
    #[param(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// Twilio's `RecordingStatusCallback` form (Telnyx and SignalWire send the same).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "PascalCase")]
#[allow(dead_code)]
pub struct RecordingStatusForm {
    /// The account.
    #[schema(example = "AC00000000000000000000000000000000")]
    account_sid: Option<String>,
    /// The recording's id; it becomes the call's `external_ref`.
    #[schema(example = "RE00000000000000000000000000000000")]
    recording_sid: String,
    /// Where the recording is; `.wav` is appended to download it.
    recording_url: String,
    /// `completed` stores the call; anything else is acknowledged and ignored.
    #[schema(example = "completed")]
    recording_status: String,
    /// Seconds.
    recording_duration: Option<String>,
    /// 1 or 2.
    recording_channels: Option<String>,
    /// The call's id.
    call_sid: Option<String>,
}

/// What a recording callback did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingCallbackBody {
    /// `stored` (a call was created or already existed) or `ignored`.
    pub outcome: String,
    /// The recording status received.
    pub recording_status: String,
    /// The call, when stored.
    pub call: Option<CallBody>,
}

fn caller_page(page: filmroom_review::Page<Call>) -> PushedCallPage {
    PushedCallPage {
        items: page.items.into_iter().map(CallBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }
}

/// Creates an integration token for a dialer (admins). The secret is in this
/// response only.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    request_body = CreateIntegrationTokenRequest,
    responses((status = 201, description = "Created", body = IssuedIntegrationTokenBody))
)]
#[post("/v1/integration-tokens")]
pub async fn create_integration_token(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    ApiJson(body): ApiJson<CreateIntegrationTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let issued = review
        .integrations()
        .create_integration_token(
            &actor,
            NewIntegrationToken {
                name: body.name,
                source: body.source,
                signing_secret: body.signing_secret,
                account_sid: body.account_sid,
                rep_channel: body.rep_channel,
            },
        )
        .await?;
    let body = IssuedIntegrationTokenBody {
        token: issued.token.into(),
        secret: Some(issued.secret),
        secret_already_shown: false,
    };
    Ok(crate::idempotency::shown_once(HttpResponse::Created().json(body), &["secret"]))
}

/// The organisation's integration tokens, without secrets (admins).
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of integration tokens", body = IntegrationTokenPage))
)]
#[get("/v1/integration-tokens")]
pub async fn list_integration_tokens(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<web::Json<IntegrationTokenPage>, ApiError> {
    let page = review.integrations().integration_tokens(&actor, query.page_request()?).await?;
    Ok(web::Json(IntegrationTokenPage {
        items: page.items.into_iter().map(IntegrationTokenBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }))
}

/// Changes an integration token (admins): rotate the dialer's signing key
/// or change the label, account or rep channel; the token and the callback
/// URLs that name it stay the same.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Integration token id")),
    request_body = UpdateIntegrationTokenRequest,
    responses((status = 200, description = "Changed", body = IntegrationTokenBody))
)]
#[patch("/v1/integration-tokens/{id}")]
pub async fn update_integration_token(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<IntegrationTokenId>,
    ApiJson(body): ApiJson<UpdateIntegrationTokenRequest>,
) -> Result<web::Json<IntegrationTokenBody>, ApiError> {
    let token = review
        .integrations()
        .update_integration_token(
            &actor,
            id.into_inner(),
            IntegrationTokenChanges {
                name: body.name,
                signing_secret: body.signing_secret,
                account_sid: body.account_sid,
                rep_channel: body.rep_channel,
            },
        )
        .await?;
    Ok(web::Json(token.into()))
}

/// Revokes an integration token at once (admins). Revoking twice is harmless.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Integration token id")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/v1/integration-tokens/{id}")]
pub async fn revoke_integration_token(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<IntegrationTokenId>,
) -> Result<HttpResponse, ApiError> {
    review.integrations().revoke_integration_token(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn pushed_call(body: PushCallRequest, recording: RecordingSource) -> PushedCall {
    let counterpart = body.counterpart.unwrap_or_default();
    PushedCall {
        rep: RepReference { external_id: body.rep.external_id, email: body.rep.email },
        external_ref: body.external_ref,
        details: filmroom_review::CallDetails {
            title: body.title,
            occurred_at: body.occurred_at,
            direction: body.direction.map(Into::into),
            counterpart_name: counterpart.name,
            counterpart_company: counterpart.company,
            rep_channel: None,
        },
        rep_channel: body.rep_channel,
        recording,
    }
}

fn pushed(call: Call, was_created: bool) -> HttpResponse {
    created(call, was_created, "/v1/integrations/calls")
}

/// Pushes a call (integration token): JSON with a `recording_url` that the
/// worker downloads at once, or multipart with `metadata` then `audio`. The
/// same `external_ref` again returns the existing call with 200.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    request_body(content(
        (PushCallRequest = "application/json"),
        (PushCallUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Created; with a recording_url its status is `uploading` until the download is stored", body = CallBody),
        (status = 200, description = "This source pushed this external_ref before", body = CallBody),
        (status = 413, description = "The recording is over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The recording is not audio filmroom accepts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/integrations/calls")]
pub async fn push_call(
    req: HttpRequest,
    payload: web::Payload,
    review: web::Data<Review>,
    config: web::Data<ApiConfig>,
    IntegrationAuthenticated(caller): IntegrationAuthenticated,
) -> Result<HttpResponse, ApiError> {
    if !is_multipart(&req) {
        let ApiJson(body) =
            ApiJson::<PushCallRequest>::from_payload(&req, payload.into_inner()).await?;
        let Some(url) = body.recording_url.clone() else {
            return Err(ApiError::InvalidBody {
                field: Some("recording_url".into()),
                message: "recording_url: send the recording's URL, or send the audio as multipart/form-data with `metadata` and `audio` parts".into(),
            });
        };
        let recording = RecordingSource::Url { url, authenticate: false };
        let outcome =
            review.integrations().push_call(&caller, pushed_call(body, recording)).await?;
        return Ok(pushed(outcome.call, outcome.created));
    }
    let (body, audio) =
        metadata_then_audio::<PushCallRequest>(&req, payload, config.max_json_bytes).await?;
    if body.recording_url.is_some() {
        return Err(ApiError::InvalidBody {
            field: Some("recording_url".into()),
            message: "recording_url: send either a recording_url or an `audio` part, not both"
                .into(),
        });
    }
    let Some(audio) = audio else {
        return Err(ApiError::MalformedMultipart(
            "the push has no `audio` part; send the recording after `metadata`, or push JSON with a recording_url".into(),
        ));
    };
    let outcome = review
        .integrations()
        .push_call(&caller, pushed_call(body, RecordingSource::Upload))
        .await?;
    if !outcome.awaiting_upload {
        // Pushed before, and not failed: the call keeps its audio.
        return Ok(pushed(outcome.call, false));
    }
    let id = outcome.call.id;
    let upload =
        review.integrations().begin_pushed_audio(&caller, id, config.max_upload_bytes).await?;
    match pump(upload, audio.field).await {
        Ok(record) => Ok(pushed(record, outcome.created)),
        Err(e) => {
            // A call this request created must not outlive its failed upload.
            if outcome.created
                && let Err(cleanup) = review.integrations().discard_pushed_call(&caller, id).await
            {
                tracing::warn!(error = ?cleanup, call = %id, "removing a pushed call whose upload failed");
            }
            Err(e)
        }
    }
}

/// The calls of the integration's source (integration token), newest last.
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    params(PushedCallQuery),
    responses((status = 200, description = "A page of calls", body = PushedCallPage))
)]
#[get("/v1/integrations/calls")]
pub async fn list_pushed_calls(
    review: web::Data<Review>,
    IntegrationAuthenticated(caller): IntegrationAuthenticated,
    query: web::Query<PushedCallQuery>,
) -> Result<web::Json<PushedCallPage>, ApiError> {
    let query = query.into_inner();
    let request = ListQuery { limit: query.limit, cursor: query.cursor }.page_request()?;
    let page = review.integrations().pushed_calls(&caller, query.external_ref, request).await?;
    Ok(web::Json(caller_page(page)))
}

/// One call of the integration's source and its status (integration token).
#[utoipa::path(
    tag = "integrations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 200, description = "The call", body = CallBody))
)]
#[get("/v1/integrations/calls/{id}")]
pub async fn get_pushed_call(
    review: web::Data<Review>,
    IntegrationAuthenticated(caller): IntegrationAuthenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<CallBody>, ApiError> {
    let call = review.integrations().pushed_call(&caller, id.into_inner()).await?;
    Ok(web::Json(call.into()))
}

/// The URLs the dialer may have signed: the configured public URL, then what
/// this request says about itself, each with and without the default port.
fn signed_urls(req: &HttpRequest, config: &ApiConfig) -> Vec<String> {
    let path_and_query = match req.uri().query() {
        Some(query) => format!("{}?{query}", req.path()),
        None => req.path().to_owned(),
    };
    let mut bases = Vec::new();
    if let Some(public) = &config.public_url {
        bases.push(public.trim_end_matches('/').to_owned());
    }
    bases.push(crate::session::request_origin(req, config.trust_proxy));
    let mut urls = Vec::new();
    for base in bases {
        urls.push(format!("{base}{path_and_query}"));
        if let Ok(mut parsed) = url::Url::parse(&base) {
            let toggled = match parsed.port() {
                Some(_) => parsed.set_port(None).is_ok(),
                None => {
                    parsed.port_or_known_default().is_some_and(|p| parsed.set_port(Some(p)).is_ok())
                }
            };
            if toggled {
                urls.push(format!("{}{path_and_query}", parsed.as_str().trim_end_matches('/')));
            }
        }
    }
    urls
}

/// Twilio-compatible `RecordingStatusCallback` (Telnyx and SignalWire send the
/// same). Configure the dialer to call
/// `/v1/integrations/twilio/recording-status?integration_id=<id>&rep=<dialer user id>`.
/// The `X-Twilio-Signature` is checked with the integration's
/// `signing_secret`; on `completed` the call is created and `RecordingUrl` +
/// `.wav` is downloaded.
#[utoipa::path(
    tag = "integrations",
    params(RecordingCallbackQuery, ("X-Twilio-Signature" = String, Header, description = "Base64 HMAC-SHA1 of the URL and the sorted form fields, keyed with the integration's signing_secret")),
    request_body(content = RecordingStatusForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "The call was created and its recording is being fetched", body = RecordingCallbackBody),
        (status = 200, description = "Already stored, or a status other than `completed` (ignored)", body = RecordingCallbackBody),
        (status = 403, description = "The signature is missing or wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The rep is unknown, or a field is missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/integrations/twilio/recording-status")]
pub async fn twilio_recording_status(
    req: HttpRequest,
    mut payload: web::Payload,
    review: web::Data<Review>,
    config: web::Data<ApiConfig>,
    query: web::Query<RecordingCallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType(
            "the recording status callback is form-encoded (`application/x-www-form-urlencoded`)"
                .into(),
        ));
    }
    let body = read_limited(&mut payload, config.max_json_bytes).await?;
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let query = query.into_inner();
    let callback = RecordingCallback {
        integration_id: query.integration_id.into(),
        signed_urls: signed_urls(&req, &config),
        params,
        // SignalWire's compatibility API signs the same way under its own name.
        signature: ["X-Twilio-Signature", "X-SignalWire-Signature"]
            .iter()
            .find_map(|name| req.headers().get(*name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        rep: RepReference { external_id: query.rep, email: query.rep_email },
        rep_channel: query.rep_channel,
    };
    Ok(match review.integrations().recording_callback(callback).await? {
        CallbackOutcome::Call(call, was_created) => {
            let body = RecordingCallbackBody {
                outcome: "stored".into(),
                recording_status: "completed".into(),
                call: Some((*call).into()),
            };
            if was_created {
                HttpResponse::Created().json(body)
            } else {
                HttpResponse::Ok().json(body)
            }
        }
        CallbackOutcome::Ignored(status) => HttpResponse::Ok().json(RecordingCallbackBody {
            outcome: "ignored".into(),
            recording_status: status,
            call: None,
        }),
    })
}
