//! Queries for the weekly 1:1: series, occurrences, clips, action items and
//! focus skills. Scoped to one organisation throughout.

use crate::ids::{
    ActionItemId, CallId, ClipId, FocusId, OneOnOneId, OrganisationId, SeriesId, UserId,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Store, StoreError,
    entity::{
        action_item, clip, event, focus_skill, focus_skill::FocusStatus, nomination,
        nomination::ReviewState, one_on_one, one_on_one_series,
    },
};

/// A series for this manager and rep exists already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesExists(pub one_on_one_series::Model);

/// Which 1:1s to list.
#[derive(Debug, Clone, Default)]
pub struct OneOnOneFilter {
    /// Only with this manager.
    pub manager_id: Option<UserId>,
    /// Only with this rep.
    pub rep_id: Option<UserId>,
    /// Only these pairs' series (visibility), `None` for all.
    pub series_ids: Option<Vec<SeriesId>>,
    /// Scheduled at or after.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before.
    pub to: Option<DateTime<Utc>>,
}

/// A clip's new in and out points, with its note when the same change
/// carries one (`Some(None)` clears it), by whom and when.
#[derive(Debug, Clone)]
pub struct ClipRetime {
    /// Start and end, ms into the call.
    pub range: (i64, i64),
    /// The note to write with it, if any.
    pub note: Option<Option<String>>,
    /// Who changed it.
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
}

