//! The account page's view model: the person's sessions, tokens and email
//! choices as the page shows them, with no I/O of its own.

use crate::{pages::Layout, session::Viewer, view};
use askama::Template;
use filmroom_review::email;
use filmroom_review::{TokenInfo, accounts::SessionInfo, email::EmailKind};

pub struct SessionRow {
    id: String,
    browser: String,
    since_iso: String,
    since_text: String,
    seen_iso: String,
    seen_text: String,
    current: bool,
}

pub struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    created_text: String,
    used_text: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    role: String,
    message: Option<String>,
    error: Option<String>,
    new_token: Option<(String, String)>,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    /// Each kind of email: (name, what it is, whether they get it).
    emails: Vec<(&'static str, &'static str, bool)>,
    /// Whether this server sends email at all.
    email_enabled: bool,
    /// The person's own zone, empty when they follow the organisation's.
    own_zone: String,
    /// The organisation's zone, the choice of "follow the organisation".
    organisation_zone: String,
    /// Every IANA zone name, for the list.
    zones: Vec<&'static str>,
}

impl AccountPage {
    fn layout_csrf(&self) -> &str {
        self.layout.viewer.as_ref().map_or("", |v| v.csrf.as_str())
    }
}

/// What the account page needs from the review domain, fetched by its handler.
pub struct AccountFacts {
    /// Where the person is signed in.
    pub sessions: Vec<SessionInfo>,
    /// Their personal API tokens.
    pub tokens: Vec<TokenInfo>,
    /// Each kind of email and whether they get it.
    pub emails: Vec<(EmailKind, bool)>,
    /// Whether this server sends email at all.
    pub email_enabled: bool,
}

/// The account page for `viewer`.
pub fn account_page(
    viewer: &Viewer,
    facts: AccountFacts,
    message: Option<String>,
    error: Option<String>,
    new_token: Option<(String, String)>,
) -> AccountPage {
    let timezone = viewer.timezone();
    let sessions = facts
        .sessions
        .into_iter()
        .map(|s| SessionRow {
            id: s.id.to_string(),
            browser: browser_name(&s.user_agent),
            since_iso: view::iso(s.created_at),
            since_text: view::when(s.created_at, timezone),
            seen_iso: view::iso(s.last_seen_at),
            seen_text: view::when(s.last_seen_at, timezone),
            current: s.current,
        })
        .collect();
    let tokens = facts
        .tokens
        .into_iter()
        .filter(|t| t.revoked_at.is_none())
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name,
            prefix: t.prefix,
            created_text: view::day(t.created_at, timezone),
            used_text: t
                .last_used_at
                .map_or_else(|| "never".to_owned(), |at| view::day(at, timezone)),
        })
        .collect();
    let emails = facts
        .emails
        .into_iter()
        .map(|(kind, on)| (email::kind_name(kind), email::kind_description(kind), on))
        .collect();
    AccountPage {
        own_zone: viewer.me.timezone.clone().unwrap_or_default(),
        organisation_zone: viewer.organisation.timezone.clone(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        emails,
        email_enabled: facts.email_enabled,
        layout: Layout::new("Account", "account", viewer),
        name: viewer.me.name.clone(),
        email: viewer.me.email.clone(),
        role: match viewer.me.role {
            filmroom_review::Role::Admin => "Admin",
            filmroom_review::Role::Manager => "Manager",
            filmroom_review::Role::Rep => "Rep",
        }
        .to_owned(),
        message,
        error,
        new_token,
        sessions,
        tokens,
    }
}

/// A session's browser as a person names it ("Chrome 156 on Linux"), read
/// from its User-Agent; what cannot be read is said plainly.
fn browser_name(user_agent: &str) -> String {
    if user_agent.trim().is_empty() {
        return "An unnamed browser or program".to_owned();
    }
    let Some(seen) = woothee::parser::Parser::new().parse(user_agent) else {
        return "A browser or program filmroom cannot name".to_owned();
    };
    let major = seen.version.split('.').next().unwrap_or_default();
    let name = if seen.name == "UNKNOWN" { "A browser" } else { seen.name };
    let version =
        if major.is_empty() || major == "UNKNOWN" { String::new() } else { format!(" {major}") };
    let system = if seen.os == "UNKNOWN" { String::new() } else { format!(" on {}", seen.os) };
    format!("{name}{version}{system}")
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn a_browser_is_named_as_people_name_it() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(browser_name(chrome), "Chrome 156 on Linux");
        assert_eq!(browser_name(""), "An unnamed browser or program");
    }
}
