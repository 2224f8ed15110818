//! The sign-in pages' view models: the sign-in form and the page a one-time
//! link opens, with no I/O of their own.

use crate::{pages::Layout, view};
use askama::Template;
use filmroom_review::LinkPurpose;
use filmroom_review::accounts::LinkView;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "welcome.html")]
pub struct WelcomePage {
    layout: Layout,
    invite: bool,
    name: String,
    email: String,
    expires_iso: String,
    expires_text: String,
    error: Option<String>,
}

/// The sign-in form, returning to `next`, with the email typed and the
/// reason the last try failed.
pub fn login_page(next: String, email: String, error: Option<String>) -> LoginPage {
    LoginPage { layout: Layout::public("Sign in", "login"), next, email, error }
}

/// The page a one-time link opens: whose password it sets, until when.
pub fn welcome_page(link: LinkView, error: Option<String>) -> WelcomePage {
    let invite = link.purpose == LinkPurpose::Invite;
    WelcomePage {
        layout: Layout::public(if invite { "Welcome" } else { "Choose a new password" }, "welcome"),
        invite,
        name: link.name,
        email: link.email,
        expires_iso: view::iso(link.expires_at),
        expires_text: view::when(link.expires_at, "UTC"),
        error,
    }
}
