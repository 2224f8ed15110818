//! The call lifecycle: the one place that moves a call between states.
//!
//! ```text
//! uploading ──audio stored──▶ queued ──claimed──▶ processing ──▶ ready
//!     │  ▲                      │ ▲                   │
//!     │  └── audio sent again ──┼─┼── failed ◀────────┤
//!     └──── fetch gave up ──────┘ └──── retried or released
//! ```
//!
//! Every move checks [`can_become`], writes the row only if it is still in
//! the state the move started from, and writes the move's event (`call.ready`,
//! `call.failed`) or job (analysis) in the same transaction. The worker, the
//! upload path and the dialer integrations call these functions; nothing else
//! edits a call's status.

use crate::context::CallLifecycle;
use filmroom_audio::AudioFacts;
use filmroom_store::{
    CallStatus, StoreError,
    entity::{call, event},
    now,
};

use crate::{
    calls::record::Call,
    jobs::{AnalyzeCall, Job},
    rules::error::ReviewError,
};

pub use crate::rules::call_status::{can_become, status_name};

/// Which call a failure is about, and so which states it may fail from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailedStep {
    /// Its recording could not be fetched: only a call still waiting for its
    /// audio fails, so a call whose audio arrived another way is left alone.
    Fetch,
    /// Analysis of this audio gave up: only a call that still has this audio
    /// fails, so a newer upload is never marked failed by an older job.
    Analysis(AnalyzeCall),
}

/// What [`CallLifecycle::finish_analysis`](crate::CallLifecycle::finish_analysis) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnalysisSettled {
    /// The call is ready.
    Ready,
    /// The call was deleted, got new audio or was settled meanwhile; nothing
    /// of this analysis was kept.
    Superseded,
}

/// An outbox event about a call (`call.ready`, `call.failed`).
fn call_event(kind: &str, row: &call::Model) -> event::Model {
    event::Model {
        id: crate::rules::ids::EventId::generate(),
        organisation_id: row.organisation_id,
        kind: kind.to_owned(),
        payload: serde_json::json!({
            "call_id": row.id,
            "rep_id": row.rep_id,
            "status": status_name(row.status),
            "duration_ms": row.duration_ms,
            "failure": row.failure_code.as_ref().map(|code| serde_json::json!({
                "code": code,
                "message": row.failure_message,
            })),
        }),
        created_at: now(),
        delivered_at: None,
    }
}

