//! Call transcripts: WebVTT, SRT or JSON in; JSON segments out.

use actix_web::{HttpRequest, get, http::header, put, web};
use filmroom_review::{
    Review,
    ids::CallId,
    transcript_format::{Segment, TranscriptFormat},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{ApiError, Problem},
    extract::{Authenticated, read_limited},
};

/// Largest transcript accepted, in bytes.
const MAX_TRANSCRIPT_BYTES: usize = 8 * 1024 * 1024;

/// One stretch of speech.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SegmentBody {
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// Who speaks, when known.
    pub speaker: Option<String>,
    /// What was said.
    pub text: String,
}

impl From<Segment> for SegmentBody {
    fn from(s: Segment) -> Self {
        Self { start_ms: s.start_ms, end_ms: s.end_ms, speaker: s.speaker, text: s.text }
    }
}

/// A transcript.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranscriptBody {
    /// Segments by time.
    pub items: Vec<SegmentBody>,
}

/// A transcript as a UTF-8 file: WebVTT (`text/vtt`; voices `<v Name>`
/// become speakers) or SRT (`application/x-subrip`), sent as the whole body.
#[derive(Debug, ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct TranscriptFile(Vec<u8>);

/// A transcript as JSON, in the shape `GET …/transcript` returns (a bare
/// list of the same segments is accepted too).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct TranscriptUpload {
    /// Segments, each inside the call, with text.
    items: Vec<SegmentBody>,
}

/// How to read a transcript's body.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptFormatParam {
    /// WebVTT.
    Webvtt,
    /// SRT.
    Srt,
    /// JSON segments.
    Json,
}

/// Options of a transcript import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TranscriptQuery {
    /// Read the body as this format whatever its `Content-Type` says, for
    /// clients that cannot set the media type (a generated client sends
    /// every file as `text/vtt`, so send SRT with `format=srt`).
    #[param(inline)]
    pub format: Option<TranscriptFormatParam>,
}

/// Replaces the call's transcript: WebVTT (`text/vtt`), SRT
/// (`application/x-subrip`) or JSON (`application/json`: `{"items": [...]}`
/// as returned by `GET`, or the bare list of `{start_ms, end_ms, speaker,
/// text}`), every segment inside the call.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id"), TranscriptQuery),
    request_body(content(
        (TranscriptUpload = "application/json"),
        (TranscriptFile = "application/x-subrip"),
        (TranscriptFile = "text/vtt"),
    )),
    responses(
        (status = 200, description = "The stored transcript", body = TranscriptBody),
        (status = 409, description = "The call is not ready", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/calls/{id}/transcript")]
pub async fn put_transcript(
    req: HttpRequest,
    mut payload: web::Payload,
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
    query: web::Query<TranscriptQuery>,
) -> Result<web::Json<TranscriptBody>, ApiError> {
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let format = match (query.format, essence.as_str()) {
        (Some(TranscriptFormatParam::Webvtt), _) | (None, "text/vtt") => TranscriptFormat::WebVtt,
        (Some(TranscriptFormatParam::Srt), _)
        | (None, "application/x-subrip" | "text/srt" | "application/srt") => TranscriptFormat::Srt,
        (Some(TranscriptFormatParam::Json), _) | (None, "application/json") => {
            TranscriptFormat::Json
        }
        (None, other) => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the transcript as text/vtt, application/x-subrip or application/json \
                 (or name it with ?format=webvtt|srt|json), not `{other}`"
            )));
        }
    };
    let body = read_limited(&mut payload, MAX_TRANSCRIPT_BYTES).await?;
    let segments = review.calls().put_transcript(&actor, id.into_inner(), &body, format).await?;
    Ok(web::Json(TranscriptBody { items: segments.into_iter().map(Into::into).collect() }))
}

/// The call's transcript as JSON segments (empty when there is none).
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses(
        (status = 200, description = "The transcript", body = TranscriptBody),
        (status = 409, description = "The call is not analysed yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/transcript")]
pub async fn get_transcript(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<TranscriptBody>, ApiError> {
    let segments = review.calls().transcript(&actor, id.into_inner()).await?;
    Ok(web::Json(TranscriptBody { items: segments.into_iter().map(Into::into).collect() }))
}
