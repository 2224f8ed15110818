//! The worker loop: claim, heartbeat, analyse, settle.

use std::{path::PathBuf, time::Duration};

use chrono::{DateTime, Utc};
use filmroom_store::ids::{CallId, DeliveryId};
use filmroom_store::{
    CallStatus, JobKind, JobSettlement, JobStatus, Store, StoreError,
    entity::{call, job},
    now,
};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::{io::AsyncWriteExt, sync::watch};
use uuid::Uuid;

use filmroom_review::{call_event, integrations::FetchRecording};

use crate::{AnalyzerOutcome, Sandbox};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in job leases and logs.
    pub worker_id: String,
    /// Where recordings are copied for analysis.
    pub scratch_dir: PathBuf,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// How long to sleep when the queue is empty.
    pub poll_interval: Duration,
    /// First retry delay; doubled on every further attempt.
    pub retry_base: Duration,
    /// The longest retry delay.
    pub retry_max: Duration,
    /// How the analyzer child process is run.
    pub sandbox: Sandbox,
    /// Analysis attempts queued for a downloaded recording.
    pub analysis_attempts: u32,
    /// Limits of recording downloads from dialers; which addresses webhook
    /// deliveries may reach.
    pub fetch: crate::FetchPolicy,
}

/// The payload of an `analyze_call` job.
#[derive(Debug, Deserialize)]
struct AnalyzeCall {
    call_id: CallId,
    audio_key: String,
}

/// Why one attempt did not complete.
#[derive(Debug)]
struct Failure {
    code: String,
    message: String,
    retry: bool,
}

impl Failure {
    fn permanent(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into(), retry: false }
    }

    fn retry(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into(), retry: true }
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::retry("analysis_failed", message)
    }
}

/// One worker: processes one job at a time until told to stop.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    review: filmroom_review::Review,
    config: WorkerConfig,
}

enum Step {
    Busy,
    Idle,
}

impl Worker {
    /// A worker over `store`.
    pub fn new(store: Store, config: WorkerConfig) -> Self {
        let review = filmroom_review::Review::new(store.clone())
            .with_analysis_attempts(config.analysis_attempts);
        Self { store, review, config }
    }

