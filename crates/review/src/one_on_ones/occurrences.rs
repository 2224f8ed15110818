//! One 1:1: who may see and change it, its view (agenda, carried-over
//! items, clips, budget), moving or cancelling it, and its notes.

use super::series::WEEKS_AHEAD;
use super::views::{ActionItem, Clip, OneOnOne, OneOnOneView};
use crate::rules::coaching;
use crate::rules::error::Entity;
use crate::rules::error::ReviewError;
use crate::rules::error::{invalid, not_found};
use crate::rules::ids::{OneOnOneId, UserId};
use crate::rules::versioned::save_unchanged;
use crate::{context::OneOnOnes, rules::actor::Actor};
use chrono::{DateTime, Duration, Utc};
use filmroom_store::{
    OneOnOneFilter, Role,
    entity::one_on_one::{self, OneOnOneStatus},
    now,
};

/// Changes to an occurrence; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OccurrenceChanges {
    /// Move it to another time this week.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// `true` cancels it, `false` reinstates it.
    pub cancelled: Option<bool>,
    /// Replace the notes.
    pub notes: Option<String>,
    /// The version the editor saw (an API `If-Match`, the page's version
    /// field): when the 1:1 has moved on since, nothing is saved and the
    /// answer is an edit conflict. `None` saves over whatever is there.
    pub seen_version: Option<i32>,
}

