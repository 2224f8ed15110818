//! Composing an email when it is sent, from the state then: the invite,
//! the nomination reminder, the manager's digest and the 1:1 notice, or the
//! reason one is no longer worth sending.

use super::kinds::kind_description;
use super::preferences::UNSUBSCRIBE_PREFIX;
use super::schedule::parse_one_on_one_period;
use crate::{
    context::Emails,
    rules::actor::Actor,
    rules::actor::Credential,
    rules::actor::timezone,
    rules::error::{Entity, ReviewError},
    rules::ids::{EmailId, UserId},
    rules::secrets,
    rules::settings::ReviewSettings,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use filmroom_store::entity::{nomination::ReviewState, organisation, unsubscribe_token, user};
use filmroom_store::{EmailKind, EmailStatus};
use std::collections::HashMap;

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
    /// The same as HTML (every value escaped), sent beside the text for
    /// mail clients that show HTML.
    pub html: String,
    /// The one-click unsubscribe URL (`List-Unsubscribe`).
    pub unsubscribe_url: String,
    /// The hash its token is kept under: forgotten again when this attempt
    /// is refused, since no inbox holds the link.
    pub unsubscribe_token_hash: String,
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

/// Text someone else wrote, as one line of an email: line breaks and other
/// control characters become spaces, so it cannot pose as the email's own
/// paragraphs or links.
pub(super) fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control())
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Emails<'_> {
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
                token_hash: secret.hash.clone(),
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
            html: super::html::html_of(&text),
            text,
            unsubscribe_url,
            unsubscribe_token_hash: secret.hash,
        }))
    }

    pub(super) async fn invite_text(
        &self,
        person: &user::Model,
        organisation: &organisation::Model,
        base: &str,
    ) -> Result<Result<(String, String), String>, ReviewError> {
        let link = self.accounts().new_link(person.clone()).await?;
        let url = format!("{base}{}", crate::rules::sign_in::link_path(&link.secret));
        let until = link.expires_at.format("%A %-d %B %Y, %H:%M UTC");
        // What filmroom is for, as this person will use it.
        let role_line = match person.role {
            filmroom_store::Role::Rep => {
                "each week you pick two of your calls, review them, and talk them through with your manager"
            }
            filmroom_store::Role::Manager => {
                "each week your reps pick two of their calls and review them; you review what they share, and coach on clips from them in your 1:1s"
            }
            filmroom_store::Role::Admin => {
                "you set up its people, rubric and settings, and reps and managers review their calls every week"
            }
        };
        Ok(Ok(match link.purpose {
            filmroom_store::entity::sign_in_link::LinkPurpose::Invite => (
                format!("You're invited to {} on filmroom", organisation.name),
                format!(
                    "Hello {name},\n\n{org} coaches on real calls with filmroom: {role_line}.\n\nChoose your password to get started (the link works once, until {until}):\n{url}",
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

    pub(super) async fn reminder_text(
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
        // In the person's own zone: the deadline is one instant for everyone.
        let zone = own_zone(person, &organisation.timezone);
        let tz = timezone(zone);
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
                tz = zone,
            ),
        )))
    }

    pub(super) async fn digest_text(
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
        let own_tz = timezone(own_zone(person, &organisation.timezone));
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
                format!(", shared {}", t.with_timezone(&own_tz).format("%A %-d %B"))
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

    pub(super) async fn one_on_one_text(
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
        // The recipient's own zone when they chose one, else the series'.
        let zone = own_zone(person, &view.series.timezone);
        let tz = timezone(zone);
        let when = view.row.scheduled_at.with_timezone(&tz);
        let other =
            if person.id == view.row.manager_id { &view.rep_name } else { &view.manager_name };
        let mut body = format!(
            "Hello {name},\n\nYour 1:1 with {other} is {day} at {time} ({zone}), {minutes} minutes.\n",
            name = person.name,
            day = when.format("%A %-d %B"),
            time = when.format("%H:%M"),
            zone = zone,
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
}

/// The zone an email speaks to `person` in: their own when they chose one,
/// else `otherwise` (the organisation's, or a 1:1 series').
fn own_zone<'a>(person: &'a user::Model, otherwise: &'a str) -> &'a str {
    person.timezone.as_deref().unwrap_or(otherwise)
}
