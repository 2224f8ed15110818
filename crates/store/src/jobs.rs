//! The durable job queue, on SQLite and PostgreSQL alike.
//!
//! Workers claim one job at a time with a lease. On PostgreSQL the claim is an
//! `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *`, so
//! concurrent workers never take the same job; SQLite has no row locks but
//! runs one writer at a time, so the same `UPDATE … RETURNING` without the lock
//! clause is already atomic. A job whose lease lapses (its worker died) is
//! claimed again by the next worker that asks.

use crate::ids::JobId;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, Statement};

use crate::{
    Store, StoreError,
    entity::job::{self, JobKind, JobStatus},
};

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// What to do.
    pub kind: JobKind,
    /// Parameters.
    pub payload: serde_json::Value,
    /// A second job with the same key is not created.
    pub dedupe_key: String,
    /// Claims before giving up.
    pub max_attempts: i32,
}

/// How a worker leaves a job it held.
#[derive(Debug, Clone)]
pub struct JobSettlement {
    /// `Done`, `Failed`, or `Queued` to run again.
    pub status: JobStatus,
    /// When it may run again (for `Queued`).
    pub run_at: DateTime<Utc>,
    /// Why the attempt failed.
    pub error: Option<String>,
    /// Attempts to record (one less when a job is released unfinished).
    pub attempts: i32,
}

const CLAIM_POSTGRES: &str = r#"
UPDATE jobs SET status = 'running', locked_by = $1, lease_expires_at = $2,
       attempts = attempts + 1, updated_at = $3
 WHERE id = (SELECT id FROM jobs
              WHERE kind = $4
                AND ((status = 'queued' AND run_at <= $3)
                  OR (status = 'running' AND lease_expires_at < $3))
              ORDER BY run_at
              LIMIT 1
              FOR UPDATE SKIP LOCKED)
RETURNING *"#;

const CLAIM_SQLITE: &str = r#"
UPDATE jobs SET status = 'running', locked_by = ?1, lease_expires_at = ?2,
       attempts = attempts + 1, updated_at = ?3
 WHERE id = (SELECT id FROM jobs
              WHERE kind = ?4
                AND ((status = 'queued' AND run_at <= ?3)
                  OR (status = 'running' AND lease_expires_at < ?3))
              ORDER BY run_at
              LIMIT 1)
RETURNING *"#;

impl Store {
    /// Adds a job unless one with the same dedupe key exists.
    pub async fn enqueue_job(&self, new: NewJob, at: DateTime<Utc>) -> Result<(), StoreError> {
        enqueue_job_on(&self.db, new, at).await
    }

    /// Claims the next due job of `kind` (or one whose lease lapsed) for
    /// `worker` until `lease_until`. Each kind is its own lane, so a backlog
    /// of one kind never holds up another.
    pub async fn claim_job(
        &self,
        worker: &str,
        kind: JobKind,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<job::Model>, StoreError> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(&self.db);
        let sql = match backend {
            DbBackend::Postgres => CLAIM_POSTGRES,
            _ => CLAIM_SQLITE,
        };
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [
                worker.into(),
                lease_until.into(),
                now.into(),
                sea_orm::ActiveEnum::to_value(&kind).into(),
            ],
        );
        Ok(job::Entity::find().from_raw_sql(statement).one(self.db.writer()).await?)
    }

    /// Extends the lease; `false` when the job is no longer held by `worker`.
    pub async fn renew_lease(
        &self,
        id: JobId,
        worker: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = job::Entity::update_many()
            .col_expr(job::Column::LeaseExpiresAt, lease_until.into())
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::LockedBy.eq(worker))
            .filter(job::Column::Status.eq(JobStatus::Running))
            .exec(self.db.writer())
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Releases a job held by `worker` in the state `settlement` describes.
    /// Returns `false` when `worker` no longer holds it.
    pub async fn settle_job(
        &self,
        held: &job::Model,
        worker: &str,
        settlement: JobSettlement,
    ) -> Result<bool, StoreError> {
        let result = job::Entity::update_many()
            .col_expr(job::Column::Status, sea_orm::sea_query::Expr::value(settlement.status))
            .col_expr(job::Column::RunAt, settlement.run_at.into())
            .col_expr(job::Column::LastError, settlement.error.into())
            .col_expr(job::Column::Attempts, settlement.attempts.into())
            .col_expr(job::Column::LockedBy, Option::<String>::None.into())
            .col_expr(job::Column::LeaseExpiresAt, Option::<DateTime<Utc>>::None.into())
            .col_expr(job::Column::UpdatedAt, crate::now().into())
            .filter(job::Column::Id.eq(held.id))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(self.db.writer())
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// One job by id.
    pub async fn job(&self, id: JobId) -> Result<Option<job::Model>, StoreError> {
        Ok(job::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// The job with this dedupe key, if any.
    pub async fn job_with_key(&self, dedupe_key: &str) -> Result<Option<job::Model>, StoreError> {
        Ok(job::Entity::find().filter(job::Column::DedupeKey.eq(dedupe_key)).one(&self.db).await?)
    }

    /// Deletes finished and failed jobs of a call, when the call goes.
    pub async fn delete_jobs_with_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        delete_jobs_with_prefix_on(&self.db, prefix).await
    }
}

impl job::Model {
    /// Whether it can run again after this attempt.
    pub fn has_attempts_left(&self) -> bool {
        self.attempts < self.max_attempts
    }
}

/// Deletes the jobs whose dedupe key starts with `prefix` on `db`, which may
/// be a transaction.
pub(crate) async fn delete_jobs_with_prefix_on(
    db: &impl sea_orm::ConnectionTrait,
    prefix: &str,
) -> Result<(), StoreError> {
    job::Entity::delete_many().filter(job::Column::DedupeKey.starts_with(prefix)).exec(db).await?;
    Ok(())
}

/// Enqueues a job on `db`, which may be a transaction.
pub(crate) async fn enqueue_job_on(
    db: &impl sea_orm::ConnectionTrait,
    new: NewJob,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = job::Model {
        id: JobId::generate(),
        kind: new.kind,
        payload: new.payload,
        dedupe_key: new.dedupe_key,
        status: JobStatus::Queued,
        attempts: 0,
        max_attempts: new.max_attempts,
        run_at: at,
        locked_by: None,
        lease_expires_at: None,
        last_error: None,
        created_at: at,
        updated_at: at,
    };
    job::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing_on([job::Column::DedupeKey])
        .exec(db)
        .await?;
    Ok(())
}