    /// Runs until `shutdown` turns true. A job in progress then finishes, or
    /// is released for another worker when `drain` runs out.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, drain: Duration) {
        tracing::info!(worker = %self.config.worker_id, "worker started");
        if let Err(e) = tokio::fs::create_dir_all(&self.config.scratch_dir).await {
            tracing::error!(error = %e, dir = %self.config.scratch_dir.display(), "cannot create the scratch directory");
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.step(&mut shutdown, drain).await {
                Ok(Step::Busy) => {}
                Ok(Step::Idle) => {
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll_interval) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::warn!(error = ?e, "the job queue is unreachable; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(self.config.poll_interval * 5) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        tracing::info!(worker = %self.config.worker_id, "worker stopped");
    }

    fn lease_until(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        from + chrono::Duration::from_std(self.config.lease)
            .unwrap_or(chrono::Duration::seconds(60))
    }

    fn backoff(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(16);
        self.config.retry_base.saturating_mul(1 << exponent).min(self.config.retry_max)
    }

    async fn step(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        drain: Duration,
    ) -> Result<Step, StoreError> {
        // Outbox events become webhook deliveries before the next claim, so a
        // delivery job is picked up in the same pass.
        if let Err(e) = crate::webhook::dispatch_events(&self.store).await {
            tracing::warn!(error = ?e, "dispatching events to webhooks failed");
        }
        let at = now();
        let Some(job) =
            self.store.claim_job(&self.config.worker_id, self.lease_until(at), at).await?
        else {
            return Ok(Step::Idle);
        };
        if job.attempts > job.max_attempts {
            // Claimed again after its last worker died on the final attempt.
            let failure = Failure::permanent(
                "analysis_failed",
                job.last_error.clone().unwrap_or_else(|| "the analysis never completed".into()),
            );
            self.give_up(&job, &failure).await?;
            return Ok(Step::Busy);
        }
        let outcome = {
            let work = self.process(&job);
            tokio::pin!(work);
            let mut heartbeat = tokio::time::interval(self.config.lease / 3);
            heartbeat.tick().await;
            let mut stopping: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
            loop {
                tokio::select! {
                    outcome = &mut work => break Some(outcome),
                    _ = heartbeat.tick() => {
                        match self.store.renew_lease(job.id, &self.config.worker_id, self.lease_until(now())).await {
                            Ok(true) => {}
                            Ok(false) => {
                                tracing::warn!(job = %job.id, "lease lost; another worker has the job");
                                return Ok(Step::Busy);
                            }
                            Err(e) => tracing::warn!(job = %job.id, error = ?e, "renewing the lease failed"),
                        }
                    }
                    _ = shutdown.changed(), if stopping.is_none() => {
                        stopping = Some(Box::pin(tokio::time::sleep(drain)));
                    }
                    _ = async { if let Some(s) = stopping.as_mut() { s.await } }, if stopping.is_some() => {
                        break None;
                    }
                }
            }
        };
        match outcome {
            Some(Ok(())) => {
                self.settle(&job, JobStatus::Done, now(), None, job.attempts).await?;
                tracing::info!(job = %job.id, "job done");
            }
            Some(Err(failure)) if failure.retry && job.has_attempts_left() => {
                let delay = self.backoff(job.attempts);
                let run_at = now() + chrono::Duration::from_std(delay).unwrap_or_default();
                tracing::warn!(job = %job.id, code = %failure.code, message = %failure.message, retry_in_s = delay.as_secs(), "job failed; will retry");
                self.requeue_call(&job).await?;
                let error = format!("{}: {}", failure.code, failure.message);
                self.settle(&job, JobStatus::Queued, run_at, Some(error), job.attempts).await?;
            }
            Some(Err(failure)) => self.give_up(&job, &failure).await?,
            None => {
                tracing::info!(job = %job.id, "shutting down; releasing the job for another worker");
                self.requeue_call(&job).await?;
                self.settle(
                    &job,
                    JobStatus::Queued,
                    now(),
                    job.last_error.clone(),
                    job.attempts - 1,
                )
                .await?;
            }
        }
        Ok(Step::Busy)
    }

    async fn settle(
        &self,
        job: &job::Model,
        status: JobStatus,
        run_at: DateTime<Utc>,
        error: Option<String>,
        attempts: i32,
    ) -> Result<bool, StoreError> {
        let settlement = JobSettlement { status, run_at, error, attempts };
        self.store.settle_job(job, &self.config.worker_id, settlement).await
    }

    async fn give_up(&self, job: &job::Model, failure: &Failure) -> Result<(), StoreError> {
        tracing::warn!(job = %job.id, code = %failure.code, message = %failure.message, "job failed for good");
        if job.kind == JobKind::FetchRecording
            && let Ok(payload) = serde_json::from_value::<FetchRecording>(job.payload.clone())
            && let Err(e) =
                self.review.fail_fetch(payload.call_id, &failure.code, &failure.message).await
        {
            tracing::warn!(job = %job.id, error = ?e, "marking the call failed did not work");
            return Err(StoreError::Inconsistent(e.to_string()));
        }
        if let Some(mut row) = self.call_of(job).await?
            && row.status.can_become(CallStatus::Failed)
        {
            let expected = row.status;
            row.status = CallStatus::Failed;
            row.failure_code = Some(failure.code.clone());
            row.failure_message = Some(failure.message.clone());
            row.updated_at = now();
            let event = call_event("call.failed", &row);
            self.store.update_call_with_event(row, expected, event).await?;
        }
        let error = format!("{}: {}", failure.code, failure.message);
        self.settle(job, JobStatus::Failed, now(), Some(error), job.attempts).await?;
        Ok(())
    }

    /// Puts a call whose analysis will run again back to `queued`.
    async fn requeue_call(&self, job: &job::Model) -> Result<(), StoreError> {
        if let Some(mut row) = self.call_of(job).await?
            && row.status == CallStatus::Processing
        {
            row.status = CallStatus::Queued;
            row.updated_at = now();
            self.store.update_call(row, Some(CallStatus::Processing)).await?;
        }
        Ok(())
    }

    /// The call a job is about, if it still has the audio the job was queued for.
    async fn call_of(&self, job: &job::Model) -> Result<Option<call::Model>, StoreError> {
        let Ok(payload) = serde_json::from_value::<AnalyzeCall>(job.payload.clone()) else {
            return Ok(None);
        };
        Ok(self
            .store
            .call_by_id(payload.call_id)
            .await?
            .filter(|row| row.audio_key.as_deref() == Some(payload.audio_key.as_str())))
    }

    async fn process(&self, job: &job::Model) -> Result<(), Failure> {
        match job.kind {
            JobKind::DeliverWebhook => {
                let delivery = job
                    .payload
                    .get("delivery_id")
                    .and_then(|v| v.as_str())
                    .and_then(|v| v.parse::<DeliveryId>().ok());
                let Some(delivery) = delivery else {
                    return Err(Failure::permanent("delivery_failed", "malformed job payload"));
                };
                let final_try = !job.has_attempts_left();
                match crate::webhook::attempt(&self.store, &self.config.fetch, delivery, final_try)
                    .await?
                {
                    crate::webhook::Attempt::Delivered | crate::webhook::Attempt::Gone => Ok(()),
                    crate::webhook::Attempt::Failed(reason) => {
                        Err(Failure::retry("delivery_failed", reason))
                    }
                }
            }
            JobKind::FetchRecording => {
                let payload: FetchRecording =
                    serde_json::from_value(job.payload.clone()).map_err(|e| {
                        Failure::permanent(
                            "recording_fetch_failed",
                            format!("malformed job payload: {e}"),
                        )
                    })?;
                crate::fetch::fetch_recording(&self.review, &self.config.fetch, &payload)
                    .await
                    .map_err(|f| Failure {
                        code: f.code.to_owned(),
                        message: f.message,
                        retry: f.retry,
                    })
            }
            JobKind::AnalyzeCall => {
                let payload: AnalyzeCall =
                    serde_json::from_value(job.payload.clone()).map_err(|e| {
                        Failure::permanent("analysis_failed", format!("malformed job payload: {e}"))
                    })?;
                self.analyze_call(payload).await
            }
        }
    }

    async fn analyze_call(&self, payload: AnalyzeCall) -> Result<(), Failure> {
        let Some(mut row) = self.store.call_by_id(payload.call_id).await? else {
            return Ok(()); // Deleted since: nothing to do.
        };
        if row.audio_key.as_deref() != Some(payload.audio_key.as_str()) {
            return Ok(()); // Its audio was replaced; a newer job covers it.
        }
        if row.status == CallStatus::Queued {
            row.status = CallStatus::Processing;
            row.updated_at = now();
            if self.store.update_call(row.clone(), Some(CallStatus::Queued)).await?.is_none() {
                return Ok(());
            }
        } else if row.status != CallStatus::Processing {
            return Ok(()); // Already settled by an earlier attempt.
        }

        let scratch = tempfile::Builder::new()
            .prefix("analyze-")
            .tempdir_in(&self.config.scratch_dir)
            .map_err(|e| {
                Failure::retry("analysis_failed", format!("cannot create a scratch directory: {e}"))
            })?;
        let input = scratch.path().join("original");
        let peaks_path = scratch.path().join("peaks.json");
        let size = self.download(&payload.audio_key, &input).await?;

        let facts = match self.config.sandbox.analyze(&input, &peaks_path, size).await {
            AnalyzerOutcome::Analysed(facts) => facts,
            AnalyzerOutcome::Refused(refusal) => {
                return Err(Failure::permanent(refusal.code.as_str(), refusal.message));
            }
            AnalyzerOutcome::Failed { code, message } => return Err(Failure::retry(code, message)),
        };
        let peaks = tokio::fs::read(&peaks_path).await.map_err(|e| {
            Failure::retry("analysis_failed", format!("the analyzer wrote no peaks: {e}"))
        })?;
        let peaks_key = format!("calls/{}/peaks-{}.json", row.id, Uuid::now_v7().simple());
        self.store.blobs().put(&peaks_key, bytes::Bytes::from(peaks)).await?;

        row.status = CallStatus::Ready;
        row.codec = Some(facts.codec);
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
        let event = call_event("call.ready", &row);
        if self.store.update_call_with_event(row, CallStatus::Processing, event).await?.is_none() {
            // Deleted or replaced meanwhile: keep nothing.
            self.store.blobs().delete(&peaks_key).await?;
            return Ok(());
        }
        if let Some(old) = previous_peaks {
            self.store.blobs().delete(&old).await?;
        }
        Ok(())
    }

    /// Copies a blob to a local file, returning its size.
    async fn download(&self, key: &str, to: &std::path::Path) -> Result<u64, Failure> {
        let blob = match self.store.blobs().get_range(key, None).await {
            Ok(blob) => blob,
            Err(StoreError::BlobNotFound(_)) => {
                return Err(Failure::permanent(
                    "audio_missing",
                    format!("the recording {key} is missing from storage"),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let mut file = tokio::fs::File::create(to).await.map_err(|e| {
            Failure::retry("analysis_failed", format!("cannot write {}: {e}", to.display()))
        })?;
        let mut stream = blob.stream;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(|e| {
                Failure::retry("analysis_failed", format!("cannot write {}: {e}", to.display()))
            })?;
        }
        file.flush().await.map_err(|e| Failure::retry("analysis_failed", e.to_string()))?;
        Ok(size)
    }
}
