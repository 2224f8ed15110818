//! Queries over calls, always scoped to one organisation.

use crate::ids::{CallId, OrganisationId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};

use crate::{
    Store, StoreError,
    cache::{CacheKey, Topic},
    entity::call::{self, CallStatus},
};

/// Another call of the organisation already has this external reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRefTaken(pub call::Model);

/// What is written with a call's change, in the same transaction.
enum CallFollowUp {
    /// An outbox event.
    Event(crate::entity::event::Model),
    /// A job, due at the given time.
    Job(crate::NewJob, DateTime<Utc>),
    /// The recording is gone: the call's jobs (by dedupe-key prefix) and its
    /// transcript go too.
    ForgetAudio(Vec<String>),
}

/// Which calls to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CallFilter {
    /// Only these reps' calls (`None`: any rep).
    pub rep_ids: Option<Vec<UserId>>,
    /// Only calls that took place at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only calls that took place before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only calls in this state.
    pub status: Option<CallStatus>,
    /// Only calls from this source (`api`, `twilio`, …).
    pub source: Option<String>,
    /// Newest first (and `after` then means "older than").
    pub newest_first: bool,
    /// Only calls whose rep talk ratio is at least this, in basis points.
    pub talk_ratio_bp_min: Option<i32>,
    /// Only calls whose rep talk ratio is at most this, in basis points.
    pub talk_ratio_bp_max: Option<i32>,
}

impl Store {
    /// Inserts a call; a duplicate external reference returns the existing call.
    pub async fn insert_call(
        &self,
        row: call::Model,
    ) -> Result<Result<call::Model, ExternalRefTaken>, StoreError> {
        self.insert_call_with_job(row, None, crate::now()).await
    }

