//! Calls: metadata, streaming audio upload, ranged playback, waveform peaks.

use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, put, web};
use chrono::{DateTime, Utc};
use filmroom_review::{
    AudioUpload, Call, CallDetails, CallQuery, CallStatus, Direction, NewCall, Review, ids::CallId,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    ApiConfig,
    error::{ApiError, Problem},
    extract::{ApiJson, Authenticated, is_multipart, metadata_then_audio},
    pagination::{ListQuery, encode},
};

/// Inbound or outbound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionBody {
    /// The customer called in.
    Inbound,
    /// The rep called out.
    Outbound,
}

impl From<DirectionBody> for Direction {
    fn from(d: DirectionBody) -> Self {
        match d {
            DirectionBody::Inbound => Self::Inbound,
            DirectionBody::Outbound => Self::Outbound,
        }
    }
}

impl From<Direction> for DirectionBody {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Inbound => Self::Inbound,
            Direction::Outbound => Self::Outbound,
        }
    }
}

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallStatusBody {
    /// Waiting for its audio.
    Uploading,
    /// Audio stored, waiting for analysis.
    Queued,
    /// Being analysed.
    Processing,
    /// Playable and reviewable.
    Ready,
    /// Analysis failed; see `failure`.
    Failed,
    /// An admin deleted the recording; comments, scores and clips remain.
    AudioDeleted,
}

impl From<CallStatusBody> for CallStatus {
    fn from(s: CallStatusBody) -> Self {
        match s {
            CallStatusBody::Uploading => Self::Uploading,
            CallStatusBody::Queued => Self::Queued,
            CallStatusBody::Processing => Self::Processing,
            CallStatusBody::Ready => Self::Ready,
            CallStatusBody::Failed => Self::Failed,
            CallStatusBody::AudioDeleted => Self::AudioDeleted,
        }
    }
}

/// The other side of the call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Counterpart {
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's company.
    pub company: Option<String>,
}

/// Why analysis failed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallFailure {
    /// Stable code. From analysis: `unsupported_codec` (e.g. Opus),
    /// `unsupported_format` (not a container filmroom reads, or a sample rate
    /// or channel count out of range), `no_audio`, `decode_crashed`,
    /// `decode_timeout`, `decode_out_of_memory`, `audio_missing` (the stored
    /// recording is gone), `analysis_failed`. From a pushed call's download:
    /// `recording_url_refused` (not http(s), or a private address),
    /// `recording_fetch_failed` (the dialer answered 4xx, or 5xx and network
    /// errors until the retries ran out; push again with a fresh URL),
    /// `recording_too_large`.
    pub code: String,
    /// What happened, for people.
    pub message: String,
}

/// The stored recording and what analysis found in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallAudio {
    /// Media type of the original bytes.
    pub content_type: Option<String>,
    /// Size of the original bytes.
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the original bytes.
    pub sha256: Option<String>,
    /// Container recognised at upload: wav, mp3, flac, ogg, mp4, aac.
    pub container: Option<String>,
    /// Codec found by analysis (e.g. `pcm_s16le`, `mp3`, `aac`).
    pub codec: Option<String>,
    /// Hz.
    pub sample_rate: Option<i32>,
    /// 1 (mono) or 2 (stereo; dialers often put the rep and the customer on separate channels).
    pub channels: Option<i32>,
    /// Bits per sample of the source, when the codec has one.
    pub bits_per_sample: Option<i32>,
    /// Duration of the decoded audio.
    pub duration_ms: Option<i64>,
    /// Corrupt packets skipped during decoding.
    pub decode_errors: Option<i64>,
}

