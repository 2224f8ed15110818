//! Every page route refuses whoever must not pass, before its handler runs.
//!
//! The routes are read from the page modules' own `#[get]`/`#[post]`
//! attributes, so a page added without a guard is tried here too: signed
//! out, every page but the public ones sends the browser to sign in; signed
//! in, every change without the session's CSRF token, or from another
//! origin, is refused; and the admin pages and the team board refuse the
//! roles they are not for.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    missing_docs
)]

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Stdio,
};

use filmroom_tests::{Reply, Team, TestApp, csrf_of, filmroom, page_request, session_set_cookie};
use reqwest::{Method, blocking::RequestBuilder};

/// Routes anyone may reach: signing in, setting a password from a link,
/// unsubscribing from an email's link.
const PUBLIC: &[&str] = &["/login", "/welcome/{secret}", "/unsubscribe/{secret}"];

/// `(method, path)` of every page route, from the page modules' attributes.
fn page_routes() -> Vec<(Method, String)> {
    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/web/src/pages"), &mut files);
    let mut routes = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(file).unwrap();
        for line in source.lines().map(str::trim) {
            for (attribute, method) in [("#[get(\"", Method::GET), ("#[post(\"", Method::POST)] {
                if let Some(rest) = line.strip_prefix(attribute) {
                    routes.push((method.clone(), rest.split('"').next().unwrap().to_owned()));
                }
            }
        }
    }
    routes.sort_by(|a, b| (a.1.as_str(), a.0.as_str()).cmp(&(b.1.as_str(), b.0.as_str())));
    assert!(routes.len() >= 50, "found only {} page routes", routes.len());
    routes
}

/// The path with every `{param}` filled with a fresh id.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(
            |part| {
                if part.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    part.to_owned()
                }
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

fn request(app: &TestApp, method: &Method, path: &str) -> RequestBuilder {
    page_request(app, method.clone(), path)
}

/// Signs `email` in with a password set by the operator; the session cookie
/// and the page's CSRF token.
fn session(app: &TestApp, email: &str) -> (String, String) {
    let mut set = filmroom(&app.env)
        .args(["admin", "set-password", "--email", email])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    set.stdin.take().unwrap().write_all(b"correct horse battery\n").unwrap();
    assert!(set.wait().unwrap().success(), "setting {email}'s password");
    let signed_in = TestApp::send(
        request(app, &Method::POST, "/login")
            .header("origin", &app.base_url)
            .form(&[("email", email), ("password", "correct horse battery")]),
    );
    assert_eq!(signed_in.status, 303, "{}", signed_in.text);
    let cookie = session_set_cookie(&signed_in).unwrap().split(';').next().unwrap().to_owned();
    let account = TestApp::send(request(app, &Method::GET, "/account").header("cookie", &cookie));
    (cookie, csrf_of(&account.text))
}

#[track_caller]
fn assert_refused(reply: &Reply, status: u16, code: &str, what: &str) {
    assert_eq!(reply.status, status, "{what}: {}", reply.text);
    assert!(reply.text.contains(code), "{what} was not refused as {code}: {}", reply.text);
}

#[test]
fn every_page_route_refuses_whoever_must_not_pass() {
    let app = TestApp::spawn();
    Team::create(&app, "Guards");
    let routes = page_routes();
    let (rep_cookie, rep_csrf) = session(&app, "rep@guards.example");
    let (manager_cookie, manager_csrf) = session(&app, "manager@guards.example");

    for (method, template) in &routes {
        if PUBLIC.contains(&template.as_str()) {
            continue;
        }
        let path = concrete(template);
        let what = format!("{method} {template}");

        // Signed out: every page and every change sends the browser to sign in.
        let signed_out = TestApp::send(
            request(&app, method, &path)
                .header("origin", &app.base_url)
                .form(&[("csrf", "anything")]),
        );
        assert_eq!(signed_out.status, 303, "{what} signed out: {}", signed_out.text);
        assert!(
            signed_out.header("location").is_some_and(|l| l.starts_with("/login?next=")),
            "{what} signed out went to {:?}",
            signed_out.header("location")
        );

        if *method == Method::POST {
            // Signed in, a change needs the page's token and this origin.
            let no_token = TestApp::send(
                request(&app, method, &path)
                    .header("cookie", &rep_cookie)
                    .header("origin", &app.base_url)
                    .form(&[("note", "x")]),
            );
            assert_refused(&no_token, 403, "csrf_rejected", &format!("{what} without a token"));
            let elsewhere = TestApp::send(
                request(&app, method, &path)
                    .header("cookie", &rep_cookie)
                    .header("origin", "https://evil.example")
                    .form(&[("csrf", rep_csrf.as_str())]),
            );
            assert_refused(&elsewhere, 403, "csrf_rejected", &format!("{what} from elsewhere"));
            let htmx = TestApp::send(
                request(&app, method, &path)
                    .header("cookie", &rep_cookie)
                    .header("origin", &app.base_url)
                    .header("HX-Request", "true")
                    .form(&[("note", "x")]),
            );
            assert_eq!(htmx.status, 403, "{what} from htmx without a token");
            assert_eq!(htmx.header("x-filmroom-code"), Some("csrf_rejected"), "{what}");
        }

        // The admin pages are for admins, the team board for those who coach.
        let for_admins = template.starts_with("/admin");
        let for_coaches = template == "/team";
        for (role, cookie, csrf, refused) in [
            ("rep", &rep_cookie, &rep_csrf, for_admins || for_coaches),
            ("manager", &manager_cookie, &manager_csrf, for_admins),
        ] {
            if !refused {
                continue;
            }
            let reply = TestApp::send(
                request(&app, method, &path)
                    .header("cookie", cookie)
                    .header("origin", &app.base_url)
                    .form(&[("csrf", csrf.as_str())]),
            );
            assert_refused(&reply, 403, "forbidden", &format!("{what} as a {role}"));
        }
    }
}

#[test]
fn the_routes_are_read_from_the_page_modules() {
    let routes = page_routes();
    assert!(routes.contains(&(Method::GET, "/admin".to_owned())));
    assert!(routes.contains(&(Method::POST, "/calls/{id}/comments".to_owned())));
    assert_eq!(concrete("/calls/{id}/comments").split('/').count(), 4);
}
