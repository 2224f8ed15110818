//! Background jobs: one enum of kinds with typed payloads, and next to each
//! kind how often it is tried, how long to wait between tries, and which code
//! a call or delivery gets when it gives up.
//!
//! The queue itself (claims, leases, settling) is the store's; what a job
//! means and how it is retried is decided here, so the worker holds no policy.

use std::time::Duration;

use filmroom_store::{JobKind, NewJob, StoreError};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use uuid::Uuid;

use crate::{
    rules::error::ReviewError,
    rules::ids::{CallId, DeliveryId, EmailId, IntegrationTokenId},
};

/// Analysis attempts before a call is marked failed, unless configured.
pub const ANALYSIS_ATTEMPTS: i32 = 5;

/// Sends of one email before it is marked failed: with the worker's backoff
/// (5 s doubling, at most an hour apart) about two and a half hours of
/// retries.
pub const EMAIL_ATTEMPTS: i32 = 12;

/// Attempts at fetching a recording from a dialer: its URLs expire within
/// minutes, so retrying for long is pointless.
pub const FETCH_ATTEMPTS: i32 = 4;

/// Attempts of one webhook delivery: with 5 s doubling up to an hour between
/// them, about 24 hours of retries.
pub const DELIVERY_ATTEMPTS: i32 = 33;

/// The payload of an `analyze_call` job: analyse this audio of this call.
/// A job for audio the call no longer has does nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyzeCall {
    /// The call.
    pub call_id: CallId,
    /// The blob key of the audio to analyse.
    pub audio_key: String,
    /// A ready call analysed again (`filmroom admin reanalyze`): it stays
    /// ready throughout, and a failure leaves it as it was.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reanalysis: bool,
}

/// The payload of a `fetch_recording` job: download a pushed call's recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchRecording {
    /// The call waiting for its audio.
    pub call_id: CallId,
    /// Where to download it.
    pub url: String,
    /// The integration whose credentials authenticate the download, if any.
    pub integration_id: Option<IntegrationTokenId>,
}

/// The payload of a `deliver_webhook` job: POST one delivery once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverWebhook {
    /// The delivery.
    pub delivery_id: DeliveryId,
}

/// The payload of a `send_email` job: compose and send one email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendEmail {
    /// The email.
    pub email_id: EmailId,
}

/// A unit of background work, as the worker sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Decode a call's audio once and store what analysis finds.
    AnalyzeCall(AnalyzeCall),
    /// Download a pushed call's recording from the dialer.
    FetchRecording(FetchRecording),
    /// POST one event to one webhook endpoint.
    DeliverWebhook(DeliverWebhook),
    /// Compose and send one email.
    SendEmail(SendEmail),
}

/// How one kind of job is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Claims before the job fails for good.
    pub max_attempts: i32,
    /// The longest wait between two attempts; the first wait is the worker's
    /// configured base, doubled on each further attempt up to this.
    pub max_backoff: Duration,
    /// The failure code recorded when the job gives up without a better one.
    pub failure_code: &'static str,
}

/// Why one attempt of a job did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Trying again cannot help (a refused file, an expired URL, a malformed
    /// payload): the job fails now.
    #[error("{code}: {message}")]
    Abort {
        /// Stable failure code, recorded on the call or delivery.
        code: String,
        /// What happened, in words.
        message: String,
    },
    /// A passing fault (the network, storage, a timeout): try again later,
    /// while attempts are left.
    #[error("{code}: {message}")]
    Retry {
        /// Stable failure code.
        code: String,
        /// What happened, in words.
        message: String,
    },
}

impl JobError {
    /// A failure that retrying cannot mend.
    pub fn abort(code: &str, message: impl Into<String>) -> Self {
        Self::Abort { code: code.to_owned(), message: message.into() }
    }

    /// A failure worth another attempt.
    pub fn retry(code: &str, message: impl Into<String>) -> Self {
        Self::Retry { code: code.to_owned(), message: message.into() }
    }