/// A call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallBody {
    /// Id.
    pub id: Uuid,
    /// Whose call.
    pub rep_id: Uuid,
    /// Who created it.
    pub created_by: Uuid,
    /// Title.
    pub title: String,
    /// When it took place.
    #[serde(serialize_with = "crate::routes::body::rfc3339_opt")]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<DirectionBody>,
    /// The customer.
    pub counterpart: Counterpart,
    /// Id in the system it came from.
    pub external_ref: Option<String>,
    /// Where it came from: `api` for calls people created, else the dialer
    /// integration's source (`twilio`, …).
    #[schema(example = "api")]
    pub source: String,
    /// In a two-channel recording, the channel (1 or 2) that carries the rep.
    pub rep_channel: Option<i32>,
    /// Lifecycle state.
    pub status: CallStatusBody,
    /// Why it failed, when `status` is `failed`.
    pub failure: Option<CallFailure>,
    /// The recording, once uploaded.
    pub audio: Option<CallAudio>,
    /// Creation time.
    #[serde(serialize_with = "crate::routes::body::rfc3339")]
    pub created_at: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "crate::routes::body::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

impl From<Call> for CallBody {
    fn from(c: Call) -> Self {
        let status = match c.status {
            CallStatus::Uploading => CallStatusBody::Uploading,
            CallStatus::Queued => CallStatusBody::Queued,
            CallStatus::Processing => CallStatusBody::Processing,
            CallStatus::Ready => CallStatusBody::Ready,
            CallStatus::Failed => CallStatusBody::Failed,
            CallStatus::AudioDeleted => CallStatusBody::AudioDeleted,
        };
        let failure = match (c.failure_code, c.failure_message) {
            (Some(code), message) => {
                Some(CallFailure { code, message: message.unwrap_or_default() })
            }
            _ => None,
        };
        let audio = c.audio_key.is_some().then_some(CallAudio {
            content_type: c.content_type,
            size_bytes: c.size_bytes,
            sha256: c.sha256,
            container: c.container,
            codec: c.codec,
            sample_rate: c.sample_rate,
            channels: c.channels,
            bits_per_sample: c.bits_per_sample,
            duration_ms: c.duration_ms,
            decode_errors: c.decode_errors,
        });
        Self {
            id: c.id.into(),
            rep_id: c.rep_id.into(),
            created_by: c.created_by.into(),
            title: c.title,
            occurred_at: c.occurred_at,
            direction: c.direction.map(Into::into),
            counterpart: Counterpart { name: c.counterpart_name, company: c.counterpart_company },
            external_ref: c.external_ref,
            source: c.source,
            rep_channel: c.rep_channel,
            status,
            failure,
            audio,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A new call. Send it as JSON (then `PUT` the audio), or as the `metadata`
/// part of a multipart upload followed by an `audio` part.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "rep_id": "0193f4c2-7b10-7c3e-9a51-6d2e8f4b1a07",
    "title": "Discovery call with Northwind Traders",
    "occurred_at": "2026-11-23T14:05:00Z",
    "direction": "outbound",
    "counterpart": {"name": "Grace Hopper", "company": "Northwind Traders"},
    "external_ref": "CA1234567890abcdef"
}))]
pub struct CreateCallRequest {
    /// Whose call: yourself, a rep below you, or anyone for an admin.
    pub rep_id: Uuid,
    /// Title (default "Call on <date>").
    pub title: Option<String>,
    /// When it took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<DirectionBody>,
    /// The customer.
    pub counterpart: Option<Counterpart>,
    /// Id in the system it came from; sending the same one again returns the existing call (200).
    #[schema(example = "CA1234567890abcdef")]
    pub external_ref: Option<String>,
    /// Which channel of a two-channel recording is the rep: 1 or 2 (ignored
    /// when the recording turns out to have one channel).
    #[schema(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// The bytes of a recording, sent as the whole request body.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct Recording(Vec<u8>);

/// A multipart upload: the metadata first, then the audio.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct CreateCallUpload {
    /// JSON of a `CreateCallRequest`.
    #[schema(value_type = String, content_media_type = "application/json")]
    metadata: String,
    /// The recording.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    audio: Vec<u8>,
}

