//! The email pages' view models: the unsubscribe page and the admins'
//! email log, built from what the review domain answered, with no I/O of
//! their own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::email::Unsubscription;
use filmroom_review::email::{self, Email};

#[derive(Template)]
#[template(path = "unsubscribe.html")]
pub struct UnsubscribePage {
    layout: Layout,
    email: String,
    description: &'static str,
    off: bool,
}

pub struct EmailRow {
    id: String,
    to: String,
    kind: &'static str,
    period: String,
    subject: String,
    status: &'static str,
    attempts: i32,
    last_error: String,
    when_iso: String,
    when_text: String,
    failed: bool,
}

#[derive(Template)]
#[template(path = "admin_email.html")]
pub struct EmailLogPage {
    layout: Layout,
    csrf: String,
    enabled: bool,
    filter: String,
    rows: Vec<EmailRow>,
    notice: Option<String>,
}

fn row(e: Email, timezone: &str) -> EmailRow {
    let at = e.sent_at.unwrap_or(e.updated_at);
    EmailRow {
        id: e.id.to_string(),
        to: format!("{} <{}>", e.recipient_name, e.recipient_email),
        kind: match e.kind {
            email::EmailKind::Invite => "Sign-in link",
            email::EmailKind::NominationReminder => "Pick-your-calls reminder",
            email::EmailKind::ReviewDigest => "Reviews waiting",
            email::EmailKind::OneOnOneTomorrow => "1:1 tomorrow",
        },
        // An invite's or a 1:1's period is an id, which says nothing here.
        period: match e.kind {
            email::EmailKind::NominationReminder | email::EmailKind::ReviewDigest => e.period,
            email::EmailKind::Invite | email::EmailKind::OneOnOneTomorrow => String::new(),
        },
        subject: e.subject.unwrap_or_default(),
        status: email::status_name(e.status),
        attempts: e.attempts,
        last_error: e.last_error.unwrap_or_default(),
        when_iso: view::iso(at),
        when_text: view::when(at, timezone),
        failed: e.status == email::EmailStatus::Failed,
    }
}

/// The unsubscribe page: whose email kind the link turns off, and whether
/// it is off now.
pub fn unsubscribe_page(found: Unsubscription) -> UnsubscribePage {
    UnsubscribePage {
        layout: Layout::public("Email", "unsubscribe"),
        email: found.person.email,
        description: email::kind_description(found.kind),
        off: found.off,
    }
}

/// The email log under `filter`, saying so when an email was just `queued`.
pub fn log_page(
    viewer: &Viewer,
    filter: &str,
    emails: Vec<Email>,
    queued: Option<&str>,
    enabled: bool,
) -> EmailLogPage {
    let notice = queued.and_then(|id| emails.iter().find(|e| e.id.to_string() == id)).map(|e| {
        format!(
            "An email to {} is queued; this log says when the mail server took it.",
            e.recipient_email
        )
    });
    EmailLogPage {
        layout: Layout::new("Email", "admin", viewer),
        csrf: viewer.csrf.clone(),
        enabled,
        filter: filter.to_owned(),
        rows: emails.into_iter().map(|e| row(e, viewer.timezone())).collect(),
        notice,
    }
}
