//! The pages, one module each, and what they share: the layout and the
//! answers to a form.

mod account;
mod admin;
mod call_room;
mod email;
mod home;
mod one_on_one;
pub(crate) mod rep_profile;
mod search;
mod sign_in;
mod team;

use actix_web::{HttpRequest, HttpResponse, http::header, web};

use crate::{assets, session::Viewer};

/// Adds every page's routes.
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(sign_in::login_page)
        .service(sign_in::login)
        .service(sign_in::logout)
        .service(sign_in::welcome_page)
        .service(sign_in::welcome)
        .service(home::home)
        .service(home::my_calls)
        .service(home::nominate)
        .service(home::move_review)
        .service(call_room::call_room)
        .service(call_room::comments)
        .service(call_room::call_status)
        .service(call_room::save_comment)
        .service(call_room::delete_comment)
        .service(call_room::save_scores)
        .service(call_room::set_rep_channel)
        .service(team::team)
        .service(rep_profile::profile)
        .service(rep_profile::start_focus)
        .service(rep_profile::end_focus)
        .service(rep_profile::set_up_one_on_ones)
        .service(one_on_one::set_agenda)
        .service(one_on_one::reschedule)
        .service(one_on_one::room)
        .service(one_on_one::add_clip)
        .service(one_on_one::move_clip)
        .service(one_on_one::remove_clip)
        .service(one_on_one::retime_clip)
        .service(one_on_one::add_item)
        .service(one_on_one::item_done)
        .service(one_on_one::hold)
        .service(one_on_one::save_notes)
        .service(one_on_one::schedule)
        .service(admin::people_list)
        .service(admin::add_person)
        .service(admin::person_link)
        .service(admin::person_change)
        .service(admin::change_person)
        .service(admin::settings_form)
        .service(admin::save_settings)
        .service(admin::rubric_editor)
        .service(admin::publish_rubric)
        .service(admin::integrations_list)
        .service(admin::add_token)
        .service(admin::revoke_token)
        .service(admin::add_webhook)
        .service(admin::delete_webhook)
        .service(admin::redeliver)
        .service(search::search)
        .service(email::unsubscribe_form)
        .service(email::unsubscribe)
        .service(email::email_log)
        .service(email::retry)
        .service(email::email_link)
        // Pages that show a secret once answer the form's POST with the page
        // itself; reloading or going back to that address comes home.
        .route("/admin/people", web::get().to(|| back_to("/admin")))
        .route("/admin/people/{id}/link", web::get().to(|| back_to("/admin")))
        .route("/admin/integrations/tokens", web::get().to(|| back_to("/admin/integrations")))
        .route("/admin/integrations/webhooks", web::get().to(|| back_to("/admin/integrations")))
        .route("/account/tokens", web::get().to(|| back_to("/account")))
        .route("/account/email", web::get().to(|| back_to("/account")))
        .route("/admin/email/{id}/retry", web::get().to(|| back_to("/admin/email")))
        .route("/admin/people/{id}/email-link", web::get().to(|| back_to("/admin")))
        .service(account::account)
        .service(account::change_password)
        .service(account::end_session)
        .service(account::issue_token)
        .service(account::revoke_token)
        .service(account::save_email_choices)
        .service(account::save_timezone);
}

async fn back_to(path: &'static str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, path)).finish()
}

/// A form that carries nothing but the session's CSRF token (which the
/// guards check): a button that acts on what its address names.
#[derive(serde::Deserialize)]
pub struct Button {}

/// What every page's frame needs.
pub struct Layout {
    /// The page's title.
    pub title: String,
    /// The stylesheet's URL.
    pub css: String,
    /// The page script every page loads.
    pub app: String,
    /// htmx's URL.
    pub htmx: String,
    /// The icon's URL.
    pub favicon: String,
    /// The viewer, when signed in.
    pub viewer: Option<LayoutViewer>,
    /// Which navigation entry is this page.
    pub section: &'static str,
}

/// The signed-in part of the frame.
pub struct LayoutViewer {
    /// Their name.
    pub name: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Whether they coach anyone (the home page is then their team).
    pub coaches: bool,
    /// Whether they run the organisation (the admin pages).
    pub admin: bool,
}

impl Layout {
    /// The frame of a page for a signed-in viewer.
    pub fn new(title: impl Into<String>, section: &'static str, viewer: &Viewer) -> Self {
        Self {
            viewer: Some(LayoutViewer {
                name: viewer.me.name.clone(),
                csrf: viewer.csrf.clone(),
                coaches: viewer.coaches(),
                admin: viewer.me.role == filmroom_review::Role::Admin,
            }),
            ..Self::public(title, section)
        }
    }

    /// The frame of a page anyone may open (sign-in, set password).
    pub fn public(title: impl Into<String>, section: &'static str) -> Self {
        Self {
            title: title.into(),
            css: assets::url("app.css"),
            app: assets::url("app.js"),
            htmx: assets::url("htmx.min.js"),
            favicon: assets::url("favicon.svg"),
            viewer: None,
            section,
        }
    }
}

/// A rendered page.
pub fn page(html: String) -> HttpResponse {
    crate::html(HttpResponse::Ok(), html)
}

/// The answer to a form that changed something: htmx reloads the page it is
/// on, a plain form post goes back to `back`.
pub fn changed(req: &HttpRequest, back: &str) -> HttpResponse {
    if crate::session::is_htmx(req) {
        HttpResponse::Ok().insert_header(("HX-Refresh", "true")).finish()
    } else {
        HttpResponse::SeeOther().insert_header((header::LOCATION, back.to_owned())).finish()
    }
}

/// A local path to return to after signing in; anything else (another
/// site, a scheme-relative `//host`) becomes `/`.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_returned_to() {
        assert_eq!(local_path(Some("/calls/1?t=3")), "/calls/1?t=3");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/a\nb")), "/");
        assert_eq!(local_path(None), "/");
    }
}