    /// The failure code.
    pub fn code(&self) -> &str {
        match self {
            Self::Abort { code, .. } | Self::Retry { code, .. } => code,
        }
    }

    /// The failure in words.
    pub fn message(&self) -> &str {
        match self {
            Self::Abort { message, .. } | Self::Retry { message, .. } => message,
        }
    }

    /// Whether another attempt may help.
    pub fn is_retry(&self) -> bool {
        matches!(self, Self::Retry { .. })
    }

    /// A store failure during a job: storage or the database may come back.
    pub fn from_store(kind: JobKind, error: &StoreError) -> Self {
        Self::retry(
            policy(kind, ANALYSIS_ATTEMPTS).failure_code,
            crate::rules::error::error_chain(error),
        )
    }
}

/// The retry policy of each kind; analysis attempts are configurable.
pub fn policy(kind: JobKind, analysis_attempts: i32) -> RetryPolicy {
    const HOUR: Duration = Duration::from_secs(3600);
    match kind {
        JobKind::AnalyzeCall => RetryPolicy {
            max_attempts: analysis_attempts,
            max_backoff: HOUR,
            failure_code: "analysis_failed",
        },
        JobKind::FetchRecording => RetryPolicy {
            max_attempts: FETCH_ATTEMPTS,
            max_backoff: Duration::from_secs(60),
            failure_code: "recording_fetch_failed",
        },
        JobKind::DeliverWebhook => RetryPolicy {
            max_attempts: DELIVERY_ATTEMPTS,
            max_backoff: HOUR,
            failure_code: "delivery_failed",
        },
        JobKind::SendEmail => RetryPolicy {
            max_attempts: EMAIL_ATTEMPTS,
            max_backoff: HOUR,
            failure_code: "email_failed",
        },
    }
}

impl Job {
    /// The stored kind.
    pub fn kind(&self) -> JobKind {
        match self {
            Self::AnalyzeCall(_) => JobKind::AnalyzeCall,
            Self::FetchRecording(_) => JobKind::FetchRecording,
            Self::DeliverWebhook(_) => JobKind::DeliverWebhook,
            Self::SendEmail(_) => JobKind::SendEmail,
        }
    }

    /// Reads a claimed job's payload; one that does not parse aborts the job.
    pub fn read(kind: JobKind, payload: &serde_json::Value) -> Result<Self, JobError> {
        fn parse<T: DeserializeOwned>(
            kind: JobKind,
            payload: &serde_json::Value,
        ) -> Result<T, JobError> {
            T::deserialize(payload).map_err(|e| {
                JobError::abort(
                    policy(kind, ANALYSIS_ATTEMPTS).failure_code,
                    format!("malformed job payload: {e}"),
                )
            })
        }
        Ok(match kind {
            JobKind::AnalyzeCall => Self::AnalyzeCall(parse(kind, payload)?),
            JobKind::FetchRecording => Self::FetchRecording(parse(kind, payload)?),
            JobKind::DeliverWebhook => Self::DeliverWebhook(parse(kind, payload)?),
            JobKind::SendEmail => Self::SendEmail(parse(kind, payload)?),
        })
    }

