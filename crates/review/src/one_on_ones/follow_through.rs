//! Follow-through: how a person keeps their 1:1 commitments, which tells a
//! skill problem from a will problem.

use crate::rules::coaching;
use crate::rules::error::Entity;
use crate::rules::error::{invalid, not_found};
use crate::rules::ids::UserId;
use crate::{context::OneOnOnes, rules::actor::Actor, rules::actor::timezone};
use crate::{rules::error::ReviewError, rules::visibility};
use chrono::{Duration, NaiveDate};
use filmroom_store::now;

/// Follow-through on commitments over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowThrough {
    /// The person.
    pub user_id: UserId,
    /// First due date counted.
    pub from: NaiveDate,
    /// Last due date counted.
    pub to: NaiveDate,
    /// Items whose due date has passed.
    pub due: usize,
    /// Of those, done by their due date.
    pub done_on_time: usize,
    /// Done, but late.
    pub done_late: usize,
    /// Still open past their due date.
    pub overdue: usize,
    /// `done_on_time / due`, when anything was due.
    pub rate: Option<f64>,
}

impl OneOnOnes<'_> {
    /// The share of a person's action items done by their due date, over
    /// due dates in `from..=to` (default: the last 90 days).
    pub async fn follow_through(
        &self,
        actor: &Actor,
        user: UserId,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<FollowThrough, ReviewError> {
        let person = self
            .store
            .user(actor.organisation_id, user)
            .await?
            .ok_or_else(|| not_found(Entity::User, user))?;
        let tree = self.tree(actor).await?;
        if !visibility::can_see(actor.user_id, actor.role, user, &tree) {
            return Err(not_found(Entity::User, user));
        }
        let organisation = self.organisation_row(actor).await?;
        let tz = timezone(&organisation.timezone);
        let today = now().with_timezone(&tz).date_naive();
        let to = to.unwrap_or(today);
        let from = match from {
            Some(from) => from,
            None => to
                .checked_sub_signed(Duration::days(90))
                .ok_or_else(|| invalid("to", format!("{to} is too early a date")))?,
        };
        if from > to {
            return Err(invalid("from", format!("{from} is after {to}")));
        }
        let items = self.store.action_items_due(actor.organisation_id, person.id, from, to).await?;
        let tally = coaching::tally(
            items
                .iter()
                .map(|i| (i.due_date, i.done_at.map(|d| d.with_timezone(&tz).date_naive()))),
            today,
        );
        Ok(FollowThrough {
            user_id: person.id,
            from,
            to,
            due: tally.due,
            done_on_time: tally.done_on_time,
            done_late: tally.done_late,
            overdue: tally.overdue,
            rate: (tally.due > 0)
                .then(|| crate::rules::stats::ratio(tally.done_on_time, tally.due)),
        })
    }
}