/// Changes to a call's details; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "Pricing objection - Northwind Traders renewal",
    "occurred_at": "2026-11-23T14:05:00Z",
    "direction": "inbound",
    "counterpart": {"name": "Grace Hopper", "company": "Northwind Traders"}
}))]
pub struct UpdateCallRequest {
    /// Title.
    pub title: Option<String>,
    /// When it took place.
    pub occurred_at: Option<DateTime<Utc>>,
    /// Inbound or outbound.
    pub direction: Option<DirectionBody>,
    /// The customer.
    pub counterpart: Option<Counterpart>,
    /// Which channel of a two-channel recording is the rep: 1 or 2. The
    /// call's metrics follow at once, without decoding again.
    #[schema(minimum = 1, maximum = 2)]
    pub rep_channel: Option<i32>,
}

/// A page of calls.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallPage {
    /// Calls in creation order.
    pub items: Vec<CallBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Filters of the call list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CallListQuery {
    /// Only this rep's calls.
    pub rep_id: Option<Uuid>,
    /// Only calls that took place at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only calls that took place before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only calls in this state.
    pub status: Option<CallStatusBody>,
    /// Only calls whose rep talk ratio (0..1) is at least this; calls
    /// without one (mono, or the rep channel unknown) are left out.
    #[param(minimum = 0.0, maximum = 1.0)]
    pub talk_ratio_min: Option<f64>,
    /// Only calls whose rep talk ratio (0..1) is at most this.
    #[param(minimum = 0.0, maximum = 1.0)]
    pub talk_ratio_max: Option<f64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A stretch of the call to cut.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AudioQuery {
    /// Start of a clip, ms; with `end_ms`, the response is that stretch as 16-bit PCM WAV.
    pub start_ms: Option<u64>,
    /// End of a clip, ms (exclusive).
    pub end_ms: Option<u64>,
}

/// Resolution of the peaks.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeaksQuery {
    /// Frames per pixel: a multiple of the stored 256 (default 256).
    #[param(minimum = 256)]
    pub samples_per_pixel: Option<u32>,
}

fn details(
    title: Option<String>,
    occurred_at: Option<DateTime<Utc>>,
    direction: Option<DirectionBody>,
    counterpart: Option<Counterpart>,
) -> CallDetails {
    let counterpart = counterpart.unwrap_or_default();
    CallDetails {
        title,
        occurred_at,
        direction: direction.map(Into::into),
        counterpart_name: counterpart.name,
        counterpart_company: counterpart.company,
        rep_channel: None,
    }
}

fn new_call(body: CreateCallRequest) -> NewCall {
    NewCall {
        rep_id: body.rep_id.into(),
        details: CallDetails {
            rep_channel: body.rep_channel,
            ..details(body.title, body.occurred_at, body.direction, body.counterpart)
        },
        external_ref: body.external_ref,
    }
}

/// 201 (or 200 for an existing call) with the call and its `Location` under `collection`.
pub(crate) fn created(call: Call, created: bool, collection: &str) -> HttpResponse {
    let location = format!("{collection}/{}", call.id);
    let mut response = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    response.insert_header((header::LOCATION, location)).json(CallBody::from(call))
}

/// Streams a body into an upload; aborts it on any error so nothing stays behind.
pub(crate) async fn pump<S, E>(mut upload: AudioUpload, mut body: S) -> Result<Call, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => {
                upload.abort().await;
                return Err(ApiError::BodyInterrupted(e.to_string()));
            }
        };
        if let Err(e) = upload.push(&chunk).await {
            upload.abort().await;
            return Err(e.into());
        }
    }
    Ok(upload.finish().await?)
}

fn max_upload(config: &ApiConfig) -> u64 {
    config.max_upload_bytes
}