impl OneOnOnes<'_> {
    /// 1:1s the caller takes part in or oversees, by time.
    pub async fn list(
        &self,
        actor: &Actor,
        manager: Option<UserId>,
        rep: Option<UserId>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<Vec<OneOnOne>, ReviewError> {
        let mut visible = Vec::new();
        let tree = self.tree(actor).await?;
        for series in self.store.all_series(actor.organisation_id).await? {
            if manager.is_some_and(|m| m != series.manager_id)
                || rep.is_some_and(|r| r != series.rep_id)
            {
                continue;
            }
            if Self::sees_pair(actor, series.rep_id, &tree) {
                self.ensure_occurrences(
                    &series,
                    to.unwrap_or_else(|| now() + Duration::weeks(i64::from(WEEKS_AHEAD))),
                )
                .await?;
                visible.push(series.id);
            }
        }
        let filter = OneOnOneFilter {
            manager_id: manager,
            rep_id: rep,
            series_ids: Some(visible),
            from,
            to,
        };
        Ok(self
            .store
            .one_on_ones(actor.organisation_id, &filter)
            .await?
            .into_iter()
            .map(OneOnOne::from)
            .collect())
    }

    pub(super) async fn visible_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<one_on_one::Model, ReviewError> {
        let row = self
            .store
            .one_on_one(actor.organisation_id, id)
            .await?
            .ok_or_else(|| not_found(Entity::OneOnOne, id))?;
        if Self::sees_pair(actor, row.rep_id, &self.tree(actor).await?) {
            Ok(row)
        } else {
            Err(not_found(Entity::OneOnOne, id))
        }
    }

    /// A 1:1 the caller may change: its manager or rep (or an admin).
    pub(super) async fn own_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<one_on_one::Model, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        let participant = actor.user_id == row.manager_id || actor.user_id == row.rep_id;
        if participant || actor.role == Role::Admin {
            Ok(row)
        } else {
            Err(ReviewError::Forbidden("only the manager and the rep change their 1:1".into()))
        }
    }

    /// One 1:1 with its segment, action items and what carries over.
    pub async fn one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = self.visible_one_on_one(actor, id).await?;
        self.view_one_on_one(actor, row).await
    }

    pub(super) async fn view_one_on_one(
        &self,
        actor: &Actor,
        row: one_on_one::Model,
    ) -> Result<OneOnOneView, ReviewError> {
        let series = self
            .store
            .series(actor.organisation_id, row.series_id)
            .await?
            .ok_or_else(|| not_found(Entity::Series, row.series_id))?;
        let clips = self.store.clips(row.id).await?;
        let earlier: Vec<OneOnOneId> = self
            .store
            .one_on_ones(
                actor.organisation_id,
                &OneOnOneFilter { series_ids: Some(vec![series.id]), ..Default::default() },
            )
            .await?
            .into_iter()
            .filter(|o| o.week < row.week)
            .map(|o| o.id)
            .collect();
        let carried_over = self
            .store
            .action_items(&earlier)
            .await?
            .into_iter()
            .filter(|i| i.done_at.is_none())
            .map(ActionItem::from)
            .collect();
        let action_items = self.store.action_items(&[row.id]).await?;
        let (_, settings) = self.weekly().review_settings(actor).await?;
        // Both people are named to whoever may see the 1:1, even where the
        // directory would not show one to the other (a rep and their manager).
        let name = |user: Option<filmroom_store::entity::user::Model>| {
            user.map_or_else(|| "former user".to_owned(), |u| u.name)
        };
        let manager_name = name(self.store.user(actor.organisation_id, row.manager_id).await?);
        let rep_name = name(self.store.user(actor.organisation_id, row.rep_id).await?);
        Ok(OneOnOneView {
            manager_name,
            rep_name,
            row: row.into(),
            series: series.try_into()?,
            clips: clips.into_iter().map(Clip::from).collect(),
            action_items: action_items.into_iter().map(ActionItem::from).collect(),
            carried_over,
            budget_ms: coaching::budget_ms(settings.clip_budget_minutes),
            min_action_items: settings.min_action_items,
        })
    }

    /// Moves, cancels or reinstates an occurrence, or replaces its notes.
    pub async fn update_one_on_one(
        &self,
        actor: &Actor,
        id: OneOnOneId,
        changes: OccurrenceChanges,
    ) -> Result<OneOnOneView, ReviewError> {
        let row = save_unchanged(
            changes.seen_version,
            |row: &one_on_one::Model| row.version,
            async || self.own_one_on_one(actor, id).await,
            async |row| {
                let mut row = self.changed_occurrence(actor, row, &changes).await?;
                row.updated_at = now();
                row.updated_by = Some(actor.user_id);
                Ok(self.store.update_one_on_one(row).await?)
            },
            async |row| self.notes_conflict(actor, row).await,
        )
        .await?;
        self.view_one_on_one(actor, row).await
    }

    /// Who made a change, as an edit conflict names them: "you" for the
    /// caller (elsewhere), else their name.
    pub(crate) async fn changed_by(&self, actor: &Actor, by: Option<UserId>) -> String {
        match by {
            Some(by) if by == actor.user_id => "you".to_owned(),
            Some(by) => match self.store.user(actor.organisation_id, by).await {
                Ok(Some(person)) => person.name,
                _ => "someone".to_owned(),
            },
            None => "someone".to_owned(),
        }
    }

    /// What was saved over an older copy of the 1:1: its notes, by whom.
    async fn notes_conflict(&self, actor: &Actor, row: &one_on_one::Model) -> ReviewError {
        let changed_by = self.changed_by(actor, row.updated_by).await;
        ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
            what: "notes".into(),
            version: row.version.to_string(),
            theirs: row.notes.clone(),
            changed_by,
            changed_at: row.updated_at,
            criterion: None,
        }))
    }

    /// The occurrence with `changes` applied, checked.
    async fn changed_occurrence(
        &self,
        actor: &Actor,
        mut row: one_on_one::Model,
        changes: &OccurrenceChanges,
    ) -> Result<one_on_one::Model, ReviewError> {
        let held = row.status == OneOnOneStatus::Held;
        if let Some(notes) = &changes.notes {
            if notes.chars().count() > 50_000 {
                return Err(invalid("notes", "must be at most 50,000 characters"));
            }
            row.notes.clone_from(notes);
        }
        if changes.scheduled_at.is_some() || changes.cancelled.is_some() {
            if held {
                return Err(ReviewError::OneOnOneHeld);
            }
            if let Some(at) = changes.scheduled_at {
                // Each week has its own occurrence, and what a 1:1 covers
                // (clips, carried-over items) follows its week.
                let series = self
                    .store
                    .series(actor.organisation_id, row.series_id)
                    .await?
                    .ok_or_else(|| not_found(Entity::Series, row.series_id))?;
                let tz = crate::rules::actor::timezone(&series.timezone);
                let week = crate::rules::week::Week::containing(at, tz).to_string();
                if week != row.week {
                    return Err(invalid(
                        "scheduled_at",
                        format!("a 1:1 of {} moves within its week, not to {week}", row.week),
                    ));
                }
                row.scheduled_at = at;
            }
            match changes.cancelled {
                Some(true) => row.status = OneOnOneStatus::Cancelled,
                Some(false) => row.status = OneOnOneStatus::Scheduled,
                None => {}
            }
        }
        Ok(row)
    }
}
