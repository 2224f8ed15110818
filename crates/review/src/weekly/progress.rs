//! A rep's progress over the weeks: self and manager scores per criterion
//! with the calibration gap, and the week's conversation figures.

use crate::rules::ids::{CallId, NominationId, UserId};
use crate::{context::WeeklyReview, rules::actor::Actor, rules::actor::timezone};
use crate::{rules::error::ReviewError, rules::week::Week};
use filmroom_store::{
    entity::{nomination::ReviewState, score::ScorerKind},
    now,
};
use std::collections::{BTreeMap, HashMap};

/// One week's scores: criterion -> (the rep's values, the managers' values).
type ScoresByCriterion = BTreeMap<String, (Vec<i32>, Vec<i32>)>;

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

impl WeeklyReview<'_> {
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
    pub(super) async fn conversation_by_week(
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
}
