//! A unit of background work in the durable queue shared by all workers.

use sea_orm::entity::prelude::*;

use crate::ids::JobId;

/// What a job does; its payload is the JSON of the matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum JobKind {
    /// Decode a call's audio and store what analysis finds.
    #[sea_orm(string_value = "analyze_call")]
    AnalyzeCall,
    /// POST one event to one webhook endpoint.
    #[sea_orm(string_value = "deliver_webhook")]
    DeliverWebhook,
    /// Download a pushed call's recording from the dialer.
    #[sea_orm(string_value = "fetch_recording")]
    FetchRecording,
    /// Compose and send one email.
    #[sea_orm(string_value = "send_email")]
    SendEmail,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Claimed by `locked_by` until `lease_expires_at`.
    #[sea_orm(string_value = "running")]
    Running,
    /// Finished.
    #[sea_orm(string_value = "done")]
    Done,
    /// Gave up; `last_error` says why.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// One job row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: JobId,
    /// What to do.
    pub kind: JobKind,
    /// Parameters, as JSON.
    pub payload: Json,
    /// Enqueueing the same key twice creates one job.
    pub dedupe_key: String,
    /// Where the job is.
    pub status: JobStatus,
    /// Claims so far (including the current one).
    pub attempts: i32,
    /// After this many claims the job fails for good.
    pub max_attempts: i32,
    /// Not claimed before this time (backoff).
    pub run_at: DateTimeUtc,
    /// The worker holding it.
    pub locked_by: Option<String>,
    /// The claim lapses at this time unless renewed.
    pub lease_expires_at: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Creation time.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// Relations are followed with explicit queries by id.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
