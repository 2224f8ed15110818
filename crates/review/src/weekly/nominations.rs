//! The weekly two-call review: nominations, their states, scores, the rubric,
//! progress over the weeks, the team board, organisation settings, events.

use crate::rules::ids::{CallId, EventId, FocusId, NominationId, OrganisationId, ScoreId, UserId};
use crate::rules::visibility::rep_work_visible;
use crate::{calls::record::Call, people::directory::Organisation, people::directory::Person};
use crate::{
    context::WeeklyReview, rules::actor::Actor, rules::actor::Page, rules::actor::PageRequest,
    rules::actor::page, rules::actor::timezone,
};
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use filmroom_store::{
    CallStatus, Role,
    entity::{
        event,
        nomination::{self, ReviewState, Slot},
        rubric_version, score,
        score::ScorerKind,
        user,
    },
    now,
};
use uuid::Uuid;

use crate::rules::error::Entity;
use crate::{
    rules::error::ReviewError,
    rules::rubric::{self, Criterion},
    rules::settings::ReviewSettings,
    rules::week::Week,
    rules::workflow::{self, MoveRefused, Mover, ReviewFacts, state_name},
};

/// A nomination as one caller sees it.
#[derive(Debug, Clone)]
pub struct NominationView {
    /// The nomination.
    pub row: Nomination,
    /// Its call.
    pub call: Call,
    /// Comments by the rep that the caller can see.
    pub rep_comments: usize,
    /// Comments by others (managers, admins) on the call.
    pub other_comments: usize,
    /// Scores the caller can see.
    pub scores: Vec<Score>,
    /// When the manager review is due (shared + the organisation's days).
    pub review_due: Option<DateTime<Utc>>,
    /// The rep's focus skill when the call was shared.
    pub focus: Option<crate::rules::focus::Focus>,
}

/// The next step of a nomination's review, as the viewer may take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextMove {
    /// The state the step moves to.
    pub target: ReviewState,
    /// Why the step cannot be taken yet, in words; `None` when it can.
    pub blocked: Option<String>,
}

/// How the viewer may score a nomination now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scoring {
    /// Whose scores the viewer writes.
    pub kind: ScorerKind,
    /// Why scores cannot be changed now, in words; `None` when they can.
    pub blocked: Option<String>,
}

/// A call's place in the weekly review, for the call room: its nomination (if
/// any), the viewer's next step and whether they may score.
#[derive(Debug, Clone)]
pub struct CallReview {
    /// The call's latest nomination.
    pub nomination: Option<NominationView>,
    /// The step the viewer can take next (none when the next step is not theirs).
    pub next_move: Option<NextMove>,
    /// The viewer's scoring, when they are the rep or in the rep's chain.
    pub scoring: Option<Scoring>,
    /// The organisation's rubric.
    pub rubric: Option<RubricView>,
    /// Whether any nomination of the call was shared: the rep's comments
    /// and self-scores are then visible to their managers.
    pub shared: bool,
}

/// One rep's week.
#[derive(Debug, Clone)]
pub struct WeekView {
    /// The rep.
    pub rep: Person,
    /// The week.
    pub week: Week,
    /// When nominations are due.
    pub nomination_deadline: DateTime<Utc>,
    /// The call that went well.
    pub went_well: Option<NominationView>,
    /// The call the rep struggled with.
    pub struggled: Option<NominationView>,
}

/// A published rubric.
#[derive(Debug, Clone)]
pub struct RubricView {
    /// Version number.
    pub version: i32,
    /// The criteria.
    pub criteria: Vec<Criterion>,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// By whom.
    pub published_by: UserId,
}

/// One score as sent by a client.
#[derive(Debug, Clone)]
pub struct ScoreInput {
    /// Criterion key.
    pub criterion: String,
    /// Value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
}

/// Scores of one criterion in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionProgress {
    /// Criterion key.
    pub criterion: String,
    /// The rep's own score (mean of the week's calls).
    pub self_score: Option<f64>,
    /// The manager's score (mean of the week's calls).
    pub manager_score: Option<f64>,
    /// Self minus manager, when both exist: positive means the rep rates
    /// themselves higher than their manager does.
    pub gap: Option<f64>,
}

/// One week of a rep's progress.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekProgress {
    /// The week.
    pub week: String,
    /// Per criterion.
    pub criteria: Vec<CriterionProgress>,
    /// The week's conversation figures, averaged over the rep's analysed calls.
    pub conversation: Option<ConversationAverages>,
}

