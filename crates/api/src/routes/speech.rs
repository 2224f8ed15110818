//! Who spoke when on a call, and the conversation metrics computed from it.

use actix_web::{get, web};
use filmroom_review::{Review, ids::CallId, metrics};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, Problem},
    extract::Authenticated,
};

/// Speech segments per channel, compact, for drawing speaker lanes.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"frame_ms": 16, "labels": ["rep", "customer"],
    "channels": [[[0, 4200], [9100, 15800]], [[4600, 8700]]]}))]
pub struct SpeechBody {
    /// The detector's frame length, ms: boundaries are this precise.
    pub frame_ms: u32,
    /// Who each channel is: `rep`/`customer` when the rep's channel is
    /// known, `A`/`B` for two channels without it, `speech` for one.
    pub labels: Vec<String>,
    /// Per channel, `[start_ms, end_ms]` pairs in time order.
    pub channels: Vec<Vec<[u64; 2]>>,
}

/// A stretch of the call.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpanBody {
    /// Start, ms.
    pub start_ms: u64,
    /// End, ms.
    pub end_ms: u64,
}

impl From<metrics::Span> for SpanBody {
    fn from(s: metrics::Span) -> Self {
        Self { start_ms: s.start_ms, end_ms: s.end_ms }
    }
}

/// Talking at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverlapBody {
    /// Time both spoke, ms.
    pub total_ms: u64,
    /// How many times.
    pub count: u64,
    /// How many times each channel's speaker started it, in channel-label order.
    pub started_by: Vec<u64>,
}

/// A call's conversation metrics; the README defines each.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsBody {
    /// Who each channel is (as in `/speech`).
    pub labels: Vec<String>,
    /// Speech time per channel, ms.
    pub speech_ms: Vec<u64>,
    /// The call's length, ms.
    pub duration_ms: u64,
    /// The rep's share of speech time, 0..1 (rep channel known).
    pub talk_ratio: Option<f64>,
    /// Whether the talk ratio is inside the organisation's band (default 40–65 %).
    pub talk_ratio_in_band: Option<bool>,
    /// The longest turn per channel, in channel-label order (two channels):
    /// the rep's longest monologue and the customer's longest story.
    pub longest_turn: Vec<Option<SpanBody>>,
    /// Changes of turn per minute (two channels).
    pub interactivity_per_minute: Option<f64>,
    /// Mean wait from the customer stopping to the rep starting, ms.
    pub patience_ms: Option<u64>,
    /// Talking at once (two channels).
    pub overlap: Option<OverlapBody>,
    /// Silences of 5 s or more.
    pub dead_air: Vec<SpanBody>,
    /// Where the lanes came from: `channels`, or `transcript_speakers` for
    /// a one-channel call whose transcript names its speakers.
    pub lane_source: LaneSourceBody,
    /// Transcript words per minute of speech, per lane (with a transcript).
    pub words_per_minute: Vec<Option<f64>>,
    /// Questions the rep asked: question marks in the rep's transcript lines
    /// (with a transcript, rep known).
    pub rep_questions: Option<u64>,
    /// Every metric the organisation set a band for, held against it.
    pub bands: Vec<BandCheckBody>,
}

/// Where a call's lanes came from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LaneSourceBody {
    /// The recording's channels.
    Channels,
    /// The speakers named in the transcript of a one-channel call.
    TranscriptSpeakers,
}

/// A metric held against the organisation's band.
#[derive(Debug, Serialize, ToSchema)]
pub struct BandCheckBody {
    /// The metric, as named in the organisation's `metric_bands`.
    pub metric: String,
    /// Its value on this call.
    pub value: f64,
    /// Lowest value inside the band.
    pub min: Option<f64>,
    /// Highest value inside the band.
    pub max: Option<f64>,
    /// Whether the value lies inside the band.
    pub inside: bool,
}

/// A call's speech segments per channel.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses(
        (status = 200, description = "Speech segments", body = SpeechBody),
        (status = 409, description = "Not analysed yet, or analysed before speech detection", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/speech")]
pub async fn get_speech(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<SpeechBody>, ApiError> {
    let (call, speech) = review.calls().speech(&actor, id.into_inner()).await?;
    let lanes = metrics::Lanes::of(speech.channels.len(), call.rep_channel);
    Ok(web::Json(SpeechBody {
        frame_ms: speech.frame_ms,
        labels: lanes.labels(speech.channels.len()),
        channels: speech.channels,
    }))
}

/// A call's conversation metrics, computed from its speech segments, its
/// transcript and its rep channel as they are now: changing `rep_channel` or
/// the transcript changes them at once, with no new decode.
#[utoipa::path(
    tag = "calls",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Call id")),
    responses(
        (status = 200, description = "Metrics", body = MetricsBody),
        (status = 409, description = "Not analysed yet, or analysed before speech detection", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calls/{id}/metrics")]
pub async fn get_metrics(
    review: web::Data<Review>,
    Authenticated(actor): Authenticated,
    id: web::Path<CallId>,
) -> Result<web::Json<MetricsBody>, ApiError> {
    let m = review.calls().metrics(&actor, id.into_inner()).await?;
    let talk_ratio_in_band = m.talk_ratio_in_band();
    Ok(web::Json(MetricsBody {
        labels: m.labels,
        speech_ms: m.speech_ms,
        duration_ms: m.duration_ms,
        talk_ratio: m.talk_ratio,
        talk_ratio_in_band,
        longest_turn: m.longest_turn.into_iter().map(|t| t.map(SpanBody::from)).collect(),
        interactivity_per_minute: m.interactivity,
        patience_ms: m.patience_ms,
        overlap: m.overlap.map(|o| OverlapBody {
            total_ms: o.total_ms,
            count: o.count,
            started_by: vec![o.started_by_first, o.started_by_second],
        }),
        dead_air: m.dead_air.into_iter().map(SpanBody::from).collect(),
        lane_source: match m.lane_source {
            metrics::LaneSource::Channels => LaneSourceBody::Channels,
            metrics::LaneSource::TranscriptSpeakers => LaneSourceBody::TranscriptSpeakers,
        },
        words_per_minute: m.words_per_minute,
        rep_questions: m.rep_questions,
        bands: m
            .bands
            .into_iter()
            .map(|b| BandCheckBody {
                metric: b.metric.name().to_owned(),
                value: b.value,
                min: b.band.min,
                max: b.band.max,
                inside: b.inside,
            })
            .collect(),
    }))
}
