//! The email log: every email with its status, attempts and last error, as
//! admins read it; sending a failed one again; and the sender's record of
//! each attempt.

use super::kinds::status_name;
use crate::{
    context::Emails,
    jobs::{Job, SendEmail},
    rules::actor::Actor,
    rules::actor::Page,
    rules::actor::PageRequest,
    rules::actor::page,
    rules::actor::require_admin,
    rules::error::{Entity, ReviewError},
    rules::ids::{EmailId, UserId},
};
use chrono::{DateTime, Duration, Utc};
use filmroom_store::{EmailKind, EmailStatus};
use filmroom_store::{
    entity::{email, user},
    now,
};
use std::collections::HashMap;

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

/// What a send attempt composed: its subject, and the hash of the
/// unsubscribe token its link carries (forgotten when the attempt is
/// refused, since no inbox holds that link).
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The subject line.
    pub subject: &'a str,
    /// The hash its unsubscribe token is kept under.
    pub unsubscribe_token_hash: &'a str,
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
        /// Whether it surely did not go out: the mail server answered with
        /// a refusal, or the message was never handed over. A dropped
        /// connection leaves that unknown.
        refused: bool,
    },
}

pub(super) fn view(row: email::Model, person: &user::Model) -> Email {
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

impl Emails<'_> {
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

    /// Records how an attempt went; `attempt` is what it composed, when it
    /// got that far.
    pub async fn record(
        &self,
        id: EmailId,
        outcome: SendOutcome,
        attempt: Option<Attempt<'_>>,
    ) -> Result<(), ReviewError> {
        let store = &self.store;
        let Some(mut row) = store.email(id).await? else { return Ok(()) };
        let at = now();
        row.updated_at = at;
        if let Some(attempt) = &attempt {
            row.subject = Some(attempt.subject.to_owned());
        }
        // A refused attempt's link is in no inbox: forget it. One whose
        // fate is unknown (the connection dropped) may have gone out: keep it.
        if let (SendOutcome::Failed { refused: true, .. }, Some(attempt)) = (&outcome, attempt) {
            store.delete_unsubscribe_token(attempt.unsubscribe_token_hash).await?;
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
            SendOutcome::Failed { message, retrying, .. } => {
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
}