/// A rep's conversation figures averaged over one week's analysed calls;
/// each mean is over the calls that have that figure.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ConversationAverages {
    /// Analysed calls that week (by when they took place).
    pub calls: usize,
    /// Mean rep talk ratio, 0..1.
    pub talk_ratio: Option<f64>,
    /// Mean longest monologue, ms.
    pub longest_monologue_ms: Option<f64>,
    /// Mean patience, ms.
    pub patience_ms: Option<f64>,
    /// Mean changes of turn per minute.
    pub interactivity_per_minute: Option<f64>,
    /// Mean questions asked by the rep.
    pub rep_questions: Option<f64>,
}

/// A rep's row on the team board.
#[derive(Debug, Clone)]
pub struct BoardRow {
    /// The rep.
    pub rep: Person,
    /// Their two slots.
    pub went_well: Option<Nomination>,
    /// Their two slots.
    pub struggled: Option<Nomination>,
    /// Past the deadline with a slot still empty.
    pub nomination_overdue: bool,
    /// Shared longer ago than the organisation allows without a manager review.
    pub review_overdue: bool,
}

/// The team board for one manager and week.
#[derive(Debug, Clone)]
pub struct TeamBoard {
    /// The week.
    pub week: Week,
    /// When nominations were due.
    pub nomination_deadline: DateTime<Utc>,
    /// One row per rep.
    pub reps: Vec<BoardRow>,
    /// The managers below the board's manager (with `everyone_below`), so
    /// a skip-level view can group reps under them.
    pub managers: Vec<Person>,
    /// Shared calls whose review is overdue.
    pub overdue_reviews: Vec<NominationId>,
}

impl TeamBoard {
    /// Whether the review of this shared call is overdue.
    pub fn is_overdue(&self, nomination: &Nomination) -> bool {
        self.overdue_reviews.contains(&nomination.id)
    }

    /// Shared calls waiting for a manager's review, the longest waiting first.
    pub fn waiting(&self) -> Vec<(&Person, &Nomination)> {
        let mut waiting: Vec<(&Person, &Nomination)> = self
            .reps
            .iter()
            .flat_map(|row| {
                [&row.went_well, &row.struggled].into_iter().flatten().map(|n| (&row.rep, n))
            })
            .filter(|(_, n)| n.state == ReviewState::Shared)
            .collect();
        waiting.sort_by_key(|(_, n)| n.shared_at.unwrap_or(n.updated_at));
        waiting
    }

    /// Of the week's calls that reps reporting to `manager` shared, how many
    /// a manager has reviewed: `(reviewed, shared)`.
    pub fn reviews_done(&self, manager: UserId) -> (usize, usize) {
        let shared: Vec<&Nomination> = self
            .reps
            .iter()
            .filter(|row| row.rep.manager_id == Some(manager))
            .flat_map(|row| [&row.went_well, &row.struggled].into_iter().flatten())
            .filter(|n| n.state >= ReviewState::Shared)
            .collect();
        let reviewed = shared.iter().filter(|n| n.state >= ReviewState::ManagerReviewed).count();
        (reviewed, shared.len())
    }
}

/// Changes to the organisation's review settings.
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    /// New nomination deadline.
    pub nomination_deadline: Option<crate::rules::settings::Day>,
    /// New manager review window.
    pub manager_review_days: Option<u32>,
    /// New clip budget per 1:1, minutes.
    pub clip_budget_minutes: Option<u32>,
    /// New minimum of action items per 1:1.
    pub min_action_items: Option<u32>,
    /// Metrics whose reference band is set (`Some`) or removed (`None`).
    pub metric_bands: Vec<(crate::rules::metrics::Metric, Option<crate::rules::metrics::Band>)>,
}

/// One week's scores: criterion -> (the rep's values, the managers' values).
type ScoresByCriterion = BTreeMap<String, (Vec<i32>, Vec<i32>)>;

/// The name of a slot, as clients see it.
pub fn slot_name(slot: Slot) -> &'static str {
    match slot {
        Slot::WentWell => "went_well",
        Slot::Struggled => "struggled",
    }
}

fn criteria_of(row: &rubric_version::Model) -> Result<Vec<Criterion>, ReviewError> {
    serde_json::from_value(row.criteria.clone()).map_err(|e| {
        ReviewError::Store(filmroom_store::StoreError::Inconsistent(format!(
            "rubric version {} does not parse: {e}",
            row.version
        )))
    })
}

