//! The team board: each rep's two slots for a week, what waits for the
//! manager's review, and what is overdue.

use super::views::Nomination;
use crate::people::directory::Person;
use crate::rules::ids::{NominationId, UserId};
use crate::{context::WeeklyReview, rules::actor::Actor, rules::actor::timezone};
use crate::{
    rules::error::ReviewError,
    rules::week::Week,
    rules::workflow::{self},
};
use chrono::{DateTime, Duration, Utc};
use filmroom_store::{
    Role,
    entity::{
        nomination::{ReviewState, Slot},
        user,
    },
    now,
};

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

impl WeeklyReview<'_> {
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
}