/// Creates a call: JSON metadata alone (then `PUT /v1/calls/{id}/audio`), or a
/// multipart upload with a `metadata` part followed by an `audio` part. The
/// same `external_ref` again returns the existing call with 200.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    request_body(content(
        (CreateCallRequest = "application/json"),
        (CreateCallUpload = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Created", body = CallBody),
        (status = 200, description = "A call with this external_ref exists already", body = CallBody),
        (status = 413, description = "The recording is over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The recording is not audio filmroom accepts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/calls")]
pub async fn create_call(
    req: HttpRequest,
    payload: web::Payload,
    review: web::Data<Review>,
    config: web::Data<ApiConfig>,
    Authenticated(actor): Authenticated,
) -> Result<HttpResponse, ApiError> {
    if !is_multipart(&req) {
        let ApiJson(body) =
            ApiJson::<CreateCallRequest>::from_payload(&req, payload.into_inner()).await?;
        let (call, was_created) = review.calls().create_call(&actor, new_call(body)).await?;
        return Ok(created(call, was_created, "/v1/calls"));
    }
    let (body, audio) =
        metadata_then_audio::<CreateCallRequest>(&req, payload, config.max_json_bytes).await?;
    let (record, was_created) = review.calls().create_call(&actor, new_call(body)).await?;
    let Some(audio) = audio else {
        return Ok(created(record, was_created, "/v1/calls"));
    };
    if !was_created {
        // An idempotent retry: the call and its audio exist already.
        return Ok(created(record, false, "/v1/calls"));
    }
    let id = record.id;
    let upload = review.calls().begin_audio_upload(&actor, id, max_upload(&config)).await?;
    match pump(upload, audio.field).await {
        Ok(record) => Ok(created(record, true, "/v1/calls")),
        Err(e) => {
            // The client never learnt this call's id; leave nothing behind.
            if let Err(cleanup) = review.calls().discard_new_call(&actor, id).await {
                tracing::warn!(error = ?cleanup, call = %id, "removing a call whose upload failed");
            }
            Err(e)
        }
    }
}

/// Sends (or, after a dropped connection or a failed analysis, sends again) a
/// call's audio as the raw request body. filmroom reads the format from the
/// bytes, never from `Content-Type`: send `application/octet-stream` or the
/// recording's own type (`audio/wav`, `audio/mpeg`, `audio/flac`,
/// `audio/ogg`, `audio/mp4`), and the call's `audio` says what was found.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    request_body(content((Recording = "application/octet-stream"))),
    responses(
        (status = 200, description = "Stored and queued for analysis", body = CallBody),
        (status = 409, description = "The call's audio is already stored", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The recording is over the size limit", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The recording is not audio filmroom accepts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/calls/{id}/audio")]
pub async fn upload_audio(
    req: HttpRequest,
    payload: web::Payload,
    review: web::Data<Review>,
    config: web::Data<ApiConfig>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<CallBody>, ApiError> {
    // A declared length over the limit is refused before any byte is read.
    let limit = max_upload(&config);
    if let Some(length) = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok())
        && length.parse::<u64>().is_ok_and(|length| length > limit)
    {
        return Err(filmroom_review::ReviewError::AudioTooLarge { limit }.into());
    }
    let upload =
        review.calls().begin_audio_upload(&actor, id.into_inner(), max_upload(&config)).await?;
    Ok(web::Json(pump(upload, payload).await?.into()))
}