impl WeeklyReview<'_> {
    /// The organisation's review settings.
    pub async fn review_settings(
        &self,
        actor: &Actor,
    ) -> Result<(Organisation, ReviewSettings), ReviewError> {
        let organisation = self.organisation_row(actor).await?;
        let settings = ReviewSettings::from_stored(organisation.settings.as_ref())?;
        Ok((organisation.into(), settings))
    }

    /// Changes the organisation's review settings (admins only).
    pub async fn update_review_settings(
        &self,
        actor: &Actor,
        changes: SettingsChanges,
    ) -> Result<(Organisation, ReviewSettings), ReviewError> {
        if actor.role != Role::Admin {
            return Err(ReviewError::Forbidden(
                "only an admin can change the organisation's settings".into(),
            ));
        }
        // Settings that no longer read are repaired from the defaults here,
        // the one place an admin can fix them.
        let organisation: Organisation = self.organisation_row(actor).await?.into();
        let mut settings = match self.review_settings(actor).await {
            Ok((_, settings)) => settings,
            Err(ReviewError::Store(filmroom_store::StoreError::Inconsistent(why))) => {
                tracing::warn!(organisation = %organisation.id, why, "stored settings replaced by defaults");
                ReviewSettings::default()
            }
            Err(e) => return Err(e),
        };
        if let Some(day) = changes.nomination_deadline {
            settings.nomination_deadline = day;
        }
        if let Some(days) = changes.manager_review_days {
            if !(1..=30).contains(&days) {
                return Err(ReviewError::InvalidField {
                    field: "manager_review_days".into(),
                    message: format!("must be 1 to 30 days, not {days}"),
                });
            }
            settings.manager_review_days = days;
        }
        if let Some(minutes) = changes.clip_budget_minutes {
            if !(1..=120).contains(&minutes) {
                return Err(ReviewError::InvalidField {
                    field: "clip_budget_minutes".into(),
                    message: format!("must be 1 to 120 minutes, not {minutes}"),
                });
            }
            settings.clip_budget_minutes = minutes;
        }
        if let Some(items) = changes.min_action_items {
            if items > 20 {
                return Err(ReviewError::InvalidField {
                    field: "min_action_items".into(),
                    message: format!("must be 0 to 20, not {items}"),
                });
            }
            settings.min_action_items = items;
        }
        for (metric, band) in changes.metric_bands {
            let band = band.map(|b| b.check(metric)).transpose().map_err(|message| {
                ReviewError::InvalidField {
                    field: format!("metric_bands.{}", metric.name()),
                    message,
                }
            })?;
            settings.metric_bands.set(metric, band);
        }
        let json = serde_json::to_value(settings).map_err(|e| {
            ReviewError::Store(filmroom_store::StoreError::Inconsistent(e.to_string()))
        })?;
        self.store.set_organisation_settings(organisation.id, json).await?;
        Ok((organisation, settings))
    }

    async fn view_nominations(
        &self,
        actor: &Actor,
        rep: UserId,
        rows: Vec<nomination::Model>,
        settings: ReviewSettings,
    ) -> Result<Vec<NominationView>, ReviewError> {
        let call_ids: Vec<CallId> = rows.iter().map(|n| n.call_id).collect();
        let nomination_ids: Vec<NominationId> = rows.iter().map(|n| n.id).collect();
        let counts = self.store.comment_counts(&call_ids).await?;
        let scores = self.store.scores_of(&nomination_ids).await?;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let call =
                self.store.call(actor.organisation_id, row.call_id).await?.ok_or_else(|| {
                    ReviewError::NotFound { entity: Entity::Call, id: row.call_id.to_string() }
                })?;
            let shared = row.state >= ReviewState::Shared;
            let mut rep_comments = 0;
            let mut other_comments = 0;
            for (call_id, author, count) in &counts {
                if *call_id != row.call_id {
                    continue;
                }
                let count = usize::try_from(*count).unwrap_or_default();
                if *author == rep {
                    if rep_work_visible(actor.user_id, rep, *author, shared) {
                        rep_comments += count;
                    }
                } else {
                    other_comments += count;
                }
            }
            let visible_scores = scores
                .iter()
                .filter(|s| s.nomination_id == row.id)
                .filter(|s| s.scorer_kind == ScorerKind::Manager || actor.user_id == rep || shared)
                .cloned()
                .map(Score::from)
                .collect();
            let review_due = row
                .shared_at
                .map(|at| at + Duration::days(i64::from(settings.manager_review_days)));
            let focus = match row.focus_id {
                Some(id) => self.store.focus_skill(actor.organisation_id, id).await?,
                None => None,
            };
            views.push(NominationView {
                row: row.into(),
                call: call.into(),
                rep_comments,
                other_comments,
                scores: visible_scores,
                review_due,
                focus: focus.map(crate::rules::focus::Focus::from),
            });
        }
        Ok(views)
    }

    /// One rep's week: both slots with their calls, states, comment counts and scores.
    pub async fn week(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &str,
    ) -> Result<WeekView, ReviewError> {
        let week = Week::parse("week", week)?;
        let (rep_row, _) = self.visible_rep(actor, rep).await?;
        let (organisation, settings) = self.review_settings(actor).await?;
        let rows =
            self.store.nominations_of_week(actor.organisation_id, rep, &week.to_string()).await?;
        let mut views = self.view_nominations(actor, rep, rows, settings).await?;
        let take = |views: &mut Vec<NominationView>, slot: Slot| {
            views.iter().position(|v| v.row.slot == slot).map(|i| views.swap_remove(i))
        };
        Ok(WeekView {
            went_well: take(&mut views, Slot::WentWell),
            struggled: take(&mut views, Slot::Struggled),
            nomination_deadline: week
                .end_of(settings.nomination_deadline.into(), timezone(&organisation.timezone)),
            rep: rep_row.into(),
            week,
        })
    }

    /// Puts one of the rep's own ready calls in a slot of a week. Only the rep
    /// nominates; a slot can be changed until it is shared.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err)]
    pub async fn nominate(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &str,
        slot: Slot,
        call_id: CallId,
    ) -> Result<NominationView, ReviewError> {
        let week = Week::parse("week", week)?;
        self.visible_rep(actor, rep).await?;
        if actor.user_id != rep {
            return Err(ReviewError::Forbidden(
                "only the rep picks the calls they bring to their review".into(),
            ));
        }
        let call_field =
            |message: String| ReviewError::InvalidField { field: "call_id".into(), message };
        let call = self
            .store
            .call(actor.organisation_id, call_id)
            .await?
            .filter(|c| c.rep_id == rep)
            .ok_or_else(|| call_field(format!("no call {call_id} of yours")))?;
        if call.status != CallStatus::Ready {
            return Err(call_field(format!(
                "call {call_id} is {}; nominate it once its analysis is ready",
                crate::rules::call_status::status_name(call.status)
            )));
        }
        let existing =
            self.store.nominations_of_week(actor.organisation_id, rep, &week.to_string()).await?;
        let current = existing.iter().find(|n| n.slot == slot).cloned();
        if let Some(current) = current.as_ref().filter(|c| c.state >= ReviewState::Shared) {
            return Err(ReviewError::NominationLocked { state: state_name(current.state) });
        }
        if let Some(other) = existing.iter().find(|n| n.slot != slot && n.call_id == call_id) {
            return Err(ReviewError::CallInOtherSlot { slot: slot_name(other.slot) });
        }
        let (_, settings) = self.review_settings(actor).await?;
        let row = match current {
            Some(current) if current.call_id == call_id => current,
            current => {
                let at = now();
                let row = nomination::Model {
                    id: Uuid::now_v7().into(),
                    organisation_id: actor.organisation_id,
                    rep_id: rep,
                    week: week.to_string(),
                    slot,
                    call_id,
                    state: ReviewState::Nominated,
                    self_reviewed_at: None,
                    shared_at: None,
                    manager_reviewed_at: None,
                    discussed_at: None,
                    focus_id: None,
                    created_at: at,
                    updated_at: at,
                };
                self.store
                    .put_nomination(row, current.map(|c| c.id))
                    .await?
                    .map_err(|_| ReviewError::NominationLocked { state: "changing" })?
            }
        };
        let mut views = self.view_nominations(actor, rep, vec![row], settings).await?;
        views.pop().ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Nomination,
            id: call_id.to_string(),
        })
    }

    async fn nomination_in_slot(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &Week,
        slot: Slot,
    ) -> Result<nomination::Model, ReviewError> {
        self.store
            .nominations_of_week(actor.organisation_id, rep, &week.to_string())
            .await?
            .into_iter()
            .find(|n| n.slot == slot)
            .ok_or_else(|| ReviewError::NotFound {
                entity: Entity::Nomination,
                id: format!("{week}/{}", slot_name(slot)),
            })
    }

    /// Moves a nomination's review to `target`, enforcing the order and who
    /// may make each move.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err)]
    pub async fn move_review(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &str,
        slot: Slot,
        target: ReviewState,
    ) -> Result<NominationView, ReviewError> {
        let week = Week::parse("week", week)?;
        let (_, tree) = self.visible_rep(actor, rep).await?;
        let mut row = self.nomination_in_slot(actor, rep, &week, slot).await?;
        let chain = tree.managers_above(rep);
        let mover = Self::mover(actor, rep, &chain);
        let facts = self.review_facts(row.call_id, rep, &chain).await?;
        let from = row.state;
        workflow::check_move(from, target, mover, facts).map_err(|refusal| match refusal {
            MoveRefused::NotYours(message) => ReviewError::Forbidden(message),
            MoveRefused::Blocked { missing } => ReviewError::IllegalMove {
                current: state_name(from),
                target: state_name(target),
                missing,
            },
        })?;
        let at = now();
        row.state = target;
        row.updated_at = at;
        let kind = match target {
            ReviewState::SelfReviewed => {
                row.self_reviewed_at = Some(at);
                None
            }
            ReviewState::Shared => {
                row.shared_at = Some(at);
                // The manager's comments can then target the rep's focus skill.
                row.focus_id = self.store.active_focus(rep).await?.map(|f| f.id);
                Some("review.shared")
            }
            ReviewState::ManagerReviewed => {
                row.manager_reviewed_at = Some(at);
                Some("review.manager_reviewed")
            }
            ReviewState::Discussed => {
                row.discussed_at = Some(at);
                None
            }
            ReviewState::Nominated => None,
        };
        let event = kind.map(|kind| event::Model {
            id: Uuid::now_v7().into(),
            organisation_id: row.organisation_id,
            kind: kind.to_owned(),
            payload: serde_json::json!({
                "nomination_id": row.id,
                "rep_id": row.rep_id,
                "week": row.week,
                "slot": slot_name(row.slot),
                "call_id": row.call_id,
                "by": actor.user_id,
            }),
            created_at: at,
            delivered_at: None,
        });
        if !self.store.move_nomination(row.clone(), from, event).await? {
            let current = self.nomination_in_slot(actor, rep, &week, slot).await?;
            return Err(ReviewError::IllegalMove {
                current: state_name(current.state),
                target: state_name(target),
                missing: "someone else moved this review at the same moment; reload it".into(),
            });
        }
        let (_, settings) = self.review_settings(actor).await?;
        let mut views = self.view_nominations(actor, rep, vec![row], settings).await?;
        views.pop().ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Nomination,
            id: week.to_string(),
        })
    }

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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id), err)]
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

    /// Replaces the caller's scores of a nomination: the rep's self-scores
    /// until it is shared, a chain manager's scores once it is.
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err)]
    pub async fn put_scores(
        &self,
        actor: &Actor,
        rep: UserId,
        week: &str,
        slot: Slot,
        scores: Vec<ScoreInput>,
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
        for (index, input) in scores.into_iter().enumerate() {
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
        self.store.replace_scores(row.id, kind, rows).await?;
        let (_, settings) = self.review_settings(actor).await?;
        let mut views = self.view_nominations(actor, rep, vec![row], settings).await?;
        views.pop().ok_or_else(|| ReviewError::NotFound {
            entity: Entity::Nomination,
            id: week.to_string(),
        })
    }

    /// Per week from `from` to `to` (default: the last 12 weeks), the rep's self
    /// score and the manager's per criterion, and the gap between them.
    pub async fn progress(
        &self,
        actor: &Actor,
        rep: UserId,
        criterion: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<WeekProgress>, ReviewError> {
        self.visible_rep(actor, rep).await?;
        let organisation = self.organisation_row(actor).await?;
        let to = match to {
            Some(to) => Week::parse("to", to)?,
            None => Week::containing(now(), timezone(&organisation.timezone)),
        };
        let from = match from {
            Some(from) => Week::parse("from", from)?,
            None => (0..11).fold(to, |week, _| week.previous()),
        };
        if from > to {
            return Err(ReviewError::InvalidField {
                field: "from".into(),
                message: format!("{from} is after {to}"),
            });
        }
        let rows = self
            .store
            .nominations_between(actor.organisation_id, rep, &from.to_string(), &to.to_string())
            .await?;
        let shared: HashMap<NominationId, bool> =
            rows.iter().map(|n| (n.id, n.state >= ReviewState::Shared)).collect();
        let week_of: HashMap<NominationId, String> =
            rows.iter().map(|n| (n.id, n.week.clone())).collect();
        let ids: Vec<NominationId> = rows.iter().map(|n| n.id).collect();
        let mut table: BTreeMap<String, ScoresByCriterion> = BTreeMap::new();
        for score in self.store.scores_of(&ids).await? {
            if criterion.is_some_and(|c| c != score.criterion) {
                continue;
            }
            let visible = score.scorer_kind == ScorerKind::Manager
                || actor.user_id == rep
                || shared.get(&score.nomination_id).copied().unwrap_or(false);
            let Some(week) = week_of.get(&score.nomination_id) else { continue };
            if !visible {
                continue;
            }
            let entry =
                table.entry(week.clone()).or_default().entry(score.criterion.clone()).or_default();
            match score.scorer_kind {
                ScorerKind::Rep => entry.0.push(score.value),
                ScorerKind::Manager => entry.1.push(score.value),
            }
        }
        let mut conversation =
            self.conversation_by_week(actor, rep, from, to, &organisation.timezone).await?;
        for week in conversation.keys() {
            table.entry(week.clone()).or_default();
        }
        let mean = |values: &[i32]| crate::rules::stats::mean(values);
        Ok(table
            .into_iter()
            .map(|(week, criteria)| WeekProgress {
                conversation: conversation.remove(&week),
                week,
                criteria: criteria
                    .into_iter()
                    .map(|(criterion, (own, manager))| {
                        let self_score = mean(&own);
                        let manager_score = mean(&manager);
                        let gap = self_score.zip(manager_score).map(|(s, m)| s - m);
                        CriterionProgress { criterion, self_score, manager_score, gap }
                    })
                    .collect(),
            })
            .collect())
    }

    /// A rep's conversation figures per week from `from` to `to`, averaged
    /// over the ready calls that took place that week.
    async fn conversation_by_week(
        &self,
        actor: &Actor,
        rep: UserId,
        from: Week,
        to: Week,
        timezone_name: &str,
    ) -> Result<BTreeMap<String, ConversationAverages>, ReviewError> {
        let tz = timezone(timezone_name);
        let calls = self
            .store
            .rep_calls_between(actor.organisation_id, rep, from.start(tz), to.next().start(tz))
            .await?;
        let ids: Vec<CallId> = calls.iter().map(|c| c.id).collect();
        let figures: HashMap<CallId, filmroom_store::entity::call_metrics::Model> =
            self.store.call_metrics_of(&ids).await?.into_iter().map(|f| (f.call_id, f)).collect();
        #[derive(Default)]
        struct Sums {
            calls: usize,
            talk_ratio: Vec<f64>,
            longest_monologue_ms: Vec<f64>,
            patience_ms: Vec<f64>,
            interactivity: Vec<f64>,
            rep_questions: Vec<f64>,
        }
        let mut weeks: BTreeMap<String, Sums> = BTreeMap::new();
        let float = |v: i64| f64::from(i32::try_from(v).unwrap_or(i32::MAX));
        for call in &calls {
            let Some(f) = figures.get(&call.id) else { continue };
            let week = Week::containing(call.occurred_at.unwrap_or(call.created_at), tz);
            let sums = weeks.entry(week.to_string()).or_default();
            sums.calls += 1;
            sums.talk_ratio.extend(f.talk_ratio_bp.map(|bp| f64::from(bp) / 10_000.0));
            sums.longest_monologue_ms.extend(f.longest_monologue_ms.map(float));
            sums.patience_ms.extend(f.patience_ms.map(float));
            sums.rep_questions.extend(f.rep_questions.map(f64::from));
            if let (Some(changes), Some(duration)) = (f.turn_changes, call.duration_ms)
                && duration > 0
            {
                sums.interactivity.push(f64::from(changes) * 60_000.0 / float(duration));
            }
        }
        let mean = |v: &[f64]| {
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / crate::rules::stats::ratio(v.len(), 1))
        };
        Ok(weeks
            .into_iter()
            .map(|(week, s)| {
                let averages = ConversationAverages {
                    calls: s.calls,
                    talk_ratio: mean(&s.talk_ratio),
                    longest_monologue_ms: mean(&s.longest_monologue_ms),
                    patience_ms: mean(&s.patience_ms),
                    interactivity_per_minute: mean(&s.interactivity),
                    rep_questions: mean(&s.rep_questions),
                };
                (week, averages)
            })
            .collect())
    }

    /// The week of every rep under `manager` (direct reports, or the whole
    /// subtree with `everyone_below`), with overdue flags.
    pub async fn team_board(
        &self,
        actor: &Actor,
        manager: UserId,
        week: &str,
        everyone_below: bool,
    ) -> Result<TeamBoard, ReviewError> {
        let week = Week::parse("week", week)?;
        let (_, tree) = self.visible_rep(actor, manager).await?;
        let (organisation, settings) = self.review_settings(actor).await?;
        let deadline =
            week.end_of(settings.nomination_deadline.into(), timezone(&organisation.timezone));
        let below: Vec<UserId> = if everyone_below {
            tree.everyone_below(manager)
        } else {
            tree.direct_reports(manager)
        };
        let people =
            self.store.users_page(actor.organisation_id, Some(&below), None, u64::MAX >> 1).await?;
        // Deactivated managers too: their reps still need a group.
        let managers: Vec<Person> =
            people.iter().filter(|u| u.role != Role::Rep).cloned().map(Person::from).collect();
        let reps: Vec<user::Model> =
            people.into_iter().filter(|u| u.role == Role::Rep && u.active).collect();
        let rep_ids: Vec<UserId> = reps.iter().map(|u| u.id).collect();
        let nominations = self
            .store
            .nominations_of_reps(actor.organisation_id, &rep_ids, &week.to_string())
            .await?;
        let at = now();
        let window = Duration::days(i64::from(settings.manager_review_days));
        let overdue_reviews = nominations
            .iter()
            .filter(|n| workflow::review_overdue(n.state, n.shared_at, window, at))
            .map(|n| n.id)
            .collect();
        let rows = reps
            .into_iter()
            .map(|rep| {
                let slot = |slot: Slot| {
                    nominations.iter().find(|n| n.rep_id == rep.id && n.slot == slot).cloned()
                };
                let went_well = slot(Slot::WentWell);
                let struggled = slot(Slot::Struggled);
                let nomination_overdue =
                    at > deadline && (went_well.is_none() || struggled.is_none());
                let review_overdue = [&went_well, &struggled]
                    .into_iter()
                    .flatten()
                    .any(|n| workflow::review_overdue(n.state, n.shared_at, window, at));
                BoardRow {
                    rep: rep.into(),
                    went_well: went_well.map(Nomination::from),
                    struggled: struggled.map(Nomination::from),
                    nomination_overdue,
                    review_overdue,
                }
            })
            .collect();
        Ok(TeamBoard { week, nomination_deadline: deadline, reps: rows, managers, overdue_reviews })
    }

    /// The organisation's event outbox (admins only), oldest first.
    pub async fn events(
        &self,
        actor: &Actor,
        request: PageRequest,
    ) -> Result<Page<Event>, ReviewError> {
        if actor.role != Role::Admin {
            return Err(ReviewError::Forbidden("only an admin can read the event log".into()));
        }
        let rows = self
            .store
            .events(actor.organisation_id, request.after.map(Into::into), request.limit + 1)
            .await?;
        Ok(page(rows, request, |e| e.id, Event::from))
    }
}

