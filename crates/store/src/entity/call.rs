//! A recorded sales call: its metadata, its original audio and what analysis found.

use sea_orm::entity::prelude::*;

use crate::ids::{CallId, IntegrationTokenId, OrganisationId, UserId};

/// Where a call is in its life. The legal moves between these states live in
/// `filmroom-review`'s call lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CallStatus {
    /// Created; waiting for (or receiving) its audio.
    #[sea_orm(string_value = "uploading")]
    Uploading,
    /// Audio stored; waiting for a worker.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// A worker is analysing it.
    #[sea_orm(string_value = "processing")]
    Processing,
    /// Analysed; playable and reviewable.
    #[sea_orm(string_value = "ready")]
    Ready,
    /// Analysis failed for good; `failure_code` says why.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// An admin deleted the recording; the call stays for the coaching
    /// record (comments, scores, clips, action items) with no audio.
    #[sea_orm(string_value = "audio_deleted")]
    AudioDeleted,
}

/// Who placed the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Direction {
    /// The customer called in.
    #[sea_orm(string_value = "inbound")]
    Inbound,
    /// The rep called out.
    #[sea_orm(string_value = "outbound")]
    Outbound,
}

/// One call row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: CallId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep whose call it is.
    pub rep_id: UserId,
    /// Who created it (the rep, their manager, an admin).
    pub created_by: UserId,
    /// Title shown in lists.
    pub title: String,
    /// When the call took place.
    pub occurred_at: Option<DateTimeUtc>,
    /// Inbound or outbound.
    pub direction: Option<Direction>,
    /// The customer's name.
    pub counterpart_name: Option<String>,
    /// The customer's company.
    pub counterpart_company: Option<String>,
    /// The id of the call in the system it came from; unique per organisation and source.
    pub external_ref: Option<String>,
    /// Where the call came from: `api` for calls created by people, else the
    /// pushing integration's source (`twilio`, `aircall`, …).
    pub source: String,
    /// The integration token that pushed it.
    pub integration_id: Option<IntegrationTokenId>,
    /// Which channel (1-based) of a multi-channel recording is the rep.
    pub rep_channel: Option<i32>,
    /// Lifecycle state.
    pub status: CallStatus,
    /// Stable code of the failure, when failed.
    pub failure_code: Option<String>,
    /// Human explanation of the failure.
    pub failure_message: Option<String>,
    /// Blob key of the original bytes.
    pub audio_key: Option<String>,
    /// Media type of the original bytes.
    pub content_type: Option<String>,
    /// Size of the original bytes.
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the original bytes.
    pub sha256: Option<String>,
    /// Container recognised at upload.
    pub container: Option<String>,
    /// Codec found by analysis.
    pub codec: Option<String>,
    /// Sample rate in Hz.
    pub sample_rate: Option<i32>,
    /// Channel count.
    pub channels: Option<i32>,
    /// Bits per sample of the source, when the codec has one.
    pub bits_per_sample: Option<i32>,
    /// Duration of the decoded audio in milliseconds.
    pub duration_ms: Option<i64>,
    /// Packets that failed to decode and were skipped.
    pub decode_errors: Option<i64>,
    /// Blob key of the waveform peaks (audiowaveform JSON).
    pub peaks_key: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
