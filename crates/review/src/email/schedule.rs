//! Email: who is told what, and when. Invites go out when an admin asks; the
//! nomination reminder, the manager's digest and the "1:1 tomorrow" notice
//! are scheduled from the organisation's calendar at a given instant, at most
//! once per person, kind and period (the `emails` table's unique key, so a
//! restart or a second scheduler changes nothing). An email's text is
//! composed when it is sent, from the state then: a reminder whose slots were
//! filled in the meantime is skipped, not sent. Every email carries a
//! one-click unsubscribe link for its kind.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
pub use filmroom_store::{EmailKind, EmailStatus};
use filmroom_store::{
    Role,
    entity::{email, nomination::ReviewState, organisation, unsubscribe_token, user},
    now,
};

use crate::{
    context::Emails,
    jobs::{Job, SendEmail},
    people::directory::Person,
    rules::actor::Actor,
    rules::actor::Credential,
    rules::actor::Page,
    rules::actor::PageRequest,
    rules::actor::page,
    rules::actor::require_admin,
    rules::actor::timezone,
    rules::error::{Entity, ReviewError},
    rules::ids::{EmailId, OneOnOneId, UserId},
    rules::secrets,
    rules::settings::ReviewSettings,
    rules::week::Week,
};

pub use crate::jobs::EMAIL_ATTEMPTS;

/// Local hour (organisation time) from which the nomination reminder goes
/// out on the day before the deadline.
pub const REMINDER_HOUR: u32 = 9;

/// Local hour from which a weekday's review digest goes out.
pub const DIGEST_HOUR: u32 = 8;

/// How long before a 1:1 starts its notice goes out.
pub const ONE_ON_ONE_NOTICE_HOURS: i64 = 24;

const UNSUBSCRIBE_PREFIX: &str = "fru_";

/// Every kind, in the order pages list them.
pub const KINDS: [EmailKind; 4] = [
    EmailKind::NominationReminder,
    EmailKind::ReviewDigest,
    EmailKind::OneOnOneTomorrow,
    EmailKind::Invite,
];

/// The kind's stable name, as in the API.
pub fn kind_name(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invite => "invite",
        EmailKind::NominationReminder => "nomination_reminder",
        EmailKind::ReviewDigest => "review_digest",
        EmailKind::OneOnOneTomorrow => "one_on_one_tomorrow",
    }
}

/// The kind with this name.
pub fn kind_named(name: &str) -> Option<EmailKind> {
    KINDS.into_iter().find(|k| kind_name(*k) == name)
}

/// What the kind is, in words, for pages and the unsubscribe link.
pub fn kind_description(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invite => "invitations and password-reset links",
        EmailKind::NominationReminder => {
            "a reminder the day before the deadline when a call is still to be picked"
        }
        EmailKind::ReviewDigest => "a morning digest of shared calls waiting for your review",
        EmailKind::OneOnOneTomorrow => "a notice the day before a 1:1, with its agenda",
    }
}

/// The status's stable name, as in the API.
pub fn status_name(status: EmailStatus) -> &'static str {
    match status {
        EmailStatus::Queued => "queued",
        EmailStatus::Retrying => "retrying",
        EmailStatus::Sending => "sending",
        EmailStatus::Sent => "sent",
        EmailStatus::Failed => "failed",
        EmailStatus::Skipped => "skipped",
    }
}

/// The status with this name.
pub fn status_named(name: &str) -> Option<EmailStatus> {
    [
        EmailStatus::Queued,
        EmailStatus::Retrying,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
        EmailStatus::Skipped,
    ]
    .into_iter()
    .find(|s| status_name(*s) == name)
}

/// One email as admins see it in the log: never its text (an invite's holds
/// a sign-in link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Id.
    pub id: EmailId,
    /// The recipient.
    pub user_id: UserId,
    /// Their name, as now.
    pub recipient_name: String,
    /// Their address, as now.
    pub recipient_email: String,
    /// What it is about.
    pub kind: EmailKind,
    /// What it covers: an ISO week, a date, a 1:1's id, or an invite's id.
    pub period: String,
    /// Where it is.
    pub status: EmailStatus,
    /// Sends tried.
    pub attempts: i32,
    /// Why the last send failed, or why it was skipped.
    pub last_error: Option<String>,
    /// Its subject, once composed.
    pub subject: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When the mail server accepted it.
    pub sent_at: Option<DateTime<Utc>>,
}

