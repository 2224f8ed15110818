//! Email: who is told what, and when. Invites go out when an admin asks; the
//! nomination reminder, the manager's digest and the "1:1 tomorrow" notice
//! are scheduled from the organisation's calendar at a given instant, at most
//! once per person, kind and period (the `emails` table's unique key, so a
//! restart or a second scheduler changes nothing). An email's text is
//! composed when it is sent, from the state then: a reminder whose slots were
//! filled in the meantime is skipped, not sent. Every email carries a
//! one-click unsubscribe link for its kind.

use super::kinds::kind_description;
use super::log::{Email, view};
use crate::{
    context::Emails,
    jobs::{Job, SendEmail},
    rules::actor::Actor,
    rules::actor::require_admin,
    rules::actor::timezone,
    rules::error::{Entity, ReviewError},
    rules::ids::{EmailId, OneOnOneId, UserId},
    rules::settings::ReviewSettings,
    rules::week::Week,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use filmroom_store::{EmailKind, EmailStatus};
use filmroom_store::{
    Role,
    entity::{email, nomination::ReviewState, organisation, user},
    now,
};
use std::collections::HashMap;

/// Local hour (organisation time) from which the nomination reminder goes
/// out on the day before the deadline.
pub const REMINDER_HOUR: u32 = 9;

/// Local hour from which a weekday's review digest goes out.
pub const DIGEST_HOUR: u32 = 8;

/// How long before a 1:1 starts its notice goes out.
pub const ONE_ON_ONE_NOTICE_HOURS: i64 = 24;

/// The period of a 1:1's notice: the occurrence and the time it was planned
/// for, so that moving it makes a new notice and the old one is skipped.
pub(super) fn one_on_one_period(id: OneOnOneId, at: DateTime<Utc>) -> String {
    format!("{id}@{}", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

pub(super) fn parse_one_on_one_period(period: &str) -> Option<(OneOnOneId, DateTime<Utc>)> {
    let (id, at) = period.split_once('@')?;
    Some((id.parse().ok()?, DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc)))
}

/// When a week's nomination reminder may go out: from `REMINDER_HOUR` on
/// the day before the deadline day until the deadline (its end, local).
pub(super) fn reminder_window(
    week: Week,
    deadline_day: Weekday,
    tz: Tz,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let deadline = week.end_of(deadline_day, tz);
    let eve = week.day(deadline_day).pred_opt().unwrap_or_else(|| week.day(deadline_day));
    (local_instant(eve, REMINDER_HOUR, tz), deadline)
}

/// `hour`:00 local time on `date`, as UTC; an hour a clock change skips
/// becomes the next one that exists.
pub(super) fn local_instant(date: NaiveDate, hour: u32, tz: Tz) -> DateTime<Utc> {
    let Some(local) = date.and_hms_opt(hour, 0, 0) else {
        return Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN));
    };
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

impl Emails<'_> {
    /// Queues every reminder, digest and 1:1 notice due at `at`, for every
    /// organisation, and returns how many were new. Safe to run as often as
    /// wanted: each person gets one of each kind per period.
    /// One organisation's trouble (unreadable settings, say) is logged and
    /// does not hold up the others.
    pub async fn schedule_due(&self, at: DateTime<Utc>) -> Result<usize, ReviewError> {
        let store = &self.store;
        let mut queued = 0usize;
        let until = at
            .checked_add_signed(Duration::hours(ONE_ON_ONE_NOTICE_HOURS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        for organisation in store.organisations().await? {
            let scheduled = match self.schedule_organisation(&organisation, at).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(organisation = %organisation.id, error = ?e, "scheduling this organisation's emails failed");
                    0
                }
            };
            queued = queued.saturating_add(scheduled);
            if let Err(e) = self.one_on_ones().ensure_all_occurrences(organisation.id, until).await
            {
                tracing::warn!(organisation = %organisation.id, error = ?e, "scheduling this organisation's 1:1s failed");
            }
        }
        for meeting in store.one_on_ones_starting(at, until).await? {
            // A moved 1:1 is a new period: its notice says the new time.
            let period = one_on_one_period(meeting.id, meeting.scheduled_at);
            for person in [meeting.manager_id, meeting.rep_id] {
                let Some(row) = store.user(meeting.organisation_id, person).await? else {
                    continue;
                };
                if row.active
                    && self.queue(&row, EmailKind::OneOnOneTomorrow, &period).await?.is_some()
                {
                    queued = queued.saturating_add(1);
                }
            }
        }
        Ok(queued)
    }

    pub(super) async fn schedule_organisation(
        &self,
        organisation: &organisation::Model,
        at: DateTime<Utc>,
    ) -> Result<usize, ReviewError> {
        let store = &self.store;
        let tz = timezone(&organisation.timezone);
        let settings = ReviewSettings::from_stored(organisation.settings.as_ref())?;
        let people: Vec<user::Model> = store
            .users_page(organisation.id, None, None, u64::MAX >> 1)
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect();
        let mut queued = 0usize;

        // The reminder: from the morning before the deadline day until the
        // deadline, to reps with a slot still empty.
        let this_week = Week::containing(at, tz);
        for week in [this_week.previous(), this_week, this_week.next()] {
            let (from, deadline) = reminder_window(week, settings.nomination_deadline.into(), tz);
            if at < from || at >= deadline {
                continue;
            }
            let reps: Vec<&user::Model> = people.iter().filter(|u| u.role == Role::Rep).collect();
            let ids: Vec<UserId> = reps.iter().map(|u| u.id).collect();
            let nominations =
                store.nominations_of_reps(organisation.id, &ids, &week.to_string()).await?;
            for rep in reps {
                let picked = nominations.iter().filter(|n| n.rep_id == rep.id).count();
                if picked < 2
                    && self
                        .queue(rep, EmailKind::NominationReminder, &week.to_string())
                        .await?
                        .is_some()
                {
                    queued = queued.saturating_add(1);
                }
            }
        }

        // The digest: weekday mornings, to managers with shared calls of
        // their direct reports waiting.
        let local = at.with_timezone(&tz);
        let weekday = local.weekday();
        if weekday != Weekday::Sat
            && weekday != Weekday::Sun
            && at >= local_instant(local.date_naive(), DIGEST_HOUR, tz)
        {
            let waiting = store.nominations_in_state(organisation.id, ReviewState::Shared).await?;
            let managers: HashMap<UserId, Option<UserId>> =
                people.iter().map(|u| (u.id, u.manager_id)).collect();
            let mut told: Vec<UserId> = Vec::new();
            for nomination in &waiting {
                let Some(Some(manager)) = managers.get(&nomination.rep_id) else { continue };
                if told.contains(manager) {
                    continue;
                }
                told.push(*manager);
                let Some(row) = people.iter().find(|u| u.id == *manager) else { continue };
                let period = local.date_naive().to_string();
                if self.queue(row, EmailKind::ReviewDigest, &period).await?.is_some() {
                    queued = queued.saturating_add(1);
                }
            }
        }
        Ok(queued)
    }

    /// Queues one email with its send job unless the person turned the kind
    /// off or already has one for the period.
    pub(super) async fn queue(
        &self,
        person: &user::Model,
        kind: EmailKind,
        period: &str,
    ) -> Result<Option<email::Model>, ReviewError> {
        let store = &self.store;
        if !store.opted_out(&[person.id], kind).await?.is_empty() {
            return Ok(None);
        }
        // Queued now, whatever instant the schedule ran for: the job is due
        // at once.
        let queued_at = now();
        let row = email::Model {
            id: EmailId::generate(),
            organisation_id: person.organisation_id,
            user_id: person.id,
            kind,
            period: period.to_owned(),
            status: EmailStatus::Queued,
            attempts: 0,
            last_error: None,
            subject: None,
            created_at: queued_at,
            updated_at: queued_at,
            sent_at: None,
        };
        let job = Job::SendEmail(SendEmail { email_id: row.id })
            .to_new_job(self.analysis_attempts, None)?;
        Ok(store.queue_email(row.clone(), job).await?.then_some(row))
    }

    /// An admin emails a person their sign-in link (an invite, or a reset
    /// when they have a password). The link is made when the email is sent,
    /// so it is valid from then and earlier links stop working.
    pub async fn send_invite(&self, actor: &Actor, user_id: UserId) -> Result<Email, ReviewError> {
        require_admin(actor, "email sign-in links")?;
        if !self.email_enabled {
            return Err(ReviewError::EmailNotConfigured);
        }
        let store = &self.store;
        let row = store.user(actor.organisation_id, user_id).await?.ok_or_else(|| {
            ReviewError::NotFound { entity: Entity::User, id: user_id.to_string() }
        })?;
        if !row.active {
            return Err(ReviewError::InvalidField {
                field: "user".into(),
                message: format!("user {} is deactivated; reactivate them first", row.id),
            });
        }
        if !store.opted_out(&[row.id], EmailKind::Invite).await?.is_empty() {
            return Err(ReviewError::EmailTurnedOff(kind_description(EmailKind::Invite)));
        }
        // Each invite is its own period: an admin may send another.
        let period = uuid::Uuid::now_v7().to_string();
        // Nothing queued: they turned invites off in the meantime.
        let queued = self
            .queue(&row, EmailKind::Invite, &period)
            .await?
            .ok_or(ReviewError::EmailTurnedOff(kind_description(EmailKind::Invite)))?;
        Ok(view(queued, &row))
    }

    /// Whether this server sends email at all.
    pub fn enabled(&self) -> bool {
        self.email_enabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::compose::one_line;
    use crate::email::kinds::{KINDS, kind_name, kind_named, status_name, status_named};

    #[test]
    fn kinds_and_statuses_read_back_their_names() {
        for kind in KINDS {
            assert_eq!(kind_named(kind_name(kind)), Some(kind));
        }
        for status in ["queued", "retrying", "sending", "sent", "failed", "skipped"] {
            assert_eq!(status_named(status).map(status_name), Some(status));
        }
        assert_eq!(kind_named("spam"), None);
    }

    #[test]
    fn a_monday_deadline_is_reminded_of_on_the_sunday_before() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        let week = Week::parse("week", "2026-W50")
            .unwrap_or_else(|_| Week::containing(Utc::now(), berlin));
        let (from, until) = reminder_window(week, Weekday::Mon, berlin);
        assert_eq!(from.to_rfc3339(), "2026-12-06T08:00:00+00:00", "Sunday 09:00 Berlin");
        assert_eq!(until.to_rfc3339(), "2026-12-07T23:00:00+00:00", "the end of Monday");
        // The Sunday belongs to the week before, so the schedule looks at
        // the next week's window too.
        assert_eq!(Week::containing(from, berlin).next(), week);
        let (from, until) = reminder_window(week, Weekday::Fri, berlin);
        assert_eq!(from.to_rfc3339(), "2026-12-10T08:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-12-11T23:00:00+00:00");
    }

    #[test]
    fn others_text_stays_on_one_line() {
        assert_eq!(
            one_line("Pricing\r\n\nClick http://evil.example\u{7}"),
            "Pricing Click http://evil.example"
        );
        assert_eq!(one_line("Discovery call"), "Discovery call");
    }

    #[test]
    fn a_notice_period_names_the_occurrence_and_its_time() {
        let id = OneOnOneId::generate();
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 30, 0).single().unwrap_or_default();
        assert_eq!(parse_one_on_one_period(&one_on_one_period(id, at)), Some((id, at)));
        assert_eq!(parse_one_on_one_period(&id.to_string()), None);
    }

    #[test]
    fn the_morning_hour_is_local_time_even_across_a_clock_change() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap_or(chrono_tz::UTC);
        let winter = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
        assert_eq!(local_instant(winter, 9, berlin).to_rfc3339(), "2026-12-03T08:00:00+00:00");
        let summer = NaiveDate::from_ymd_opt(2026, 7, 2).unwrap_or_default();
        assert_eq!(local_instant(summer, 9, berlin).to_rfc3339(), "2026-07-02T07:00:00+00:00");
        // 02:00 does not exist on the spring-forward night: 03:00 instead.
        let spring = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap_or_default();
        assert_eq!(local_instant(spring, 2, berlin).to_rfc3339(), "2026-03-29T01:00:00+00:00");
    }
}
