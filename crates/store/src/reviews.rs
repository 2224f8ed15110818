//! Queries for the weekly review: nominations, comments, rubric versions,
//! scores and the event outbox. Scoped to one organisation throughout.

use crate::ids::{CallId, CommentId, EventId, NominationId, OrganisationId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, SqlErr,
};

use crate::{
    Store, StoreError,
    cache::{CacheKey, Topic},
    entity::{
        comment, event, nomination, nomination::ReviewState, organisation, rubric_version, score,
        score::ScorerKind,
    },
};

/// A slot is already filled by another nomination of the same call, or the
/// slot was taken concurrently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTaken;

impl Store {
    /// The organisation's settings JSON, as stored (`null` when never set).
    pub async fn set_organisation_settings(
        &self,
        organisation_id: OrganisationId,
        settings: serde_json::Value,
    ) -> Result<(), StoreError> {
        let _changing = self.changing([Topic::Organisation(organisation_id)]);
        organisation::Entity::update_many()
            .col_expr(organisation::Column::Settings, settings.into())
            .filter(organisation::Column::Id.eq(organisation_id))
            .exec(self.db.writer())
            .await?;
        Ok(())
    }

    /// The nominations of one rep for one week.
    pub async fn nominations_of_week(
        &self,
        organisation_id: OrganisationId,
        rep_id: UserId,
        week: &str,
    ) -> Result<Vec<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::OrganisationId.eq(organisation_id))
            .filter(nomination::Column::RepId.eq(rep_id))
            .filter(nomination::Column::Week.eq(week))
            .all(&self.db)
            .await?)
    }

    /// The nominations of several reps for one week.
    pub async fn nominations_of_reps(
        &self,
        organisation_id: OrganisationId,
        rep_ids: &[UserId],
        week: &str,
    ) -> Result<Vec<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::OrganisationId.eq(organisation_id))
            .filter(nomination::Column::RepId.is_in(rep_ids.iter().copied()))
            .filter(nomination::Column::Week.eq(week))
            .all(&self.db)
            .await?)
    }

    /// A rep's nominations across weeks (`from..=to` as week strings, which sort).
    pub async fn nominations_between(
        &self,
        organisation_id: OrganisationId,
        rep_id: UserId,
        from: &str,
        to: &str,
    ) -> Result<Vec<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::OrganisationId.eq(organisation_id))
            .filter(nomination::Column::RepId.eq(rep_id))
            .filter(nomination::Column::Week.gte(from))
            .filter(nomination::Column::Week.lte(to))
            .order_by_asc(nomination::Column::Week)
            .all(&self.db)
            .await?)
    }

    /// The most recent nomination of a call, if it was ever nominated.
    pub async fn latest_nomination_of_call(
        &self,
        organisation_id: OrganisationId,
        call_id: CallId,
    ) -> Result<Option<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::OrganisationId.eq(organisation_id))
            .filter(nomination::Column::CallId.eq(call_id))
            .order_by_desc(nomination::Column::Week)
            .one(&self.db)
            .await?)
    }

    /// Whether any nomination of this call has been shared (or gone further).
    pub async fn call_is_shared(&self, call_id: CallId) -> Result<bool, StoreError> {
        self.cached(CacheKey::CallShared(call_id), async {
            Ok(nomination::Entity::find()
                .filter(nomination::Column::CallId.eq(call_id))
                .filter(nomination::Column::State.ne(ReviewState::Nominated))
                .filter(nomination::Column::State.ne(ReviewState::SelfReviewed))
                .count(&self.db)
                .await?
                > 0)
        })
        .await
    }

    /// Inserts or replaces the nomination in a slot; a concurrent write to the
    /// same slot is an expected outcome.
    pub async fn put_nomination(
        &self,
        row: nomination::Model,
        replace: Option<NominationId>,
    ) -> Result<Result<nomination::Model, SlotTaken>, StoreError> {
        let mut changing = self.changing([Topic::Review(row.call_id)]);
        let txn = self.db.begin().await?;
        if let Some(old) = replace {
            if let Some(replaced) = nomination::Entity::find_by_id(old).one(&txn).await? {
                changing.also(Topic::Review(replaced.call_id));
            }
            // Scores belong to the call that was nominated; they go with it.
            score::Entity::delete_many()
                .filter(score::Column::NominationId.eq(old))
                .exec(&txn)
                .await?;
            nomination::Entity::delete_by_id(old).exec(&txn).await?;
        }
        match row.into_active_model().insert(&txn).await {
            Ok(model) => {
                txn.commit().await?;
                Ok(Ok(model))
            }
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                txn.rollback().await?;
                Ok(Err(SlotTaken))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Moves a nomination to a new state if it is still in `from`, recording an
    /// event in the same transaction. `false` when someone moved it first.
    pub async fn move_nomination(
        &self,
        row: nomination::Model,
        from: ReviewState,
        event: Option<event::Model>,
    ) -> Result<bool, StoreError> {
        let _changing = self.changing([Topic::Review(row.call_id)]);
        let txn = self.db.begin().await?;
        let result = nomination::Entity::update_many()
            .set(row.clone().into_active_model().reset_all())
            .filter(nomination::Column::Id.eq(row.id))
            .filter(nomination::Column::State.eq(from))
            .exec(&txn)
            .await?;
        if result.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        if let Some(event) = event {
            event.into_active_model().insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// A call's comments in time order (changed after `since`, when given),
    /// each with its author's name (`None` for a user since removed), in
    /// one query.
    pub async fn comments_of_call_with_authors(
        &self,
        organisation_id: OrganisationId,
        call_id: CallId,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<(comment::Model, Option<String>)>, StoreError> {
        // The whole list is kept, once per call, and `since` is applied to
        // it: one entry per call however many `since` values are asked for.
        let all = self
            .cached(CacheKey::Comments(organisation_id, call_id), async {
                use crate::entity::user;
                // The author's name only from the same organisation, as everywhere.
                let author: sea_orm::RelationDef = comment::Entity::belongs_to(user::Entity)
                    .from(comment::Column::AuthorId)
                    .to(user::Column::Id)
                    .on_condition(move |_, author| {
                        use sea_orm::sea_query::{ExprTrait, IntoCondition};
                        sea_orm::sea_query::Expr::col((author, user::Column::OrganisationId))
                            .eq(organisation_id)
                            .into_condition()
                    })
                    .into();
                let query = comment::Entity::find()
                    .join(sea_orm::JoinType::LeftJoin, author)
                    .select_also(user::Entity)
                    .filter(comment::Column::OrganisationId.eq(organisation_id))
                    .filter(comment::Column::CallId.eq(call_id));
                Ok(query
                    .order_by_asc(comment::Column::AtMs)
                    .order_by_asc(comment::Column::Id)
                    .all(&self.db)
                    .await?
                    .into_iter()
                    .map(|(comment, author)| (comment, author.map(|u| u.name)))
                    .collect::<Vec<_>>())
            })
            .await?;
        Ok(match since {
            Some(since) => all.into_iter().filter(|(c, _)| c.updated_at > since).collect(),
            None => all,
        })
    }

    /// Comments per call and author for the given calls: `(call, author, count)`.
    pub async fn comment_counts(
        &self,
        call_ids: &[CallId],
    ) -> Result<Vec<(CallId, UserId, i64)>, StoreError> {
        Ok(comment::Entity::find()
            .select_only()
            .column(comment::Column::CallId)
            .column(comment::Column::AuthorId)
            .column_as(comment::Column::Id.count(), "count")
            .filter(comment::Column::CallId.is_in(call_ids.iter().copied()))
            .group_by(comment::Column::CallId)
            .group_by(comment::Column::AuthorId)
            .into_tuple()
            .all(&self.db)
            .await?)
    }

    /// One comment of the organisation.
    pub async fn comment(
        &self,
        organisation_id: OrganisationId,
        id: CommentId,
    ) -> Result<Option<comment::Model>, StoreError> {
        Ok(comment::Entity::find_by_id(id)
            .filter(comment::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Stores a new comment.
    pub async fn insert_comment(&self, row: comment::Model) -> Result<comment::Model, StoreError> {
        let _changing = self.changing([Topic::Comments(row.call_id)]);
        Ok(row.into_active_model().insert(self.db.writer()).await?)
    }

    /// Writes a changed comment if nobody changed it since `row` was read
    /// (its `version` is the one read); the stored comment has the next
    /// version. `None` when another edit came first: read it again.
    pub async fn update_comment(
        &self,
        row: comment::Model,
    ) -> Result<Option<comment::Model>, StoreError> {
        let _changing = self.changing([Topic::Comments(row.call_id)]);
        Ok(write_if_unchanged!(comment, self.db.writer(), row))
    }

    /// Deletes a comment of `call_id` and its replies.
    pub async fn delete_comment(&self, call_id: CallId, id: CommentId) -> Result<(), StoreError> {
        let _changing = self.changing([Topic::Comments(call_id)]);
        let txn = self.db.begin().await?;
        comment::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(comment::Column::ParentId.eq(id))
                    .add(comment::Column::Id.eq(id)),
            )
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The newest rubric version of the organisation.
    pub async fn latest_rubric(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Option<rubric_version::Model>, StoreError> {
        Ok(rubric_version::Entity::find()
            .filter(rubric_version::Column::OrganisationId.eq(organisation_id))
            .order_by_desc(rubric_version::Column::Version)
            .one(&self.db)
            .await?)
    }

    /// Every rubric version of the organisation, oldest first.
    pub async fn rubric_versions(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<rubric_version::Model>, StoreError> {
        Ok(rubric_version::Entity::find()
            .filter(rubric_version::Column::OrganisationId.eq(organisation_id))
            .order_by_asc(rubric_version::Column::Version)
            .all(&self.db)
            .await?)
    }

    /// Publishes a rubric version; `None` when that version number was taken
    /// concurrently.
    pub async fn insert_rubric(
        &self,
        row: rubric_version::Model,
    ) -> Result<Option<rubric_version::Model>, StoreError> {
        match row.into_active_model().insert(self.db.writer()).await {
            Ok(model) => Ok(Some(model)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Scores of the given nominations.
    pub async fn scores_of(
        &self,
        nomination_ids: &[NominationId],
    ) -> Result<Vec<score::Model>, StoreError> {
        Ok(score::Entity::find()
            .filter(score::Column::NominationId.is_in(nomination_ids.iter().copied()))
            .order_by_asc(score::Column::Criterion)
            .all(&self.db)
            .await?)
    }

    /// Replaces one scorer kind's scores of a nomination with `rows`; with
    /// `only_sent_criteria`, only those of the criteria in `rows`, keeping
    /// the others. Nothing changes when `check`, shown that kind's scores as
    /// they stand, refuses.
    pub async fn replace_scores<E>(
        &self,
        nomination_id: NominationId,
        kind: ScorerKind,
        rows: Vec<score::Model>,
        only_sent_criteria: bool,
        check: impl FnOnce(&[score::Model]) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let txn = self.db.begin().await?;
        // The nomination's row is written first, so two saves of its scores
        // queue (a row lock on PostgreSQL, the write lock on SQLite) and
        // `check` judges the scores as they stand.
        nomination::Entity::update_many()
            .col_expr(
                nomination::Column::UpdatedAt,
                sea_orm::sea_query::Expr::col(nomination::Column::UpdatedAt),
            )
            .filter(nomination::Column::Id.eq(nomination_id))
            .exec(&txn)
            .await?;
        let standing = score::Entity::find()
            .filter(score::Column::NominationId.eq(nomination_id))
            .filter(score::Column::ScorerKind.eq(kind))
            .all(&txn)
            .await?;
        if let Err(refused) = check(&standing) {
            txn.rollback().await?;
            return Ok(Err(refused));
        }
        let mut gone = score::Entity::delete_many()
            .filter(score::Column::NominationId.eq(nomination_id))
            .filter(score::Column::ScorerKind.eq(kind));
        if only_sent_criteria {
            gone = gone
                .filter(score::Column::Criterion.is_in(rows.iter().map(|r| r.criterion.clone())));
        }
        gone.exec(&txn).await?;
        for row in rows {
            row.into_active_model().insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(Ok(()))
    }

    /// Records an event in the outbox.
    pub async fn record_event(&self, row: event::Model) -> Result<(), StoreError> {
        row.into_active_model().insert(self.db.writer()).await?;
        Ok(())
    }

    /// The organisation's events, oldest first, after `after`.
    pub async fn events(
        &self,
        organisation_id: OrganisationId,
        after: Option<EventId>,
        limit: u64,
    ) -> Result<Vec<event::Model>, StoreError> {
        let mut query =
            event::Entity::find().filter(event::Column::OrganisationId.eq(organisation_id));
        if let Some(after) = after {
            query = query.filter(event::Column::Id.gt(after));
        }
        Ok(query.order_by_asc(event::Column::Id).limit(limit).all(&self.db).await?)
    }
}