impl CallLifecycle<'_> {
    /// Audio stored for a call waiting for it (or replacing a failed one):
    /// uploading → queued, with its analysis job, in one transaction.
    /// `None` when another upload finished first.
    pub(crate) async fn audio_received(
        &self,
        waiting: &call::Model,
        mut row: call::Model,
        audio_key: String,
    ) -> Result<Option<call::Model>, ReviewError> {
        let expected = waiting.status;
        if !can_become(expected, CallStatus::Uploading) {
            return Err(crate::rules::error::audio_refused(expected));
        }
        let at = now();
        row.status = CallStatus::Queued;
        row.audio_key = Some(audio_key.clone());
        row.updated_at = at;
        let job = Job::AnalyzeCall(AnalyzeCall { call_id: row.id, audio_key, reanalysis: false })
            .to_new_job(self.analysis_attempts, None)?;
        Ok(self.store.update_call_with_job(row, expected, job, at).await?)
    }

    /// A worker takes up an analysis: queued → processing. `None` when there
    /// is nothing to do (the call is gone, has other audio, or was settled by
    /// an earlier attempt); a call already processing (an attempt after a
    /// crash) is taken up again.
    pub async fn begin_analysis(&self, job: &AnalyzeCall) -> Result<Option<Call>, StoreError> {
        let Some(mut row) = self.analysed_call(job).await? else { return Ok(None) };
        let row = match row.status {
            CallStatus::Queued => {
                row.status = CallStatus::Processing;
                row.updated_at = now();
                self.store.update_call(row, Some(CallStatus::Queued)).await?
            }
            CallStatus::Processing => Some(row),
            CallStatus::Ready if job.reanalysis => Some(row),
            _ => None,
        };
        Ok(row.map(Call::from))
    }

    /// Queues ready calls to be analysed again, keeping them ready: one call,
    /// or every ready call whose speech was never detected. Returns how many
    /// were queued.
    pub async fn reanalyze(
        &self,
        call: Option<crate::rules::ids::CallId>,
    ) -> Result<usize, ReviewError> {
        let rows: Vec<call::Model> = match call {
            Some(id) => {
                let row =
                    self.store.call_by_id(id).await?.ok_or_else(|| ReviewError::NotFound {
                        entity: crate::rules::error::Entity::Call,
                        id: id.to_string(),
                    })?;
                if row.status != CallStatus::Ready {
                    return Err(ReviewError::NotReady {
                        what: "reanalysis",
                        status: status_name(row.status),
                    });
                }
                vec![row]
            }
            None => {
                let mut missing = Vec::new();
                let mut refreshed = 0usize;
                for row in self.store.ready_calls().await? {
                    let has_speech = match row.peaks_key.as_deref() {
                        Some(key) => {
                            self.store
                                .blobs()
                                .exists(&crate::calls::record::speech_key(key))
                                .await?
                        }
                        None => false,
                    };
                    if !has_speech {
                        missing.push(row);
                    } else if self.store.call_metrics_of(&[row.id]).await?.is_empty() {
                        // Segments but no headline figures (analysed before
                        // they were kept): computed from the segments, no decode.
                        self.refresh_call_metrics(&row).await;
                        refreshed += 1;
                    }
                }
                if refreshed > 0 {
                    tracing::info!(
                        calls = refreshed,
                        "conversation figures filled in from stored segments"
                    );
                }
                missing
            }
        };
        let at = now();
        let mut queued = 0;
        for row in rows {
            let Some(audio_key) = row.audio_key else { continue };
            let job =
                Job::AnalyzeCall(AnalyzeCall { call_id: row.id, audio_key, reanalysis: true })
                    .to_new_job(self.analysis_attempts, None)?;
            self.store.enqueue_job(job, at).await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// The analysis finished: processing → ready with the facts found and the
    /// new peaks, and a `call.ready` event. Peaks the call had before are
    /// deleted; the new ones too when the call moved on meanwhile.
    pub async fn finish_analysis(
        &self,
        job: &AnalyzeCall,
        facts: &AudioFacts,
        peaks_key: String,
    ) -> Result<AnalysisSettled, StoreError> {
        let Some(mut row) = self.analysed_call(job).await? else {
            self.store.blobs().delete(&peaks_key).await?;
            self.store.blobs().delete(&crate::calls::record::speech_key(&peaks_key)).await?;
            return Ok(AnalysisSettled::Superseded);
        };
        let expected = if job.reanalysis { CallStatus::Ready } else { CallStatus::Processing };
        if row.status != expected {
            self.store.blobs().delete(&peaks_key).await?;
            self.store.blobs().delete(&crate::calls::record::speech_key(&peaks_key)).await?;
            return Ok(AnalysisSettled::Superseded);
        }
        row.status = CallStatus::Ready;
        row.codec = Some(facts.codec.clone());
        row.sample_rate = i32::try_from(facts.sample_rate).ok();
        row.channels = i32::try_from(facts.channels).ok();
        if facts.channels < 2 {
            // Which channel is the rep means nothing in a one-channel recording.
            row.rep_channel = None;
        }
        row.bits_per_sample = facts.bits_per_sample.and_then(|b| i32::try_from(b).ok());
        row.duration_ms = i64::try_from(facts.duration_ms).ok();
        row.decode_errors = i64::try_from(facts.decode_errors).ok();
        let previous_peaks = row.peaks_key.replace(peaks_key.clone());
        row.updated_at = now();
        let written = if job.reanalysis {
            // Already ready: new facts and files, no second `call.ready`.
            self.store.update_call(row, Some(CallStatus::Ready)).await?
        } else {
            let event = call_event("call.ready", &row);
            self.store.update_call_with_event(row, CallStatus::Processing, event).await?
        };
        let Some(written) = written else {
            self.store.blobs().delete(&peaks_key).await?;
            self.store.blobs().delete(&crate::calls::record::speech_key(&peaks_key)).await?;
            return Ok(AnalysisSettled::Superseded);
        };
        if let Some(old) = previous_peaks {
            self.store.blobs().delete(&old).await?;
            self.store.blobs().delete(&crate::calls::record::speech_key(&old)).await?;
        }
        self.refresh_call_metrics(&written).await;
        Ok(AnalysisSettled::Ready)
    }

    /// An analysis will run again (a retry, or a stopping worker released
    /// it): processing → queued.
    pub async fn requeue_analysis(&self, job: &AnalyzeCall) -> Result<(), StoreError> {
        if let Some(mut row) = self.analysed_call(job).await?
            && row.status == CallStatus::Processing
        {
            row.status = CallStatus::Queued;
            row.updated_at = now();
            self.store.update_call(row, Some(CallStatus::Processing)).await?;
        }
        Ok(())
    }

    /// A step gave up for good: the call becomes failed with the code and
    /// message, and a `call.failed` event, if the step still speaks for it.
    pub async fn fail_call(
        &self,
        call_id: crate::rules::ids::CallId,
        step: &FailedStep,
        code: &str,
        message: &str,
    ) -> Result<(), StoreError> {
        let row = match step {
            FailedStep::Fetch => self
                .store
                .call_by_id(call_id)
                .await?
                .filter(|row| row.status == CallStatus::Uploading),
            FailedStep::Analysis(job) => self.analysed_call(job).await?,
        };
        let Some(mut row) = row else { return Ok(()) };
        if !can_become(row.status, CallStatus::Failed) {
            return Ok(());
        }
        let expected = row.status;
        row.status = CallStatus::Failed;
        row.failure_code = Some(code.to_owned());
        row.failure_message = Some(message.to_owned());
        row.updated_at = now();
        let event = call_event("call.failed", &row);
        self.store.update_call_with_event(row, expected, event).await?;
        Ok(())
    }

    /// An admin removes a call's recording but keeps the coaching record:
    /// any state → audio_deleted, the audio facts cleared, its jobs removed.
    /// Returns the blob keys that no longer belong to anything.
    pub(crate) async fn audio_deleted(
        &self,
        mut row: call::Model,
    ) -> Result<Vec<String>, ReviewError> {
        let expected = row.status;
        if !can_become(expected, CallStatus::AudioDeleted) {
            return Ok(Vec::new());
        }
        let orphans: Vec<String> = {
            let speech = row.peaks_key.as_deref().map(crate::calls::record::speech_key);
            [row.audio_key.take(), row.peaks_key.take(), speech].into_iter().flatten().collect()
        };
        row.status = CallStatus::AudioDeleted;
        row.content_type = None;
        row.size_bytes = None;
        row.sha256 = None;
        row.updated_at = now();
        let id = row.id;
        // Its jobs and its transcript (the recording's words) go with the
        // recording, in the same transaction.
        let jobs = crate::jobs::call_job_prefixes(id).into_iter().collect();
        if self.store.update_call_forgetting_audio(row, expected, jobs).await?.is_none() {
            // It moved meanwhile (an analysis finished): try once more from there.
            let Some(current) = self.store.call_by_id(id).await? else { return Ok(Vec::new()) };
            return Box::pin(self.audio_deleted(current)).await;
        }
        Ok(orphans)
    }

    /// A pushed call whose recording failed is pushed again with a new URL:
    /// failed → uploading, its failure cleared, with the download job, in one
    /// transaction. The call as it is afterwards (unchanged when another
    /// request moved it first).
    pub(crate) async fn fetch_again(
        &self,
        failed: &call::Model,
        fetch: filmroom_store::NewJob,
    ) -> Result<call::Model, ReviewError> {
        if !can_become(failed.status, CallStatus::Uploading) {
            return Ok(failed.clone());
        }
        let at = now();
        let mut row = failed.clone();
        row.status = CallStatus::Uploading;
        row.failure_code = None;
        row.failure_message = None;
        row.updated_at = at;
        match self.store.update_call_with_job(row, failed.status, fetch, at).await? {
            Some(call) => Ok(call),
            None => self.store.call_by_id(failed.id).await?.ok_or_else(|| ReviewError::NotFound {
                entity: crate::rules::error::Entity::Call,
                id: failed.id.to_string(),
            }),
        }
    }

    /// The call an analysis job is about, if it still has the job's audio.
    async fn analysed_call(&self, job: &AnalyzeCall) -> Result<Option<call::Model>, StoreError> {
        Ok(self
            .store
            .call_by_id(job.call_id)
            .await?
            .filter(|row| row.audio_key.as_deref() == Some(job.audio_key.as_str())))
    }
}