impl Store {
    /// Creates a series; an existing one for the pair is an expected outcome.
    pub async fn insert_series(
        &self,
        row: one_on_one_series::Model,
    ) -> Result<Result<one_on_one_series::Model, SeriesExists>, StoreError> {
        let (manager, rep) = (row.manager_id, row.rep_id);
        match row.into_active_model().insert(self.db.writer()).await {
            Ok(model) => Ok(Ok(model)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                let existing = one_on_one_series::Entity::find()
                    .filter(one_on_one_series::Column::ManagerId.eq(manager))
                    .filter(one_on_one_series::Column::RepId.eq(rep))
                    .one(&self.db)
                    .await?
                    .ok_or(StoreError::Database(e))?;
                Ok(Err(SeriesExists(existing)))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One series of the organisation.
    pub async fn series(
        &self,
        organisation_id: OrganisationId,
        id: SeriesId,
    ) -> Result<Option<one_on_one_series::Model>, StoreError> {
        Ok(one_on_one_series::Entity::find_by_id(id)
            .filter(one_on_one_series::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Every series of the organisation.
    pub async fn all_series(
        &self,
        organisation_id: OrganisationId,
    ) -> Result<Vec<one_on_one_series::Model>, StoreError> {
        Ok(one_on_one_series::Entity::find()
            .filter(one_on_one_series::Column::OrganisationId.eq(organisation_id))
            .all(&self.db)
            .await?)
    }

    /// Writes a moved series and its moved occurrences in one transaction:
    /// a failure part-way cannot leave the series on its new slot with some
    /// of its 1:1s still on the old one.
    ///
    /// `None` when the series changed since it was read (see
    /// [`Store::update_series`]); nothing is written then.
    pub async fn move_series(
        &self,
        series: one_on_one_series::Model,
        occurrences: Vec<one_on_one::Model>,
    ) -> Result<Option<one_on_one_series::Model>, StoreError> {
        let txn = self.db.begin().await?;
        let Some(series) = write_if_unchanged!(one_on_one_series, &txn, series) else {
            txn.rollback().await?;
            return Ok(None);
        };
        // Only the time moves: notes saved meanwhile stay as saved, and the
        // version moves so a page holding the old time is told.
        for row in occurrences {
            one_on_one::Entity::update_many()
                .col_expr(one_on_one::Column::ScheduledAt, Expr::value(row.scheduled_at))
                .col_expr(one_on_one::Column::DurationMinutes, Expr::value(row.duration_minutes))
                .col_expr(one_on_one::Column::UpdatedAt, Expr::value(row.updated_at))
                .col_expr(one_on_one::Column::UpdatedBy, Expr::value(row.updated_by))
                .col_expr(
                    one_on_one::Column::Version,
                    Expr::col(one_on_one::Column::Version).add(1),
                )
                .filter(one_on_one::Column::Id.eq(row.id))
                .filter(one_on_one::Column::Status.eq(one_on_one::OneOnOneStatus::Scheduled))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(Some(series))
    }

    /// Writes a changed series if nobody changed it since `row` was read (its
    /// `version` is the one read); the stored row has the next version.
    /// `None` when someone else's change came first: read it again.
    pub async fn update_series(
        &self,
        row: one_on_one_series::Model,
    ) -> Result<Option<one_on_one_series::Model>, StoreError> {
        Ok(write_if_unchanged!(one_on_one_series, self.db.writer(), row))
    }

    /// Adds occurrences; weeks a series already has are left as they are.
    pub async fn insert_occurrences(&self, rows: Vec<one_on_one::Model>) -> Result<(), StoreError> {
        for row in rows {
            one_on_one::Entity::insert(row.into_active_model())
                .on_conflict_do_nothing_on([one_on_one::Column::SeriesId, one_on_one::Column::Week])
                .exec(self.db.writer())
                .await?;
        }
        Ok(())
    }

    /// The latest week a series has an occurrence for.
    pub async fn last_occurrence(
        &self,
        series_id: SeriesId,
    ) -> Result<Option<one_on_one::Model>, StoreError> {
        Ok(one_on_one::Entity::find()
            .filter(one_on_one::Column::SeriesId.eq(series_id))
            .order_by_desc(one_on_one::Column::Week)
            .one(&self.db)
            .await?)
    }

    /// 1:1s of the organisation matching `filter`, by time.
    pub async fn one_on_ones(
        &self,
        organisation_id: OrganisationId,
        filter: &OneOnOneFilter,
    ) -> Result<Vec<one_on_one::Model>, StoreError> {
        let mut query = one_on_one::Entity::find()
            .filter(one_on_one::Column::OrganisationId.eq(organisation_id));
        if let Some(manager) = filter.manager_id {
            query = query.filter(one_on_one::Column::ManagerId.eq(manager));
        }
        if let Some(rep) = filter.rep_id {
            query = query.filter(one_on_one::Column::RepId.eq(rep));
        }
        if let Some(series) = &filter.series_ids {
            query = query.filter(one_on_one::Column::SeriesId.is_in(series.iter().copied()));
        }
        if let Some(from) = filter.from {
            query = query.filter(one_on_one::Column::ScheduledAt.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(one_on_one::Column::ScheduledAt.lt(to));
        }
        Ok(query.order_by_asc(one_on_one::Column::ScheduledAt).all(&self.db).await?)
    }

    /// One 1:1 of the organisation.
    pub async fn one_on_one(
        &self,
        organisation_id: OrganisationId,
        id: OneOnOneId,
    ) -> Result<Option<one_on_one::Model>, StoreError> {
        Ok(one_on_one::Entity::find_by_id(id)
            .filter(one_on_one::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Writes a changed 1:1 if nobody changed it since `row` was read (its
    /// `version` is the one read); the stored row has the next version.
    /// `None` when someone else's change came first: read it again.
    pub async fn update_one_on_one(
        &self,
        row: one_on_one::Model,
    ) -> Result<Option<one_on_one::Model>, StoreError> {
        Ok(write_if_unchanged!(one_on_one, self.db.writer(), row))
    }

    /// The clips of a 1:1 in segment order.
    pub async fn clips(&self, one_on_one_id: OneOnOneId) -> Result<Vec<clip::Model>, StoreError> {
        Ok(clip::Entity::find()
            .filter(clip::Column::OneOnOneId.eq(one_on_one_id))
            .order_by_asc(clip::Column::Position)
            .order_by_asc(clip::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// One clip of the organisation.
    pub async fn clip(
        &self,
        organisation_id: OrganisationId,
        id: ClipId,
    ) -> Result<Option<clip::Model>, StoreError> {
        Ok(clip::Entity::find_by_id(id)
            .filter(clip::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Adds a clip if `check` accepts it beside the segment's clips as they
    /// are, with the 1:1 locked meanwhile (`None` when it was held first): two requests at once cannot both
    /// pass a budget that fits only one. The lock is a write to the 1:1's row
    /// (a row lock on PostgreSQL, the write lock on SQLite, taken before
    /// anything is read so SQLite never has to upgrade a read lock).
    pub async fn insert_clip_checked<E>(
        &self,
        mut row: clip::Model,
        check: impl FnOnce(&[clip::Model]) -> Result<(), E>,
    ) -> Result<Option<Result<clip::Model, E>>, StoreError> {
        let txn = self.db.begin().await?;
        let locked = one_on_one::Entity::update_many()
            .col_expr(
                one_on_one::Column::UpdatedAt,
                sea_orm::sea_query::Expr::col(one_on_one::Column::UpdatedAt),
            )
            .filter(one_on_one::Column::Id.eq(row.one_on_one_id))
            .filter(one_on_one::Column::Status.ne(one_on_one::OneOnOneStatus::Held))
            .exec(&txn)
            .await?;
        // Held (or gone) since the caller looked: its segment is final.
        if locked.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        let existing = clip::Entity::find()
            .filter(clip::Column::OneOnOneId.eq(row.one_on_one_id))
            .order_by_asc(clip::Column::Position)
            .all(&txn)
            .await?;
        if let Err(refused) = check(&existing) {
            txn.rollback().await?;
            return Ok(Some(Err(refused)));
        }
        row.position = i32::try_from(existing.len()).unwrap_or(i32::MAX);
        let inserted = row.into_active_model().insert(&txn).await?;
        txn.commit().await?;
        Ok(Some(Ok(inserted)))
    }

    /// Moves a clip's in and out points (and writes its note, when the
    /// change carries one) in one statement, with the segment and its clips
    /// locked while `check` judges the clip as stored and the segment's
    /// other clips: two changes cannot together overrun the budget, and a
    /// note saved meanwhile waits for this one and then finds its version
    /// gone. `None` when the 1:1 was held (or the clip removed) meanwhile.
    pub async fn retime_clip_checked<E>(
        &self,
        clip_id: ClipId,
        one_on_one_id: OneOnOneId,
        change: ClipRetime,
        check: impl FnOnce(&clip::Model, &[clip::Model]) -> Result<(), E>,
    ) -> Result<Option<Result<clip::Model, E>>, StoreError> {
        let ClipRetime { range: (start_ms, end_ms), note, by, at } = change;
        let txn = self.db.begin().await?;
        let locked = one_on_one::Entity::update_many()
            .col_expr(
                one_on_one::Column::UpdatedAt,
                sea_orm::sea_query::Expr::col(one_on_one::Column::UpdatedAt),
            )
            .filter(one_on_one::Column::Id.eq(one_on_one_id))
            .filter(one_on_one::Column::Status.ne(one_on_one::OneOnOneStatus::Held))
            .exec(&txn)
            .await?;
        if locked.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        // FOR UPDATE on PostgreSQL (a note is written without the segment's
        // lock); SQLite's write lock, taken at BEGIN, covers it there.
        let clips = clip::Entity::find()
            .filter(clip::Column::OneOnOneId.eq(one_on_one_id))
            .lock_exclusive()
            .all(&txn)
            .await?;
        let Some(target) = clips.iter().find(|c| c.id == clip_id).cloned() else {
            txn.rollback().await?;
            return Ok(None);
        };
        let others: Vec<clip::Model> = clips.into_iter().filter(|c| c.id != clip_id).collect();
        if let Err(refused) = check(&target, &others) {
            txn.rollback().await?;
            return Ok(Some(Err(refused)));
        }
        // Only the range (and the note sent with it): the place stays.
        let mut write = clip::Entity::update_many()
            .col_expr(clip::Column::StartMs, Expr::value(start_ms))
            .col_expr(clip::Column::EndMs, Expr::value(end_ms))
            .col_expr(clip::Column::Version, Expr::value(target.version.saturating_add(1)))
            .col_expr(clip::Column::UpdatedBy, Expr::value(by))
            .col_expr(clip::Column::UpdatedAt, Expr::value(at))
            .filter(clip::Column::Id.eq(target.id))
            .filter(clip::Column::Version.eq(target.version));
        if let Some(note) = note {
            write = write.col_expr(clip::Column::Note, Expr::value(note));
        }
        if write.exec(&txn).await?.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        let Some(updated) = clip::Entity::find_by_id(target.id).one(&txn).await? else {
            txn.rollback().await?;
            return Ok(None);
        };
        txn.commit().await?;
        Ok(Some(Ok(updated)))
    }

    /// Writes the clips' positions (a new order) in one transaction. Only
    /// that column: a note or a range changed meanwhile stays as it was saved.
    pub async fn order_clips(&self, rows: Vec<clip::Model>) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        for row in rows {
            clip::Entity::update_many()
                .col_expr(clip::Column::Position, Expr::value(row.position))
                .filter(clip::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Writes a clip's note (with who and when), only where the clip is
    /// still at the version `row` was read at; `None` when another change
    /// came first. The clip's place and range are left as they are.
    pub async fn note_clip(&self, row: clip::Model) -> Result<Option<clip::Model>, StoreError> {
        let db = self.db.writer();
        let written = clip::Entity::update_many()
            .col_expr(clip::Column::Note, Expr::value(row.note))
            .col_expr(clip::Column::Version, Expr::value(row.version.saturating_add(1)))
            .col_expr(clip::Column::UpdatedBy, Expr::value(row.updated_by))
            .col_expr(clip::Column::UpdatedAt, Expr::value(row.updated_at))
            .filter(clip::Column::Id.eq(row.id))
            .filter(clip::Column::Version.eq(row.version))
            .exec(db)
            .await?;
        if written.rows_affected != 1 {
            return Ok(None);
        }
        Ok(clip::Entity::find_by_id(row.id).one(db).await?)
    }

    /// Deletes a clip.
    pub async fn delete_clip(&self, id: ClipId) -> Result<(), StoreError> {
        clip::Entity::delete_by_id(id).exec(self.db.writer()).await?;
        Ok(())
    }

    /// Action items of the given 1:1s.
    pub async fn action_items(
        &self,
        one_on_one_ids: &[OneOnOneId],
    ) -> Result<Vec<action_item::Model>, StoreError> {
        Ok(action_item::Entity::find()
            .filter(action_item::Column::OneOnOneId.is_in(one_on_one_ids.iter().copied()))
            .order_by_asc(action_item::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Action items owned by `owner` due in `from..=to`.
    pub async fn action_items_due(
        &self,
        organisation_id: OrganisationId,
        owner: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<action_item::Model>, StoreError> {
        Ok(action_item::Entity::find()
            .filter(action_item::Column::OrganisationId.eq(organisation_id))
            .filter(action_item::Column::OwnerId.eq(owner))
            .filter(action_item::Column::DueDate.gte(from))
            .filter(action_item::Column::DueDate.lte(to))
            .all(&self.db)
            .await?)
    }

    /// One action item of the organisation.
    pub async fn action_item(
        &self,
        organisation_id: OrganisationId,
        id: ActionItemId,
    ) -> Result<Option<action_item::Model>, StoreError> {
        Ok(action_item::Entity::find_by_id(id)
            .filter(action_item::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Stores a new action item.
    pub async fn insert_action_item(
        &self,
        row: action_item::Model,
    ) -> Result<action_item::Model, StoreError> {
        Ok(row.into_active_model().insert(self.db.writer()).await?)
    }

    /// Writes a changed action item if nobody changed it since `row` was
    /// read (its `version` is the one read); the stored row has the next
    /// version. `None` when someone else's change came first.
    pub async fn update_action_item(
        &self,
        row: action_item::Model,
    ) -> Result<Option<action_item::Model>, StoreError> {
        Ok(write_if_unchanged!(action_item, self.db.writer(), row))
    }

    /// Marks a 1:1 held, sets the listed nominations to discussed, and records
    /// the event, all at once.
    pub async fn hold_one_on_one(
        &self,
        row: one_on_one::Model,
        discussed: Vec<nomination::Model>,
        event: event::Model,
    ) -> Result<Option<one_on_one::Model>, StoreError> {
        let _changing = self.changing(
            discussed.iter().map(|n| crate::cache::Topic::Review(n.call_id)).collect::<Vec<_>>(),
        );
        let txn = self.db.begin().await?;
        // Only what holding changes: notes saved meanwhile stay as saved.
        let held = one_on_one::Entity::update_many()
            .col_expr(one_on_one::Column::Status, Expr::value(one_on_one::OneOnOneStatus::Held))
            .col_expr(one_on_one::Column::HeldAt, Expr::value(row.held_at))
            .col_expr(one_on_one::Column::UpdatedAt, Expr::value(row.updated_at))
            .col_expr(one_on_one::Column::UpdatedBy, Expr::value(row.updated_by))
            .col_expr(one_on_one::Column::Version, Expr::col(one_on_one::Column::Version).add(1))
            .filter(one_on_one::Column::Id.eq(row.id))
            .filter(one_on_one::Column::Status.eq(one_on_one::OneOnOneStatus::Scheduled))
            .exec(&txn)
            .await?;
        if held.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(None);
        }
        let row = one_on_one::Entity::find_by_id(row.id).one(&txn).await?;
        for nomination in discussed {
            nomination.into_active_model().reset_all().update(&txn).await?;
        }
        event.into_active_model().insert(&txn).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// A rep's manager-reviewed nominations of the given calls: what a held
    /// 1:1 marks discussed.
    pub async fn reviewed_nominations_of_calls(
        &self,
        rep_id: UserId,
        call_ids: &[CallId],
    ) -> Result<Vec<nomination::Model>, StoreError> {
        Ok(nomination::Entity::find()
            .filter(nomination::Column::RepId.eq(rep_id))
            .filter(nomination::Column::CallId.is_in(call_ids.iter().copied()))
            .filter(nomination::Column::State.eq(ReviewState::ManagerReviewed))
            .all(&self.db)
            .await?)
    }

    /// A rep's focus skills, newest first.
    pub async fn focus_skills(
        &self,
        organisation_id: OrganisationId,
        rep_id: UserId,
    ) -> Result<Vec<focus_skill::Model>, StoreError> {
        Ok(focus_skill::Entity::find()
            .filter(focus_skill::Column::OrganisationId.eq(organisation_id))
            .filter(focus_skill::Column::RepId.eq(rep_id))
            .order_by_desc(focus_skill::Column::StartedAt)
            .all(&self.db)
            .await?)
    }

    /// The rep's active focus, if any.
    pub async fn active_focus(
        &self,
        rep_id: UserId,
    ) -> Result<Option<focus_skill::Model>, StoreError> {
        Ok(focus_skill::Entity::find()
            .filter(focus_skill::Column::RepId.eq(rep_id))
            .filter(focus_skill::Column::Status.eq(FocusStatus::Active))
            .one(&self.db)
            .await?)
    }

    /// One focus of the organisation.
    pub async fn focus_skill(
        &self,
        organisation_id: OrganisationId,
        id: FocusId,
    ) -> Result<Option<focus_skill::Model>, StoreError> {
        Ok(focus_skill::Entity::find_by_id(id)
            .filter(focus_skill::Column::OrganisationId.eq(organisation_id))
            .one(&self.db)
            .await?)
    }

    /// Stores a new focus; `None` when the rep has an active one already
    /// (the one-active-focus index refused it).
    pub async fn insert_focus(
        &self,
        row: focus_skill::Model,
    ) -> Result<Option<focus_skill::Model>, StoreError> {
        match row.into_active_model().insert(self.db.writer()).await {
            Ok(row) => Ok(Some(row)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a changed focus where it is still at the version it was read
    /// at; `None` when another change came first.
    pub async fn update_focus(
        &self,
        row: focus_skill::Model,
    ) -> Result<Option<focus_skill::Model>, StoreError> {
        Ok(write_if_unchanged!(focus_skill, self.db.writer(), row))
    }
}