/// A call nominated into one of a rep's weekly slots.
#[derive(Debug, Clone, PartialEq)]
pub struct Nomination {
    /// UUIDv7.
    pub id: NominationId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The rep.
    pub rep_id: UserId,
    /// ISO week in the organisation's time zone, `2026-W48`.
    pub week: String,
    /// Which slot.
    pub slot: Slot,
    /// The call.
    pub call_id: CallId,
    /// Where the review is.
    pub state: ReviewState,
    /// When the rep finished their self-review.
    pub self_reviewed_at: Option<DateTime<Utc>>,
    /// When it was shared with the manager.
    pub shared_at: Option<DateTime<Utc>>,
    /// When the manager finished reviewing.
    pub manager_reviewed_at: Option<DateTime<Utc>>,
    /// When it was discussed in a 1:1.
    pub discussed_at: Option<DateTime<Utc>>,
    /// The rep's focus skill when the call was shared, so the manager's
    /// comments can target it.
    pub focus_id: Option<FocusId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<nomination::Model> for Nomination {
    fn from(row: nomination::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            rep_id: row.rep_id,
            week: row.week,
            slot: row.slot,
            call_id: row.call_id,
            state: row.state,
            self_reviewed_at: row.self_reviewed_at,
            shared_at: row.shared_at,
            manager_reviewed_at: row.manager_reviewed_at,
            discussed_at: row.discussed_at,
            focus_id: row.focus_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// An outbox event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// UUIDv7, so events sort by time.
    pub id: EventId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// `call.ready`, `call.failed`, `review.shared`, `review.manager_reviewed`, …
    pub kind: String,
    /// What happened, as JSON.
    pub payload: serde_json::Value,
    /// When it happened.
    pub created_at: DateTime<Utc>,
    /// When it was delivered, once it has been.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<event::Model> for Event {
    fn from(row: event::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            kind: row.kind,
            payload: row.payload,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        }
    }
}

/// One score on one rubric criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// UUIDv7.
    pub id: ScoreId,
    /// Tenant.
    pub organisation_id: OrganisationId,
    /// The nomination scored.
    pub nomination_id: NominationId,
    /// Self or manager.
    pub scorer_kind: ScorerKind,
    /// Who gave it.
    pub scorer_id: UserId,
    /// The rubric version it was given under.
    pub rubric_version: i32,
    /// The criterion's key.
    pub criterion: String,
    /// The value on the criterion's scale.
    pub value: i32,
    /// Why.
    pub note: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<score::Model> for Score {
    fn from(row: score::Model) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            nomination_id: row.nomination_id,
            scorer_kind: row.scorer_kind,
            scorer_id: row.scorer_id,
            rubric_version: row.rubric_version,
            criterion: row.criterion,
            value: row.value,
            note: row.note,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl WeeklyReview<'_> {
    fn mover(actor: &Actor, rep: UserId, chain: &[UserId]) -> Mover {
        if actor.user_id == rep {
            Mover::Rep
        } else if chain.contains(&actor.user_id) {
            Mover::ChainManager
        } else {
            Mover::Other
        }
    }

    async fn review_facts(
        &self,
        call_id: CallId,
        rep: UserId,
        chain: &[UserId],
    ) -> Result<ReviewFacts, ReviewError> {
        let mut facts = ReviewFacts::default();
        for (call, author, count) in self.store.comment_counts(&[call_id]).await? {
            if call != call_id {
                continue;
            }
            let count = usize::try_from(count).unwrap_or_default();
            if author == rep {
                facts.rep_comments += count;
            } else if chain.contains(&author) {
                facts.chain_manager_comments += count;
            }
        }
        Ok(facts)
    }

    /// A call's place in the weekly review as the caller sees it: the same
    /// rules as [`WeeklyReview::move_review`] and [`WeeklyReview::put_scores`],
    /// asked before the caller acts.
    pub async fn call_review(
        &self,
        actor: &Actor,
        call_id: CallId,
    ) -> Result<CallReview, ReviewError> {
        let call = self.visible_call(actor, call_id).await?;
        let rubric = self.rubric(actor).await?;
        let Some(row) =
            self.store.latest_nomination_of_call(actor.organisation_id, call.id).await?
        else {
            return Ok(CallReview {
                nomination: None,
                next_move: None,
                scoring: None,
                rubric,
                shared: false,
            });
        };
        let (_, tree) = self.visible_rep(actor, call.rep_id).await?;
        let chain = tree.managers_above(call.rep_id);
        let mover = Self::mover(actor, call.rep_id, &chain);
        let facts = self.review_facts(call.id, call.rep_id, &chain).await?;
        let next = match row.state {
            ReviewState::Nominated => Some(ReviewState::SelfReviewed),
            ReviewState::SelfReviewed => Some(ReviewState::Shared),
            ReviewState::Shared => Some(ReviewState::ManagerReviewed),
            ReviewState::ManagerReviewed | ReviewState::Discussed => None,
        };
        // "Discussed" is reached by holding the 1:1, not from the call.
        let next_move =
            next.and_then(|target| match workflow::check_move(row.state, target, mover, facts) {
                Ok(()) => Some(NextMove { target, blocked: None }),
                Err(MoveRefused::Blocked { missing }) => {
                    Some(NextMove { target, blocked: Some(missing) })
                }
                Err(MoveRefused::NotYours(_)) => None,
            });
        let scoring = match mover {
            Mover::Rep => Some(Scoring {
                kind: ScorerKind::Rep,
                blocked: (row.state >= ReviewState::Shared)
                    .then(|| "your scores are locked once the call is shared".to_owned()),
            }),
            Mover::ChainManager => Some(Scoring {
                kind: ScorerKind::Manager,
                blocked: (row.state < ReviewState::Shared).then(|| {
                    "the rep has not shared this call yet; managers score shared calls".to_owned()
                }),
            }),
            Mover::Other => None,
        };
        let (_, settings) = self.review_settings(actor).await?;
        let nomination =
            self.view_nominations(actor, call.rep_id, vec![row], settings).await?.pop();
        let shared = self.store.call_is_shared(call.id).await?;
        Ok(CallReview { nomination, next_move, scoring, rubric, shared })
    }
}

impl WeeklyReview<'_> {
    /// The week it is now in the organisation's time zone.
    pub async fn current_week(&self, actor: &Actor) -> Result<Week, ReviewError> {
        let organisation = self.organisation_row(actor).await?;
        Ok(Week::containing(now(), timezone(&organisation.timezone)))
    }
}
