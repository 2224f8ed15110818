//! The worker loop: claim, heartbeat, analyse, settle.

use std::{path::PathBuf, time::Duration};

use chrono::{DateTime, Utc};
use filmroom_review::{
    AnalysisSettled, FailedStep, Review, ReviewError,
    jobs::{self, AnalyzeCall, Job, JobError},
};
use filmroom_store::{JobSettlement, JobStatus, Store, StoreError, entity::job, now};
use futures_util::StreamExt;
use tokio::{io::AsyncWriteExt, sync::watch};
use uuid::Uuid;

use crate::{AnalyzerOutcome, Sandbox};

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Names this worker in job leases and logs.
    pub worker_id: String,
    /// The one kind of job this worker claims: each kind is a lane with
    /// workers of its own, so a backlog of analyses never delays a fetch.
    pub lane: filmroom_store::JobKind,
    /// Where recordings are copied for analysis.
    pub scratch_dir: PathBuf,
    /// How long a claim lasts without a heartbeat.
    pub lease: Duration,
    /// How long to sleep when the queue is empty.
    pub poll_interval: Duration,
    /// First retry delay; doubled on every further attempt up to the job
    /// kind's longest delay.
    pub retry_base: Duration,
    /// How the analyzer child process is run.
    pub sandbox: Sandbox,
    /// Analysis attempts queued for a downloaded recording.
    pub analysis_attempts: u32,
    /// Limits of recording downloads from dialers; which addresses webhook
    /// deliveries may reach.
    pub fetch: crate::FetchPolicy,
    /// The SMTP server emails go through, when one is configured.
    pub mailer: Option<crate::Mailer>,
}

/// One worker: processes one job at a time until told to stop.
#[derive(Debug, Clone)]
pub struct Worker {
    store: Store,
    review: Review,
    config: WorkerConfig,
}

enum Step {
    Busy,
    Idle,
}

impl Worker {
    /// A worker over `store`.
    pub fn new(store: Store, config: WorkerConfig) -> Self {
        let review = Review::new(store.clone()).with_analysis_attempts(config.analysis_attempts);
        Self { store, review, config }
    }

