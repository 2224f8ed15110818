//! Scores and the rubric they are given against: publishing a rubric
//! version, and saving a reviewer's scores on a nomination.

use super::views::{NominationView, RubricView};
use crate::rules::error::Entity;
use crate::rules::ids::UserId;
use crate::{context::WeeklyReview, rules::actor::Actor};
use crate::{
    rules::error::ReviewError,
    rules::rubric::{self, Criterion},
    rules::week::Week,
    rules::workflow::state_name,
};
use chrono::{DateTime, Utc};
use filmroom_store::{
    Role,
    entity::{
        nomination::{ReviewState, Slot},
        rubric_version, score,
        score::ScorerKind,
    },
    now,
};
use uuid::Uuid;

/// One score as sent by a client.
#[derive(Debug, Clone)]
pub struct ScoreInput {
    /// Criterion key.
    pub criterion: String,
    /// Value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
    /// The criterion's score as the page showed it ([`score_stamp`], empty
    /// for none): when someone else has scored it since, nothing is saved
    /// and the answer is an edit conflict. `None` saves over what is there.
    pub seen: Option<String>,
}

/// What identifies one given score: who gave it and when, to the
/// millisecond. A page sends it back with a save, so a score given by
/// someone else after the page was opened is not silently replaced.
pub fn score_stamp(scorer: UserId, at: DateTime<Utc>) -> String {
    format!("{scorer}@{}", at.timestamp_millis())
}

/// What a scores save replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreSave {
    /// Every score of the caller's kind: criteria left out are cleared.
    AllCriteria,
    /// Only the criteria sent; the others keep their scores.
    SentCriteria,
}

pub(super) fn criteria_of(row: &rubric_version::Model) -> Result<Vec<Criterion>, ReviewError> {
    serde_json::from_value(row.criteria.clone()).map_err(|e| {
        ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
            "rubric version {} does not parse: {e}",
            row.version
        )))
    })
}