/// An email ready to hand to the mail server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposedEmail {
    /// The recipient's name.
    pub to_name: String,
    /// The recipient's address.
    pub to_address: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body, ending with the unsubscribe line.
    pub text: String,
    /// The one-click unsubscribe URL (`List-Unsubscribe`).
    pub unsubscribe_url: String,
}

/// What sending an email comes to, once composed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Composition {
    /// Send this.
    Send(ComposedEmail),
    /// Nothing to send any more, and why.
    Skip(String),
    /// The email is gone or already settled.
    Settled,
}

/// How one attempt at sending went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The mail server accepted it.
    Sent,
    /// Not sent, on purpose.
    Skipped(String),
    /// The attempt failed; `retrying` when another follows.
    Failed {
        /// What the mail server or the network said.
        message: String,
        /// Whether another attempt is planned.
        retrying: bool,
    },
}

/// What a one-click unsubscribe link turns off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscription {
    /// Whose email.
    pub person: Person,
    /// Which kind.
    pub kind: EmailKind,
    /// Whether it is off already.
    pub off: bool,
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

    async fn schedule_organisation(
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
    async fn queue(
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

    /// The organisation's email log (admins only), newest first, optionally
    /// of some statuses only.
    pub async fn log(
        &self,
        actor: &Actor,
        statuses: &[EmailStatus],
        request: PageRequest,
    ) -> Result<Page<Email>, ReviewError> {
        require_admin(actor, "read the email log")?;
        let store = &self.store;
        let rows = store
            .emails_page(
                actor.organisation_id,
                statuses,
                request.after.map(EmailId::from),
                request.limit.saturating_add(1),
            )
            .await?;
        let people: HashMap<UserId, user::Model> = store
            .users_page(actor.organisation_id, None, None, u64::MAX >> 1)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut listed = page(rows, request, |e| e.id, |e| e);
        let items = std::mem::take(&mut listed.items)
            .into_iter()
            .filter_map(|e| people.get(&e.user_id).map(|u| view(e, u)))
            .collect();
        Ok(Page { items, next_after: listed.next_after })
    }

    /// An admin sends a failed email again: it is composed afresh.
    pub async fn retry(&self, actor: &Actor, id: EmailId) -> Result<Email, ReviewError> {
        require_admin(actor, "send an email again")?;
        if !self.email_enabled {
            return Err(ReviewError::EmailNotConfigured);
        }
        let store = &self.store;
        let not_found = || ReviewError::NotFound { entity: Entity::Email, id: id.to_string() };
        let row = store
            .email(id)
            .await?
            .filter(|e| e.organisation_id == actor.organisation_id)
            .ok_or_else(not_found)?;
        let person = store.user(actor.organisation_id, row.user_id).await?.ok_or_else(not_found)?;
        let series = uuid::Uuid::now_v7().simple().to_string();
        let job = Job::SendEmail(SendEmail { email_id: row.id })
            .to_new_job(self.analysis_attempts, Some(&series))?;
        // Only a failed email, checked in the same statement that requeues
        // it: two presses make one new attempt.
        if !store.requeue_failed_email(row.id, job, now()).await? {
            return Err(ReviewError::EmailNotFailed(status_name(row.status)));
        }
        let requeued = store.email(id).await?.ok_or_else(not_found)?;
        Ok(view(requeued, &person))
    }

    /// Takes an email for one send attempt; false when another attempt has
    /// it or it is settled.
    pub async fn claim(&self, id: EmailId) -> Result<bool, ReviewError> {
        let at = now();
        // An attempt that has held it this long died with its worker.
        let stale_before = at - Duration::minutes(10);
        Ok(self.store.claim_email(id, at, stale_before).await?)
    }

    /// Composes an email for sending at `at`, with links under `public_url`.
    /// Invites get a fresh sign-in link; reminders and notices are skipped
    /// when there is nothing left to say.
    pub async fn compose(
        &self,
        id: EmailId,
        public_url: &str,
        at: DateTime<Utc>,
    ) -> Result<Composition, ReviewError> {
        let store = &self.store;
        let Some(row) = store.email(id).await? else { return Ok(Composition::Settled) };
        if matches!(row.status, EmailStatus::Sent | EmailStatus::Skipped | EmailStatus::Failed) {
            return Ok(Composition::Settled);
        }
        let Some(person) = store.user(row.organisation_id, row.user_id).await? else {
            return Ok(Composition::Settled);
        };
        if !person.active {
            return Ok(Composition::Skip("the recipient was deactivated".into()));
        }
        if !store.opted_out(&[person.id], row.kind).await?.is_empty() {
            return Ok(Composition::Skip("the recipient turned this kind of email off".into()));
        }
        let organisation = store.organisation(row.organisation_id).await?.ok_or_else(|| {
            ReviewError::NotFound {
                entity: Entity::Organisation,
                id: row.organisation_id.to_string(),
            }
        })?;
        let base = public_url.trim_end_matches('/');
        let recipient = Actor {
            user_id: person.id,
            organisation_id: person.organisation_id,
            role: person.role,
            credential: Credential::Email(row.id),
        };
        let message = match row.kind {
            EmailKind::Invite => self.invite_text(&person, &organisation, base).await,
            EmailKind::NominationReminder => {
                self.reminder_text(&recipient, &person, &row.period, &organisation, base, at).await
            }
            EmailKind::ReviewDigest => {
                self.digest_text(&person, &organisation, &row.period, base, at).await
            }
            EmailKind::OneOnOneTomorrow => {
                self.one_on_one_text(&recipient, &person, &row.period, base, at).await
            }
        };
        let (subject, body) = match message {
            Ok(Ok(message)) => message,
            Ok(Err(reason)) => return Ok(Composition::Skip(reason)),
            // What the recipient may see changed: nothing to tell them.
            Err(
                e @ (ReviewError::NotFound { .. }
                | ReviewError::Forbidden(_)
                | ReviewError::InvalidField { .. }),
            ) => return Ok(Composition::Skip(e.to_string())),
            Err(e) => return Err(e),
        };
        let secret = secrets::generate_with_prefix(UNSUBSCRIBE_PREFIX)
            .map_err(|e| ReviewError::Internal(format!("no randomness for a link: {e}")))?;
        store
            .insert_unsubscribe_token(unsubscribe_token::Model {
                token_hash: secret.hash,
                user_id: person.id,
                kind: row.kind,
                created_at: at,
            })
            .await?;
        let unsubscribe_url = format!("{base}/unsubscribe/{}", secret.secret);
        let text = format!(
            "{body}\n\n-- \nfilmroom at {org}. You get this email as {description}.\nStop these emails: {unsubscribe_url}\n",
            org = organisation.name,
            description = kind_description(row.kind),
        );
        Ok(Composition::Send(ComposedEmail {
            to_name: person.name.clone(),
            to_address: person.email.clone(),
            subject,
            text,
            unsubscribe_url,
        }))
    }

    async fn invite_text(
        &self,
        person: &user::Model,
        organisation: &organisation::Model,
        base: &str,
    ) -> Result<Result<(String, String), String>, ReviewError> {
        let link = self.accounts().new_link(person.clone()).await?;
        let url = format!("{base}{}", crate::rules::sign_in::link_path(&link.secret));
        let until = link.expires_at.format("%A %-d %B %Y, %H:%M UTC");
        Ok(Ok(match link.purpose {
            filmroom_store::entity::sign_in_link::LinkPurpose::Invite => (
                format!("You're invited to {} on filmroom", organisation.name),
                format!(
                    "Hello {name},\n\n{org} coaches on real calls with filmroom: each week you pick two of your calls, review them, and talk them through with your manager.\n\nChoose your password to get started (the link works once, until {until}):\n{url}",
                    name = person.name,
                    org = organisation.name,
                ),
            ),
            filmroom_store::entity::sign_in_link::LinkPurpose::Reset => (
                "Reset your filmroom password".to_owned(),
                format!(
                    "Hello {name},\n\nAn admin of {org} sent you a link to choose a new password (it works once, until {until}):\n{url}\n\nIf you did not ask for it, you can ignore this email; your password stays as it is.",
                    name = person.name,
                    org = organisation.name,
                ),
            ),
        }))
    }

    async fn reminder_text(
        &self,
        recipient: &Actor,
        person: &user::Model,
        period: &str,
        organisation: &organisation::Model,
        base: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<(String, String), String>, ReviewError> {
        let view = self.weekly().week(recipient, person.id, period).await?;
        if at >= view.nomination_deadline {
            return Ok(Err("the nomination deadline had passed by then".into()));
        }
        let missing: Vec<&str> = [
            (view.went_well.is_none(), "a call that went well"),
            (view.struggled.is_none(), "a call you struggled with"),
        ]
        .into_iter()
        .filter_map(|(empty, what)| empty.then_some(what))
        .collect();
        if missing.is_empty() {
            return Ok(Err("both calls were picked by then".into()));
        }
        let tz = timezone(&organisation.timezone);
        let last_day = (view.nomination_deadline.with_timezone(&tz) - Duration::seconds(1))
            .format("%A %-d %B")
            .to_string();
        Ok(Ok((
            format!("Pick your calls for {} by {last_day}", view.week),
            format!(
                "Hello {name},\n\nYour review of {week} still needs {missing}. Picks are due by the end of {last_day} ({tz}).\n\nPick them on your week page:\n{base}/",
                name = person.name,
                week = view.week,
                missing = missing.join(" and "),
                tz = organisation.timezone,
            ),
        )))
    }

    async fn digest_text(
        &self,
        person: &user::Model,
        organisation: &organisation::Model,
        period: &str,
        base: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<(String, String), String>, ReviewError> {
        let store = &self.store;
        let settings = ReviewSettings::from_stored(organisation.settings.as_ref())?;
        let tz = timezone(&organisation.timezone);
        let today = at.with_timezone(&tz).date_naive();
        if period.parse::<NaiveDate>().is_ok_and(|day| day.succ_opt().is_some_and(|d| d < today)) {
            return Ok(Err(format!("the digest of {period} was out of date by then")));
        }
        let reports: HashMap<UserId, user::Model> = store
            .users_page(organisation.id, None, None, u64::MAX >> 1)
            .await?
            .into_iter()
            .filter(|u| u.active && u.manager_id == Some(person.id))
            .map(|u| (u.id, u))
            .collect();
        let waiting: Vec<_> = store
            .nominations_in_state(organisation.id, ReviewState::Shared)
            .await?
            .into_iter()
            .filter(|n| reports.contains_key(&n.rep_id))
            .collect();
        if waiting.is_empty() {
            return Ok(Err("no shared call was waiting for a review by then".into()));
        }
        let window = Duration::days(i64::from(settings.manager_review_days));
        let mut lines = Vec::new();
        for nomination in &waiting {
            let rep = reports.get(&nomination.rep_id).map_or("A rep", |u| u.name.as_str());
            let title = store
                .call(organisation.id, nomination.call_id)
                .await?
                .map(|c| one_line(&c.title))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "an untitled call".into());
            let shared = nomination.shared_at.map_or_else(String::new, |t| {
                format!(", shared {}", t.with_timezone(&tz).format("%A %-d %B"))
            });
            let overdue = if crate::rules::workflow::review_overdue(
                nomination.state,
                nomination.shared_at,
                window,
                at,
            ) {
                " (overdue)"
            } else {
                ""
            };
            lines.push(format!(
                "- {rep}: {title}{shared}{overdue}\n  {base}/calls/{}",
                nomination.call_id
            ));
        }
        let count = waiting.len();
        let calls = if count == 1 { "call waits" } else { "calls wait" };
        Ok(Ok((
            format!("{count} shared {calls} for your review"),
            format!(
                "Hello {name},\n\n{count} shared {calls} for your review, the longest waiting first:\n\n{list}\n\nYour team board:\n{base}/team",
                name = person.name,
                list = lines.join("\n"),
            ),
        )))
    }

    async fn one_on_one_text(
        &self,
        recipient: &Actor,
        person: &user::Model,
        period: &str,
        base: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<(String, String), String>, ReviewError> {
        let Some((id, planned)) = parse_one_on_one_period(period) else {
            return Ok(Err(format!("{period} is not a 1:1")));
        };
        let view = match self.one_on_ones().one_on_one(recipient, id).await {
            Ok(view) => view,
            Err(ReviewError::NotFound { .. }) => {
                return Ok(Err("the 1:1 is gone or no longer yours".into()));
            }
            Err(e) => return Err(e),
        };
        if view.row.status != filmroom_store::entity::one_on_one::OneOnOneStatus::Scheduled {
            return Ok(Err("the 1:1 was cancelled or held by then".into()));
        }
        if view.row.scheduled_at != planned {
            return Ok(Err("the 1:1 had moved by then; the new time has its own notice".into()));
        }
        if view.row.scheduled_at <= at {
            return Ok(Err("the 1:1 had started by then".into()));
        }
        let tz = timezone(&view.series.timezone);
        let when = view.row.scheduled_at.with_timezone(&tz);
        let other =
            if person.id == view.row.manager_id { &view.rep_name } else { &view.manager_name };
        let mut body = format!(
            "Hello {name},\n\nYour 1:1 with {other} is {day} at {time} ({zone}), {minutes} minutes.\n",
            name = person.name,
            day = when.format("%A %-d %B"),
            time = when.format("%H:%M"),
            zone = view.series.timezone,
            minutes = view.row.duration_minutes,
        );
        if !view.series.agenda.is_empty() {
            body.push_str("\nAgenda:\n");
            for topic in &view.series.agenda {
                body.push_str(&format!("- {}\n", one_line(topic)));
            }
        }
        let open: Vec<_> = view
            .carried_over
            .iter()
            .chain(view.action_items.iter())
            .filter(|item| item.done_at.is_none())
            .collect();
        if !open.is_empty() {
            body.push_str("\nOpen action items, checked first:\n");
            for item in open {
                let due = item.due_date.map_or_else(String::new, |d| {
                    let late = if d < when.date_naive() { ", overdue" } else { "" };
                    format!(" (due {}{late})", d.format("%-d %B"))
                });
                body.push_str(&format!("- {}{due}\n", one_line(&item.text)));
            }
        }
        let minutes = view.used_ms() / 60_000;
        let seconds = (view.used_ms() % 60_000) / 1000;
        body.push_str(&format!(
            "\nClips in the coaching segment: {} ({minutes}:{seconds:02} of {}:00).\n\nOpen the 1:1:\n{base}/one-on-ones/{}",
            view.clips.len(),
            view.budget_ms / 60_000,
            view.row.id
        ));
        Ok(Ok((format!("1:1 with {other} {}", when.format("%A at %H:%M")), body)))
    }

    /// Records how an attempt went.
    pub async fn record(
        &self,
        id: EmailId,
        outcome: SendOutcome,
        subject: Option<String>,
    ) -> Result<(), ReviewError> {
        let store = &self.store;
        let Some(mut row) = store.email(id).await? else { return Ok(()) };
        let at = now();
        row.updated_at = at;
        if subject.is_some() {
            row.subject = subject;
        }
        match outcome {
            SendOutcome::Sent => {
                row.attempts = row.attempts.saturating_add(1);
                row.status = EmailStatus::Sent;
                row.sent_at = Some(at);
                row.last_error = None;
            }
            SendOutcome::Skipped(reason) => {
                row.status = EmailStatus::Skipped;
                row.last_error = Some(reason);
            }
            SendOutcome::Failed { message, retrying } => {
                row.attempts = row.attempts.saturating_add(1);
                row.status = if retrying { EmailStatus::Retrying } else { EmailStatus::Failed };
                row.last_error = Some(message);
            }
        }
        store.update_email(row).await?;
        Ok(())
    }

    /// Marks an email failed when its job gives up without a last attempt
    /// having said so (its worker died on the final try).
    pub async fn give_up(&self, id: EmailId, message: &str) -> Result<(), ReviewError> {
        let store = &self.store;
        let Some(mut row) = store.email(id).await? else { return Ok(()) };
        // Queued means an admin asked for another try since: leave it.
        if matches!(row.status, EmailStatus::Retrying | EmailStatus::Sending) {
            row.status = EmailStatus::Failed;
            row.last_error = Some(message.to_owned());
            row.updated_at = now();
            store.update_email(row).await?;
        }
        Ok(())
    }

    /// What an unsubscribe link turns off, for its page.
    pub async fn unsubscription(&self, secret: &str) -> Result<Unsubscription, ReviewError> {
        let store = &self.store;
        let invalid = || ReviewError::UnsubscribeLinkInvalid;
        if !secret.starts_with(UNSUBSCRIBE_PREFIX) || secret.len() > 100 {
            return Err(invalid());
        }
        let token = store.unsubscribe_token(&secrets::hash(secret)).await?.ok_or_else(invalid)?;
        let row = store.user_anywhere(token.user_id).await?.ok_or_else(invalid)?;
        let off = !store.opted_out(&[row.id], token.kind).await?.is_empty();
        Ok(Unsubscription { person: row.into(), kind: token.kind, off })
    }

    /// Turns off the kind of email an unsubscribe link names (one click, no
    /// sign-in: the link is the proof). Doing it twice is harmless.
    pub async fn unsubscribe(&self, secret: &str) -> Result<Unsubscription, ReviewError> {
        let found = self.unsubscription(secret).await?;
        self.store.set_opt_out(found.person.id, found.kind, true, now()).await?;
        Ok(Unsubscription { off: true, ..found })
    }

    /// The caller's choice for each kind: `true` when they get it.
    pub async fn preferences(&self, actor: &Actor) -> Result<Vec<(EmailKind, bool)>, ReviewError> {
        let off = self.store.opt_outs_of(actor.user_id).await?;
        Ok(KINDS.into_iter().map(|k| (k, !off.contains(&k))).collect())
    }

    /// The caller turns a kind of email on or off.
    pub async fn set_preference(
        &self,
        actor: &Actor,
        kind: EmailKind,
        on: bool,
    ) -> Result<(), ReviewError> {
        Ok(self.store.set_opt_out(actor.user_id, kind, !on, now()).await?)
    }

    /// Whether this server sends email at all.
    pub fn enabled(&self) -> bool {
        self.email_enabled
    }
}

fn view(row: email::Model, person: &user::Model) -> Email {
    Email {
        id: row.id,
        user_id: row.user_id,
        recipient_name: person.name.clone(),
        recipient_email: person.email.clone(),
        kind: row.kind,
        period: row.period,
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
        subject: row.subject,
        created_at: row.created_at,
        updated_at: row.updated_at,
        sent_at: row.sent_at,
    }
}

/// The period of a 1:1's notice: the occurrence and the time it was planned
/// for, so that moving it makes a new notice and the old one is skipped.
fn one_on_one_period(id: OneOnOneId, at: DateTime<Utc>) -> String {
    format!("{id}@{}", at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn parse_one_on_one_period(period: &str) -> Option<(OneOnOneId, DateTime<Utc>)> {
    let (id, at) = period.split_once('@')?;
    Some((id.parse().ok()?, DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc)))
}

/// Text someone else wrote, as one line of an email: line breaks and other
/// control characters become spaces, so it cannot pose as the email's own
/// paragraphs or links.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// When a week's nomination reminder may go out: from `REMINDER_HOUR` on
/// the day before the deadline day until the deadline (its end, local).
fn reminder_window(week: Week, deadline_day: Weekday, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let deadline = week.end_of(deadline_day, tz);
    let eve = week.day(deadline_day).pred_opt().unwrap_or_else(|| week.day(deadline_day));
    (local_instant(eve, REMINDER_HOUR, tz), deadline)
}

/// `hour`:00 local time on `date`, as UTC; an hour a clock change skips
/// becomes the next one that exists.
fn local_instant(date: NaiveDate, hour: u32, tz: Tz) -> DateTime<Utc> {
    let Some(local) = date.and_hms_opt(hour, 0, 0) else {
        return Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN));
    };
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

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
