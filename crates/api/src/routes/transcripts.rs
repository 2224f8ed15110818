//! Call transcripts: WebVTT, SRT or JSON in; JSON segments out.

use actix_web::{HttpRequest, get, http::header, put, web};
use filmroom_review::{
    Review,
    ids::CallId,
    transcript::{Segment, TranscriptFormat},
};
use serde::Serialize;
use utoipa::ToSchema;

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

/// Replaces the call's transcript: WebVTT (`text/vtt`), SRT
/// (`application/x-subrip`) or JSON (`application/json`, a list of
/// `{start_ms, end_ms, speaker, text}`), every segment inside the call.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    request_body(content(("text/vtt"), ("application/x-subrip"), ("application/json"))),
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
) -> Result<web::Json<TranscriptBody>, ApiError> {
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let format = match essence.as_str() {
        "text/vtt" => TranscriptFormat::WebVtt,
        "application/x-subrip" | "text/srt" | "application/srt" => TranscriptFormat::Srt,
        "application/json" => TranscriptFormat::Json,
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the transcript as text/vtt, application/x-subrip or application/json, not `{other}`"
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