impl WeeklyReview<'_> {
    /// The organisation's current rubric, if one has been published.
    pub async fn rubric(&self, actor: &Actor) -> Result<Option<RubricView>, ReviewError> {
        match self.store.latest_rubric(actor.organisation_id).await? {
            Some(row) => Ok(Some(RubricView {
                version: row.version,
                criteria: criteria_of(&row)?,
                published_at: row.created_at,
                published_by: row.published_by,
            })),
            None => Ok(None),
        }
    }

    /// Publishes the next rubric version (admins only).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err(level = "info"))]
    pub async fn publish_rubric(
        &self,
        actor: &Actor,
        criteria: Vec<Criterion>,
    ) -> Result<RubricView, ReviewError> {
        if actor.role != Role::Admin {
            return Err(ReviewError::Forbidden("only an admin can change the rubric".into()));
        }
        rubric::validate(&criteria)?;
        let json = serde_json::to_value(&criteria).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(e.to_string()))
        })?;
        for _ in 0..3 {
            let version =
                self.store.latest_rubric(actor.organisation_id).await?.map_or(1, |r| r.version + 1);
            let row = rubric_version::Model {
                id: Uuid::now_v7().into(),
                organisation_id: actor.organisation_id,
                version,
                criteria: json.clone(),
                published_by: actor.user_id,
                created_at: now(),
            };
            if let Some(row) = self.store.insert_rubric(row).await? {
                return Ok(RubricView {
                    version: row.version,
                    criteria,
                    published_at: row.created_at,
                    published_by: row.published_by,
                });
            }
        }
        Err(ReviewError::IllegalMove {
            current: "changing",
            target: "published",
            missing: "another admin is publishing the rubric right now; try again".into(),
        })
    }

    /// Saves the caller's scores of a nomination: the rep's self-scores
    /// until it is shared, a chain manager's scores once it is. `save` says
    /// whether the criteria left out are cleared (the API's `PUT`) or kept
    /// (a page, which sends what the person chose: two tabs, or two people,
    /// saving different criteria must not erase each other's).
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err(level = "info"))]
    pub async fn put_scores(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &str,
        slot: Slot,
        scores: Vec<ScoreInput>,
        save: ScoreSave,
    ) -> Result<NominationView, ReviewError> {
        let week = Week::parse("week", week)?;
        let (_, tree) = self.visible_rep(actor, rep).await?;
        let row = self.nomination_in_slot(actor, rep, &week, slot).await?;
        let kind = if actor.user_id == rep {
            if row.state >= ReviewState::Shared {
                return Err(ReviewError::NominationLocked { state: state_name(row.state) });
            }
            ScorerKind::Rep
        } else if tree.managers_above(rep).contains(&actor.user_id) {
            if row.state < ReviewState::Shared {
                return Err(ReviewError::IllegalMove {
                    current: state_name(row.state),
                    target: "scored",
                    missing: "the rep has not shared this call yet; managers score shared calls"
                        .into(),
                });
            }
            ScorerKind::Manager
        } else {
            return Err(ReviewError::Forbidden(
                "only the rep and managers in their chain score their calls".into(),
            ));
        };
        let rubric_row =
            self.store.latest_rubric(actor.organisation_id).await?.ok_or(ReviewError::NoRubric)?;
        let criteria = criteria_of(&rubric_row)?;
        let mut seen = std::collections::HashSet::new();
        let at = now();
        let mut rows = Vec::with_capacity(scores.len());
        let mut seen_stamps = Vec::with_capacity(scores.len());
        for (index, input) in scores.into_iter().enumerate() {
            seen_stamps.push(input.seen.clone());
            rubric::check_score(&criteria, index, &input.criterion, input.value)?;
            if !seen.insert(input.criterion.clone()) {
                return Err(ReviewError::InvalidField {
                    field: format!("[{index}].criterion"),
                    message: format!("`{}` is scored twice", input.criterion),
                });
            }
            if input.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
                return Err(ReviewError::InvalidField {
                    field: format!("[{index}].note"),
                    message: "must be at most 2000 characters".into(),
                });
            }
            rows.push(score::Model {
                id: Uuid::now_v7().into(),
                organisation_id: actor.organisation_id,
                nomination_id: row.id,
                scorer_kind: kind,
                scorer_id: actor.user_id,
                rubric_version: rubric_row.version,
                criterion: input.criterion,
                value: input.value,
                note: input.note.filter(|n| !n.trim().is_empty()),
                created_at: at,
                updated_at: at,
            });
        }
        let seen: Vec<(String, String)> = rows
            .iter()
            .zip(&seen_stamps)
            .filter_map(|(r, s)| Some((r.criterion.clone(), s.clone()?)))
            .collect();
        let me = actor.user_id;
        let stale = |standing: &[score::Model]| -> Result<(), Box<score::Model>> {
            for (criterion, seen) in &seen {
                let current = standing.iter().find(|s| &s.criterion == criterion);
                let stamp =
                    current.map(|s| score_stamp(s.scorer_id, s.updated_at)).unwrap_or_default();
                match current {
                    Some(theirs) if stamp != *seen && theirs.scorer_id != me => {
                        return Err(Box::new(theirs.clone()));
                    }
                    _ => {}
                }
            }
            Ok(())
        };
        let saved = self
            .store
            .replace_scores(row.id, kind, rows, save == ScoreSave::SentCriteria, stale)
            .await?;
        if let Err(theirs) = saved {
            let name = criteria
                .iter()
                .find(|c| c.key == theirs.criterion)
                .map_or_else(|| theirs.criterion.clone(), |c| c.name.clone());
            let changed_by = match self.store.user(actor.organisation_id, theirs.scorer_id).await? {
                Some(person) => person.name,
                None => "someone".into(),
            };
            return Err(ReviewError::EditConflict(Box::new(crate::rules::error::EditConflict {
                what: format!("{name} score"),
                version: score_stamp(theirs.scorer_id, theirs.updated_at),
                theirs: match &theirs.note {
                    Some(note) => format!("{}: {note}", theirs.value),
                    None => theirs.value.to_string(),
                },
                changed_by,
                changed_at: theirs.updated_at,
                criterion: Some(theirs.criterion),
            })));
        }
        let (_, settings) = self.review_settings(actor).await?;
        let mut views = self.view_nominations(actor, rep, vec![row], settings).await?;
        views.pop().ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Nomination,
            id: week.to_string(),
        })
    }
}