/// One call.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 200, description = "The call", body = CallBody))
)]
#[get("/v1/calls/{id}")]
pub async fn get_call(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<CallBody>, ApiError> {
    Ok(web::Json(review.calls().call(&actor, id.into_inner()).await?.into()))
}

/// Calls the caller can see, optionally one rep's, in a time range or a state.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(CallListQuery),
    responses((status = 200, description = "A page of calls", body = CallPage))
)]
#[get("/v1/calls")]
pub async fn list_calls(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    query: web::Query<CallListQuery>,
) -> Result<web::Json<CallPage>, ApiError> {
    let query = query.into_inner();
    let request = ListQuery { limit: query.limit, cursor: query.cursor }.page_request()?;
    let filter = CallQuery {
        rep_id: query.rep_id.map(Into::into),
        from: query.from,
        to: query.to,
        status: query.status.map(Into::into),
        newest_first: false,
        talk_ratio_min: query.talk_ratio_min,
        talk_ratio_max: query.talk_ratio_max,
    };
    let page = review.calls().list(&actor, filter, request).await?;
    Ok(web::Json(CallPage {
        items: page.items.into_iter().map(CallBody::from).collect(),
        next_cursor: page.next_after.map(encode),
    }))
}

/// Changes a call's details.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    request_body = UpdateCallRequest,
    responses((status = 200, description = "The changed call", body = CallBody))
)]
#[patch("/v1/calls/{id}")]
pub async fn update_call(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    ApiJson(body): ApiJson<UpdateCallRequest>,
) -> Result<web::Json<CallBody>, ApiError> {
    let mut changes = details(body.title, body.occurred_at, body.direction, body.counterpart);
    changes.rep_channel = body.rep_channel;
    Ok(web::Json(review.calls().update_call(&actor, id.into_inner(), changes).await?.into()))
}