    /// The row to enqueue. `max_attempts` comes from the kind's policy; the
    /// dedupe key makes enqueueing the same work twice create one job, except
    /// where a new `attempt_series` asks for a fresh run (a redelivery, a
    /// second push of the same recording URL).
    pub(crate) fn to_new_job(
        &self,
        analysis_attempts: i32,
        attempt_series: Option<&str>,
    ) -> Result<NewJob, ReviewError> {
        let payload = match self {
            Self::AnalyzeCall(p) => serde_json::to_value(p),
            Self::FetchRecording(p) => serde_json::to_value(p),
            Self::DeliverWebhook(p) => serde_json::to_value(p),
            Self::SendEmail(p) => serde_json::to_value(p),
        }
        .map_err(|e| ReviewError::Store(StoreError::Inconsistent(e.to_string())))?;
        let series =
            attempt_series.map_or_else(|| Uuid::now_v7().simple().to_string(), str::to_owned);
        let dedupe_key = match self {
            // A reanalysis is new work on audio analysed before.
            Self::AnalyzeCall(p) if p.reanalysis => {
                format!("reanalyze:{}:{}:{series}", p.call_id, p.audio_key)
            }
            Self::AnalyzeCall(p) => format!("analyze:{}:{}", p.call_id, p.audio_key),
            Self::FetchRecording(p) => format!("fetch:{}:{series}", p.call_id),
            Self::DeliverWebhook(p) => format!("webhook:{}:{series}", p.delivery_id),
            Self::SendEmail(p) => format!("email:{}:{series}", p.email_id),
        };
        Ok(NewJob {
            kind: self.kind(),
            payload,
            dedupe_key,
            max_attempts: policy(self.kind(), analysis_attempts).max_attempts,
        })
    }
}

/// The dedupe-key prefixes of a call's jobs, for deleting them with the call.
pub(crate) fn call_job_prefixes(call: CallId) -> [String; 2] {
    [format!("analyze:{call}:"), format!("fetch:{call}:")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_reads_back_what_it_wrote_for_every_kind() {
        let call_id = CallId::generate();
        let jobs = [
            Job::AnalyzeCall(AnalyzeCall {
                call_id,
                audio_key: "calls/x/audio-1".into(),
                reanalysis: false,
            }),
            Job::FetchRecording(FetchRecording {
                call_id,
                url: "https://dialer.example/r.wav".into(),
                integration_id: Some(IntegrationTokenId::generate()),
            }),
            Job::DeliverWebhook(DeliverWebhook { delivery_id: DeliveryId::generate() }),
            Job::SendEmail(SendEmail { email_id: EmailId::generate() }),
        ];
        for job in jobs {
            let new = job.to_new_job(ANALYSIS_ATTEMPTS, Some("first")).unwrap();
            assert_eq!(Job::read(new.kind, &new.payload), Ok(job.clone()));
            assert_eq!(new.max_attempts, policy(job.kind(), ANALYSIS_ATTEMPTS).max_attempts);
        }
    }

    #[test]
    fn payloads_keep_the_shape_stored_jobs_have() {
        let payload = serde_json::json!({
            "call_id": "0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e",
            "audio_key": "calls/a/audio-b",
        });
        assert!(matches!(Job::read(JobKind::AnalyzeCall, &payload), Ok(Job::AnalyzeCall(_))));
        let delivery = serde_json::json!({ "delivery_id": "0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e" });
        assert!(matches!(
            Job::read(JobKind::DeliverWebhook, &delivery),
            Ok(Job::DeliverWebhook(_))
        ));
    }

    #[test]
    fn a_malformed_payload_aborts_with_the_kinds_failure_code() {
        let error = Job::read(JobKind::FetchRecording, &serde_json::json!({})).unwrap_err();
        assert!(!error.is_retry());
        assert_eq!(error.code(), "recording_fetch_failed");
    }

    #[test]
    fn analysis_of_the_same_audio_is_one_job_and_a_redelivery_is_another() {
        let call_id = CallId::generate();
        let analyze =
            Job::AnalyzeCall(AnalyzeCall { call_id, audio_key: "k".into(), reanalysis: false });
        assert_eq!(
            analyze.to_new_job(5, None).unwrap().dedupe_key,
            analyze.to_new_job(5, None).unwrap().dedupe_key
        );
        let deliver = Job::DeliverWebhook(DeliverWebhook { delivery_id: DeliveryId::generate() });
        assert_ne!(
            deliver.to_new_job(5, None).unwrap().dedupe_key,
            deliver.to_new_job(5, None).unwrap().dedupe_key
        );
    }
}