    /// Runs until `shutdown` turns true. A job in progress then finishes, or
    /// is released for another worker when `drain` runs out.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, drain: Duration) {
        tracing::debug!(worker = %self.config.worker_id, "worker started");
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
        tracing::debug!(worker = %self.config.worker_id, "worker stopped");
    }

    fn lease_until(&self, from: DateTime<Utc>) -> DateTime<Utc> {
        from + chrono::Duration::from_std(self.config.lease)
            .unwrap_or(chrono::Duration::seconds(60))
    }

    fn backoff(&self, job: &job::Model) -> Duration {
        let exponent = u32::try_from(job.attempts.saturating_sub(1)).unwrap_or(0).min(16);
        let longest = self.review.job_policy(job.kind).max_backoff;
        self.config.retry_base.saturating_mul(1 << exponent).min(longest)
    }

    async fn step(
        &self,
        shutdown: &mut watch::Receiver<bool>,
        drain: Duration,
    ) -> Result<Step, StoreError> {
        // Outbox events become webhook deliveries before the delivery lane's
        // next claim, so a delivery job is picked up in the same pass.
        if self.config.lane == filmroom_store::JobKind::DeliverWebhook
            && let Err(e) = self.review.webhooks().dispatch_events().await
        {
            tracing::warn!(error = ?e, "dispatching events to webhooks failed");
        }
        let at = now();
        let Some(claimed) = self
            .store
            .claim_job(&self.config.worker_id, self.config.lane, self.lease_until(at), at)
            .await?
        else {
            return Ok(Step::Idle);
        };
        let job = match Job::read(claimed.kind, &claimed.payload) {
            Ok(job) => job,
            Err(failure) => {
                self.settle(
                    &claimed,
                    JobStatus::Failed,
                    now(),
                    Some(failure.to_string()),
                    claimed.attempts,
                )
                .await?;
                return Ok(Step::Busy);
            }
        };
        if claimed.attempts > claimed.max_attempts {
            // Claimed again after its last worker died on the final attempt.
            let failure = JobError::abort(
                self.review.job_policy(claimed.kind).failure_code,
                claimed.last_error.clone().unwrap_or_else(|| "the job never completed".into()),
            );
            self.give_up(&claimed, &job, &failure).await?;
            return Ok(Step::Busy);
        }
        let outcome = {
            let work = self.process(&claimed, &job);
            tokio::pin!(work);
            let mut heartbeat = tokio::time::interval(self.config.lease / 3);
            heartbeat.tick().await;
            let mut stopping: Option<std::pin::Pin<Box<tokio::time::Sleep>>> = None;
            loop {
                tokio::select! {
                    outcome = &mut work => break Some(outcome),
                    _ = heartbeat.tick() => {
                        match self.store.renew_lease(claimed.id, &self.config.worker_id, self.lease_until(now())).await {
                            Ok(true) => {}
                            Ok(false) => {
                                tracing::warn!(job = %claimed.id, "lease lost; another worker has the job");
                                return Ok(Step::Busy);
                            }
                            Err(e) => tracing::warn!(job = %claimed.id, error = ?e, "renewing the lease failed"),
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
                self.settle(&claimed, JobStatus::Done, now(), None, claimed.attempts).await?;
                tracing::info!(job = %claimed.id, "job done");
            }
            Some(Err(failure))
                if failure.is_retry()
                    && claimed.has_attempts_left()
                    && !timed_out_before(&claimed, &failure) =>
            {
                let delay = self.backoff(&claimed);
                let run_at = now() + chrono::Duration::from_std(delay).unwrap_or_default();
                tracing::warn!(job = %claimed.id, code = %failure.code(), message = %failure.message(), retry_in_s = delay.as_secs(), "job failed; will retry");
                self.requeue(&job).await?;
                self.settle(
                    &claimed,
                    JobStatus::Queued,
                    run_at,
                    Some(failure.to_string()),
                    claimed.attempts,
                )
                .await?;
            }
            Some(Err(failure)) => self.give_up(&claimed, &job, &failure).await?,
            None => {
                tracing::info!(job = %claimed.id, "shutting down; releasing the job for another worker");
                self.requeue(&job).await?;
                self.settle(
                    &claimed,
                    JobStatus::Queued,
                    now(),
                    claimed.last_error.clone(),
                    claimed.attempts - 1,
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

    async fn give_up(
        &self,
        claimed: &job::Model,
        job: &Job,
        failure: &JobError,
    ) -> Result<(), StoreError> {
        tracing::warn!(job = %claimed.id, code = %failure.code(), message = %failure.message(), "job failed for good");
        let failed = match job {
            Job::FetchRecording(fetch) => Some((fetch.call_id, FailedStep::Fetch)),
            Job::AnalyzeCall(analysis) => {
                Some((analysis.call_id, FailedStep::Analysis(analysis.clone())))
            }
            Job::DeliverWebhook(_) => None,
            Job::SendEmail(email) => {
                if let Err(e) =
                    self.review.emails().give_up(email.email_id, failure.message()).await
                {
                    tracing::warn!(email = %email.email_id, error = ?e, "marking the email failed did not work");
                }
                None
            }
        };
        if let Some((call_id, step)) = failed {
            self.review
                .lifecycle()
                .fail_call(call_id, &step, failure.code(), failure.message())
                .await?;
        }
        self.settle(claimed, JobStatus::Failed, now(), Some(failure.to_string()), claimed.attempts)
            .await?;
        Ok(())
    }

    /// Puts a call whose analysis will run again back to `queued`.
    async fn requeue(&self, job: &Job) -> Result<(), StoreError> {
        match job {
            Job::AnalyzeCall(analysis) => self.review.lifecycle().requeue_analysis(analysis).await,
            Job::FetchRecording(_) | Job::DeliverWebhook(_) | Job::SendEmail(_) => Ok(()),
        }
    }

    async fn process(&self, claimed: &job::Model, job: &Job) -> Result<(), JobError> {
        match job {
            Job::DeliverWebhook(delivery) => {
                let final_try = !claimed.has_attempts_left();
                let attempt = crate::webhook::attempt(
                    &self.review,
                    &self.config.fetch,
                    delivery.delivery_id,
                    final_try,
                )
                .await
                .map_err(|e| review_failure(claimed, &e))?;
                match attempt {
                    crate::webhook::Attempt::Delivered | crate::webhook::Attempt::Gone => Ok(()),
                    crate::webhook::Attempt::Failed(reason) => {
                        Err(JobError::retry("delivery_failed", reason))
                    }
                }
            }
            Job::FetchRecording(fetch) => {
                crate::fetch::fetch_recording(&self.review, &self.config.fetch, fetch)
                    .await
                    .map_err(|f| {
                        if f.retry {
                            JobError::retry(f.code, f.message)
                        } else {
                            JobError::abort(f.code, f.message)
                        }
                    })
            }
            Job::AnalyzeCall(analysis) => self.analyze_call(claimed, analysis).await,
            Job::SendEmail(email) => match &self.config.mailer {
                Some(mailer) => {
                    mailer.send(&self.review, email.email_id, !claimed.has_attempts_left()).await
                }
                None => Err(JobError::retry(
                    "email_failed",
                    "this worker has no SMTP server configured (--smtp-url)",
                )),
            },
        }
    }

    async fn analyze_call(&self, claimed: &job::Model, job: &AnalyzeCall) -> Result<(), JobError> {
        let store_failure = |e: StoreError| JobError::from_store(claimed.kind, &e);
        let Some(row) = self.review.lifecycle().begin_analysis(job).await.map_err(store_failure)?
        else {
            // Deleted, given other audio, or settled by an earlier attempt.
            return Ok(());
        };

        let scratch = tempfile::Builder::new()
            .prefix("analyze-")
            .tempdir_in(&self.config.scratch_dir)
            .map_err(|e| {
                JobError::retry(
                    "analysis_failed",
                    format!("cannot create a scratch directory: {e}"),
                )
            })?;
        let input = scratch.path().join("original");
        let peaks_path = scratch.path().join("peaks.json");
        let speech_path = scratch.path().join("speech.json");
        let size = self.download(&job.audio_key, &input).await?;

        let facts = match self.config.sandbox.analyze(&input, &peaks_path, &speech_path, size).await
        {
            AnalyzerOutcome::Analysed(facts) => facts,
            AnalyzerOutcome::Refused(refusal) => {
                return Err(JobError::abort(refusal.code.as_str(), refusal.message));
            }
            AnalyzerOutcome::Failed { code, message } => {
                return Err(JobError::retry(code, message));
            }
        };
        let peaks = tokio::fs::read(&peaks_path).await.map_err(|e| {
            JobError::retry("analysis_failed", format!("the analyzer wrote no peaks: {e}"))
        })?;
        let speech = tokio::fs::read(&speech_path).await.map_err(|e| {
            JobError::retry(
                "analysis_failed",
                format!("the analyzer wrote no speech segments: {e}"),
            )
        })?;
        let peaks_key = format!("calls/{}/peaks-{}.json", row.id, Uuid::now_v7().simple());
        // The speech segments live beside the peaks, under the matching name.
        self.store
            .blobs()
            .put(&filmroom_review::speech_key(&peaks_key), bytes::Bytes::from(speech))
            .await
            .map_err(store_failure)?;
        self.store
            .blobs()
            .put(&peaks_key, bytes::Bytes::from(peaks))
            .await
            .map_err(store_failure)?;
        match self
            .review
            .lifecycle()
            .finish_analysis(job, &facts, peaks_key)
            .await
            .map_err(store_failure)?
        {
            AnalysisSettled::Ready => {}
            AnalysisSettled::Superseded => {
                tracing::info!(call = %job.call_id, "the call moved on during analysis; nothing kept");
            }
        }
        Ok(())
    }

    /// Copies a blob to a local file, returning its size.
    async fn download(&self, key: &str, to: &std::path::Path) -> Result<u64, JobError> {
        let blob = match self.store.blobs().get_range(key, None).await {
            Ok(blob) => blob,
            Err(StoreError::BlobNotFound(_)) => {
                return Err(JobError::abort(
                    "audio_missing",
                    format!("the recording {key} is missing from storage"),
                ));
            }
            Err(e) => return Err(JobError::from_store(filmroom_store::JobKind::AnalyzeCall, &e)),
        };
        let mut file = tokio::fs::File::create(to).await.map_err(|e| {
            JobError::retry("analysis_failed", format!("cannot write {}: {e}", to.display()))
        })?;
        let mut stream = blob.stream;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|e| JobError::from_store(filmroom_store::JobKind::AnalyzeCall, &e))?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(|e| {
                JobError::retry("analysis_failed", format!("cannot write {}: {e}", to.display()))
            })?;
        }
        file.flush().await.map_err(|e| JobError::retry("analysis_failed", e.to_string()))?;
        Ok(size)
    }
}

/// A review-domain failure during a job: its store errors may pass.
fn review_failure(claimed: &job::Model, error: &ReviewError) -> JobError {
    match error {
        ReviewError::Store(e) => JobError::from_store(claimed.kind, e),
        other => JobError::abort(jobs::policy(claimed.kind, 1).failure_code, other.to_string()),
    }
}

/// Whether this is a second timeout in a row: a file that took too long
/// twice will take too long again, so it is not tried a third time.
fn timed_out_before(claimed: &job::Model, failure: &JobError) -> bool {
    failure.code() == "decode_timeout"
        && claimed.last_error.as_deref().is_some_and(|e| e.starts_with("decode_timeout"))
}

/// Queues the reminders, digests and 1:1 notices that are due, every
/// `interval`, until `shutdown` turns true. Several processes may run it:
/// each email is queued at most once per person and period.
pub async fn run_email_schedule(
    review: Review,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match review.emails().schedule_due(now()).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(queued, "emails queued"),
            Err(e) => tracing::warn!(error = ?e, "scheduling emails failed; trying again later"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