/// Deletes a call with its recording and derived files.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/v1/calls/{id}")]
pub async fn delete_call(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<HttpResponse, ApiError> {
    review.calls().delete_call(&actor, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The original recording, byte for byte, with HTTP Range support (206 for a
/// single range, 416 for an unsatisfiable one) so players can seek; or, with
/// `start_ms` and `end_ms`, that stretch cut sample-accurately as 16-bit PCM
/// WAV at the call's rate and channels.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Call id"),
        ("Range" = Option<String>, Header, description = "A single byte range, e.g. `bytes=0-1023`"),
        AudioQuery,
    ),
    responses(
        (status = 200, description = "The whole recording in its stored media type, or a clip as `audio/wav`", content((Recording = "audio/*"), (Recording = "application/octet-stream"))),
        (status = 206, description = "The requested range", content((Recording = "audio/*"), (Recording = "application/octet-stream"))),
        (status = 400, description = "A clip outside the call", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The audio has not been uploaded yet", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is outside the recording", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/audio")]
pub async fn get_audio(
    req: HttpRequest,
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    query: web::Query<AudioQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    match (query.start_ms, query.end_ms) {
        (Some(start_ms), Some(end_ms)) => return clip(review, &actor, id, start_ms, end_ms).await,
        (None, None) => {}
        _ => {
            return Err(ApiError::InvalidQuery(
                "a clip needs both start_ms and end_ms; send neither for the whole recording"
                    .into(),
            ));
        }
    }
    let source = review.calls().audio_source(&actor, id).await?;
    let requested = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
    let range = byte_range(requested, source.size)?;
    let body = review.calls().audio_bytes(&source, range.clone()).await?;
    let mut response = match range {
        Some(_) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((
                header::CONTENT_RANGE,
                format!(
                    "bytes {}-{}/{}",
                    body.range.start,
                    body.range.end.saturating_sub(1),
                    body.total_size
                ),
            ));
            r
        }
        None => HttpResponse::Ok(),
    };
    response
        .insert_header((header::CONTENT_TYPE, source.content_type.clone()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", source.filename),
        ))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(body.range.end - body.range.start);
    Ok(response.streaming(body.stream))
}

/// Streams a WAV of `length` bytes as the sandbox renders it. A client that
/// goes away drops the stream, which stops the render; a render that fails
/// midway ends the body early and is logged.
pub(crate) fn wav_response(
    length: u64,
    filename: String,
    render: filmroom_review::RenderStream,
) -> HttpResponse {
    use futures_util::StreamExt;
    let body = render.map(move |chunk| {
        chunk.inspect_err(|e| tracing::error!(error = %e, "rendering audio failed midway"))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "audio/wav"))
        .insert_header((header::CONTENT_DISPOSITION, format!("inline; filename=\"{filename}\"")))
        .no_chunking(length)
        .streaming(body)
}

/// Streams a stretch of the call as 16-bit PCM WAV while it is cut.
async fn clip(
    review: web::Data<Review>,
    actor: &filmroom_review::Actor,
    id: CallId,
    start_ms: u64,
    end_ms: u64,
) -> Result<HttpResponse, ApiError> {
    let plan = review.calls().clip_plan(actor, id, start_ms, end_ms).await?;
    let render = review.calls().render_clip(&plan).await?;
    Ok(wav_response(plan.content_length(), format!("call-{id}-{start_ms}-{end_ms}.wav"), render))
}

/// Waveform peaks in BBC audiowaveform JSON, version 2: the shape of what
/// `GET /v1/calls/{id}/peaks` sends (the JSON is written by the analysis and
/// passed through as it is, so this type only documents it).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct PeaksBody {
    /// Format version; always 2.
    version: u32,
    /// Channel count.
    channels: u32,
    /// Sample rate of the recording, Hz.
    sample_rate: u32,
    /// Frames summarised by each pixel.
    samples_per_pixel: u32,
    /// Bits per value: 8 (values -128..=127).
    bits: u32,
    /// Pixels.
    length: u64,
    /// `min, max` per channel per pixel, interleaved.
    data: Vec<i8>,
}

/// Waveform peaks in BBC audiowaveform JSON (version 2), which peaks.js and
/// wavesurfer.js read as they are.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id"), PeaksQuery),
    responses(
        (status = 200, description = "audiowaveform JSON", body = PeaksBody),
        (status = 409, description = "The call is not analysed yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/peaks")]
pub async fn get_peaks(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    query: web::Query<PeaksQuery>,
) -> Result<HttpResponse, ApiError> {
    let json = review.calls().peaks(&actor, id.into_inner(), query.samples_per_pixel).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(json))
}

/// The one byte range a `Range` header asks of `size` bytes: `None` for the
/// whole body (no header, a malformed one, several ranges, an empty file, as
/// RFC 9110 allows), 416 when it lies wholly outside.
fn byte_range(
    requested: Option<&str>,
    size: u64,
) -> Result<Option<std::ops::Range<u64>>, ApiError> {
    use http_range_header::RangeUnsatisfiableError::Unsatisfiable;
    let Some(requested) = requested else { return Ok(None) };
    match http_range_header::parse_range_header(requested).and_then(|parsed| parsed.validate(size))
    {
        Ok(ranges) if ranges.len() == 1 => Ok(ranges
            .first()
            .and_then(|r| r.end().checked_add(1).map(|end| *r.start()..end))
            .filter(|r| r.start < r.end && r.end <= size)),
        Ok(_) => Ok(None),
        Err(Unsatisfiable) => Err(ApiError::RangeNotSatisfiable { size }),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::byte_range;

    proptest! {
        #[test]
        fn any_range_header_gives_a_range_inside_the_file_or_an_answer(
            header in "(bytes=)?[0-9,\\- ]{0,24}|.{0,32}",
            size in 0u64..=u64::MAX,
        ) {
            if let Ok(Some(range)) = byte_range(Some(&header), size) {
                prop_assert!(range.start < range.end && range.end <= size);
            }
        }

        #[test]
        fn a_simple_range_within_the_file_is_served_exactly(
            size in 1u64..10_000_000,
            a in 0u64..10_000_000,
            b in 0u64..10_000_000,
        ) {
            let (start, end) = (a.min(b) % size, a.max(b) % size);
            let (start, end) = (start.min(end), start.max(end));
            let range = byte_range(Some(&format!("bytes={start}-{end}")), size);
            prop_assert_eq!(range.ok().flatten(), Some(start..end + 1));
        }
    }
}
