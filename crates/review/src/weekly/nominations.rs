//! Nominations: the week's two slots, picking a call into one, and moving
//! a review through its states; a call's place in the review as a viewer
//! sees it.

use super::views::{CallReview, NextMove, NominationView, Score, Scoring, WeekView, slot_name};
use crate::rules::error::Entity;
use crate::rules::ids::{CallId, NominationId, UserId};
use crate::rules::visibility::rep_work_visible;
use crate::{context::WeeklyReview, rules::actor::Actor, rules::actor::timezone};
use crate::{
    rules::error::ReviewError,
    rules::settings::ReviewSettings,
    rules::week::Week,
    rules::workflow::{self, MoveRefused, Mover, ReviewFacts, state_name},
};
use chrono::Duration;
use filmroom_store::{
    CallStatus,
    entity::{
        event,
        nomination::{self, ReviewState, Slot},
        score::ScorerKind,
    },
    now,
};
use uuid::Uuid;

impl WeeklyReview<'_> {
    pub(super) async fn view_nominations(
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
        let scorers: Vec<UserId> = scores
            .iter()
            .map(|s| s.scorer_id)
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        let scorer_names: std::collections::HashMap<UserId, String> = if scorers.is_empty() {
            std::collections::HashMap::new()
        } else {
            let limit = u64::try_from(scorers.len()).unwrap_or(u64::MAX);
            self.store
                .users_page(actor.organisation_id, Some(&scorers), None, limit)
                .await?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect()
        };
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
            let visible_scores: Vec<Score> = scores
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
            // Only the names of who scored this nomination.
            let names_of_scorers = visible_scores
                .iter()
                .filter_map(|s| Some((s.scorer_id, scorer_names.get(&s.scorer_id)?.clone())))
                .collect();
            views.push(NominationView {
                row: row.into(),
                call: call.into(),
                rep_comments,
                other_comments,
                scores: visible_scores,
                scorer_names: names_of_scorers,
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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err(level = "info"))]
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

    pub(super) async fn nomination_in_slot(
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
    #[tracing::instrument(skip_all, fields(actor = %actor.user_id, rep = %rep, week), err(level = "info"))]
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
                missing: missing.describe(),
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

    pub(super) fn mover(actor: &Actor, rep: UserId, chain: &[UserId]) -> Mover {
        if actor.user_id == rep {
            Mover::Rep
        } else if chain.contains(&actor.user_id) {
            Mover::ChainManager
        } else {
            Mover::Other
        }
    }

    pub(super) async fn review_facts(
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
                    Some(NextMove { target, blocked: Some(missing.for_mover()) })
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

    /// The week it is now in the organisation's time zone.
    pub async fn current_week(&self, actor: &Actor) -> Result<Week, ReviewError> {
        let organisation = self.organisation_row(actor).await?;
        Ok(Week::containing(now(), timezone(&organisation.timezone)))
    }
}