    /// Inserts a call and, in the same transaction, the job that works on it
    /// (so a crash cannot leave a call waiting for a job that was never
    /// queued). A duplicate external reference returns the existing call and
    /// queues nothing.
    pub async fn insert_call_with_job(
        &self,
        row: call::Model,
        job: Option<crate::NewJob>,
        at: DateTime<Utc>,
    ) -> Result<Result<call::Model, ExternalRefTaken>, StoreError> {
        let organisation_id = row.organisation_id;
        let external_ref = row.external_ref.clone();
        let source = row.source.clone();
        let _changing = self.changing([Topic::Call(row.id), Topic::Calls(organisation_id)]);
        let txn = self.db.begin().await?;
        match row.into_active_model().insert(&txn).await {
            Ok(model) => {
                if let Some(job) = job {
                    crate::jobs::enqueue_job_on(&txn, job, at).await?;
                }
                txn.commit().await?;
                Ok(Ok(model))
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                let existing = call::Entity::find()
                    .filter(call::Column::OrganisationId.eq(organisation_id))
                    .filter(call::Column::Source.eq(source))
                    .filter(call::Column::ExternalRef.eq(external_ref))
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::Database(e))?;
                Ok(Err(ExternalRefTaken(existing)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One call of the organisation.
    pub async fn call(
        &self,
        organisation_id: OrganisationId,
        id: CallId,
    ) -> Result<Option<call::Model>, StoreError> {
        self.cached(CacheKey::Call(organisation_id, id), async {
            Ok(call::Entity::find_by_id(id)
                .filter(call::Column::OrganisationId.eq(organisation_id))
                .one(&self.db)
                .await?)
        })
        .await
    }

    /// The call a source pushed with this external reference.
    pub async fn call_by_source_ref(
        &self,
        organisation_id: OrganisationId,
        source: &str,
        external_ref: &str,
    ) -> Result<Option<call::Model>, StoreError> {
        Ok(call::Entity::find()
            .filter(call::Column::OrganisationId.eq(organisation_id))
            .filter(call::Column::Source.eq(source))
            .filter(call::Column::ExternalRef.eq(external_ref))
            .one(&self.db)
            .await?)
    }

    /// One call by id alone, for the worker (which acts for no organisation).
    pub async fn call_by_id(&self, id: CallId) -> Result<Option<call::Model>, StoreError> {
        Ok(call::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// Calls of the organisation matching `filter`, in id order after `after`.
    pub async fn calls_page(
        &self,
        organisation_id: OrganisationId,
        filter: &CallFilter,
        after: Option<CallId>,
        limit: u64,
    ) -> Result<Vec<call::Model>, StoreError> {
        self.cached(
            CacheKey::CallsPage(Box::new((organisation_id, filter.clone(), after, limit))),
            async {
                let mut query =
                    call::Entity::find().filter(call::Column::OrganisationId.eq(organisation_id));
                if let Some(reps) = &filter.rep_ids {
                    query = query.filter(call::Column::RepId.is_in(reps.iter().copied()));
                }
                if let Some(from) = filter.from {
                    query = query.filter(call::Column::OccurredAt.gte(from));
                }
                if let Some(to) = filter.to {
                    query = query.filter(call::Column::OccurredAt.lt(to));
                }
                if let Some(status) = filter.status {
                    query = query.filter(call::Column::Status.eq(status));
                }
                if let Some(source) = &filter.source {
                    query = query.filter(call::Column::Source.eq(source.as_str()));
                }
                if filter.talk_ratio_bp_min.is_some() || filter.talk_ratio_bp_max.is_some() {
                    use crate::entity::call_metrics;
                    use sea_orm::sea_query::Query;
                    let mut figures = Query::select();
                    figures
                        .column(call_metrics::Column::CallId)
                        .from(call_metrics::Entity)
                        .and_where(call_metrics::Column::OrganisationId.eq(organisation_id))
                        .and_where(call_metrics::Column::TalkRatioBp.is_not_null());
                    if let Some(min) = filter.talk_ratio_bp_min {
                        figures.and_where(call_metrics::Column::TalkRatioBp.gte(min));
                    }
                    if let Some(max) = filter.talk_ratio_bp_max {
                        figures.and_where(call_metrics::Column::TalkRatioBp.lte(max));
                    }
                    query = query.filter(call::Column::Id.in_subquery(figures.to_owned()));
                }
                if filter.newest_first {
                    if let Some(after) = after {
                        query = query.filter(call::Column::Id.lt(after));
                    }
                    return Ok(query
                        .order_by_desc(call::Column::Id)
                        .limit(limit)
                        .all(&self.db)
                        .await?);
                }
                if let Some(after) = after {
                    query = query.filter(call::Column::Id.gt(after));
                }
                Ok(query.order_by_asc(call::Column::Id).limit(limit).all(&self.db).await?)
            },
        )
        .await
    }

    /// Every ready call, in every organisation (for operators' reanalysis).
    pub async fn ready_calls(&self) -> Result<Vec<call::Model>, StoreError> {
        Ok(call::Entity::find()
            .filter(call::Column::Status.eq(CallStatus::Ready))
            .order_by_asc(call::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Writes a changed call. When `expected` is given, the write happens only
    /// if the stored status is still that one, and `None` says it was not.
    pub async fn update_call(
        &self,
        row: call::Model,
        expected: Option<CallStatus>,
    ) -> Result<Option<call::Model>, StoreError> {
        let _changing = self.changing([Topic::Call(row.id), Topic::Calls(row.organisation_id)]);
        let active = row.clone().into_active_model().reset_all();
        let mut update =
            call::Entity::update_many().set(active).filter(call::Column::Id.eq(row.id));
        if let Some(expected) = expected {
            update = update.filter(call::Column::Status.eq(expected));
        }
        let result = update.exec(self.db.writer()).await?;
        Ok((result.rows_affected == 1).then_some(row))
    }

    /// Writes only a call's descriptive columns (title, time, direction,
    /// counterpart), so editing them can never undo a lifecycle move made
    /// meanwhile; the call as it is afterwards.
    pub async fn update_call_details(
        &self,
        row: &call::Model,
    ) -> Result<Option<call::Model>, StoreError> {
        use sea_orm::sea_query::Expr;
        let changing = self.changing([Topic::Call(row.id), Topic::Calls(row.organisation_id)]);
        call::Entity::update_many()
            .col_expr(call::Column::Title, Expr::value(row.title.clone()))
            .col_expr(call::Column::OccurredAt, Expr::value(row.occurred_at))
            .col_expr(call::Column::Direction, Expr::value(row.direction))
            .col_expr(call::Column::CounterpartName, Expr::value(row.counterpart_name.clone()))
            .col_expr(
                call::Column::CounterpartCompany,
                Expr::value(row.counterpart_company.clone()),
            )
            .col_expr(call::Column::RepChannel, Expr::value(row.rep_channel))
            .col_expr(call::Column::UpdatedAt, Expr::value(row.updated_at))
            .filter(call::Column::Id.eq(row.id))
            .exec(self.db.writer())
            .await?;
        drop(changing);
        self.call_by_id(row.id).await
    }

    /// Like [`Store::update_call`], recording `event` in the same transaction
    /// when the write happens.
    pub async fn update_call_with_event(
        &self,
        row: call::Model,
        expected: CallStatus,
        event: crate::entity::event::Model,
    ) -> Result<Option<call::Model>, StoreError> {
        self.update_call_and(row, expected, CallFollowUp::Event(event)).await
    }

    /// Like [`Store::update_call`] with an expected status, queueing `job` in
    /// the same transaction when the write happens.
    pub async fn update_call_with_job(
        &self,
        row: call::Model,
        expected: CallStatus,
        job: crate::NewJob,
        at: DateTime<Utc>,
    ) -> Result<Option<call::Model>, StoreError> {
        self.update_call_and(row, expected, CallFollowUp::Job(job, at)).await
    }

    /// Like [`Store::update_call`] with an expected status, removing the
    /// call's jobs whose dedupe keys start with `job_prefixes` and its
    /// transcript in the same transaction when the write happens: what a
    /// call loses with its recording, all or nothing.
    pub async fn update_call_forgetting_audio(
        &self,
        row: call::Model,
        expected: CallStatus,
        job_prefixes: Vec<String>,
    ) -> Result<Option<call::Model>, StoreError> {
        self.update_call_and(row, expected, CallFollowUp::ForgetAudio(job_prefixes)).await
    }

    async fn update_call_and(
        &self,
        row: call::Model,
        expected: CallStatus,
        follow_up: CallFollowUp,
    ) -> Result<Option<call::Model>, StoreError> {
        let _changing = self.changing([Topic::Call(row.id), Topic::Calls(row.organisation_id)]);
        let txn = self.db.begin().await?;
        let result = call::Entity::update_many()
            .set(row.clone().into_active_model().reset_all())
            .filter(call::Column::Id.eq(row.id))
            .filter(call::Column::Status.eq(expected))
            .exec(&txn)
            .await?;
        if result.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        match follow_up {
            CallFollowUp::Event(event) => {
                event.into_active_model().insert(&txn).await?;
            }
            CallFollowUp::Job(job, at) => crate::jobs::enqueue_job_on(&txn, job, at).await?,
            CallFollowUp::ForgetAudio(job_prefixes) => {
                use crate::entity::transcript_segment;
                for prefix in &job_prefixes {
                    crate::jobs::delete_jobs_with_prefix_on(&txn, prefix).await?;
                }
                transcript_segment::Entity::delete_many()
                    .filter(transcript_segment::Column::CallId.eq(row.id))
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(Some(row))
    }

    /// Replaces a call's transcript with `rows` in one transaction.
    pub async fn replace_transcript(
        &self,
        call_id: CallId,
        rows: Vec<crate::entity::transcript_segment::Model>,
    ) -> Result<(), StoreError> {
        use crate::entity::transcript_segment;
        let txn = self.db.begin().await?;
        transcript_segment::Entity::delete_many()
            .filter(transcript_segment::Column::CallId.eq(call_id))
            .exec(&txn)
            .await?;
        for chunk in rows.chunks(500) {
            transcript_segment::Entity::insert_many(
                chunk.iter().cloned().map(IntoActiveModel::into_active_model),
            )
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// A call's transcript in order.
    pub async fn transcript(
        &self,
        call_id: CallId,
    ) -> Result<Vec<crate::entity::transcript_segment::Model>, StoreError> {
        use crate::entity::transcript_segment;
        Ok(transcript_segment::Entity::find()
            .filter(transcript_segment::Column::CallId.eq(call_id))
            .order_by_asc(transcript_segment::Column::Position)
            .all(&self.db)
            .await?)
    }

    /// Whether a call is in review: someone other than its rep commented on
    /// it, it was shared (or further), or a 1:1 clipped it.
    pub async fn call_in_review(
        &self,
        call_id: CallId,
        rep_id: UserId,
    ) -> Result<bool, StoreError> {
        use crate::entity::{clip, comment, nomination, nomination::ReviewState};
        use sea_orm::PaginatorTrait;
        let others_commented = comment::Entity::find()
            .filter(comment::Column::CallId.eq(call_id))
            .filter(comment::Column::AuthorId.ne(rep_id))
            .count(&self.db)
            .await?
            > 0;
        let shared = nomination::Entity::find()
            .filter(nomination::Column::CallId.eq(call_id))
            .filter(nomination::Column::State.is_in([
                ReviewState::Shared,
                ReviewState::ManagerReviewed,
                ReviewState::Discussed,
            ]))
            .count(&self.db)
            .await?
            > 0;
        let clipped =
            clip::Entity::find().filter(clip::Column::CallId.eq(call_id)).count(&self.db).await?
                > 0;
        Ok(others_commented || shared || clipped)
    }

    /// Stores a call's headline conversation figures, replacing earlier ones.
    pub async fn put_call_metrics(
        &self,
        row: crate::entity::call_metrics::Model,
    ) -> Result<(), StoreError> {
        use crate::entity::call_metrics;
        use sea_orm::sea_query::OnConflict;
        // Pages of calls filter on these figures.
        let _changing = self.changing([Topic::Calls(row.organisation_id)]);
        call_metrics::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(call_metrics::Column::CallId)
                    .update_columns([
                        call_metrics::Column::TalkRatioBp,
                        call_metrics::Column::LongestMonologueMs,
                        call_metrics::Column::PatienceMs,
                        call_metrics::Column::TurnChanges,
                        call_metrics::Column::RepQuestions,
                        call_metrics::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// The stored conversation figures of these calls (calls without any are left out).
    pub async fn call_metrics_of(
        &self,
        ids: &[CallId],
    ) -> Result<Vec<crate::entity::call_metrics::Model>, StoreError> {
        use crate::entity::call_metrics;
        let mut rows = Vec::new();
        for chunk in ids.chunks(500) {
            rows.extend(
                call_metrics::Entity::find()
                    .filter(call_metrics::Column::CallId.is_in(chunk.iter().copied()))
                    .all(&self.db)
                    .await?,
            );
        }
        Ok(rows)
    }

    /// A rep's ready calls that took place in `[from, to)` (by when they were
    /// created, for calls that do not say when they took place).
    pub async fn rep_calls_between(
        &self,
        organisation_id: OrganisationId,
        rep_id: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<call::Model>, StoreError> {
        Ok(call::Entity::find()
            .filter(call::Column::OrganisationId.eq(organisation_id))
            .filter(call::Column::RepId.eq(rep_id))
            .filter(call::Column::Status.eq(CallStatus::Ready))
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(call::Column::OccurredAt.gte(from))
                            .add(call::Column::OccurredAt.lt(to)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(call::Column::OccurredAt.is_null())
                            .add(call::Column::CreatedAt.gte(from))
                            .add(call::Column::CreatedAt.lt(to)),
                    ),
            )
            .all(&self.db)
            .await?)
    }

    /// Deletes a call row, and with it its comments and reviews.
    pub async fn delete_call(
        &self,
        organisation_id: OrganisationId,
        id: CallId,
    ) -> Result<(), StoreError> {
        let _changing = self.changing([
            Topic::Call(id),
            Topic::Calls(organisation_id),
            Topic::Comments(id),
            Topic::Review(id),
        ]);
        call::Entity::delete_by_id(id).exec(self.db.writer()).await?;
        Ok(())
    }
}
