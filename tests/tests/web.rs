//! The web app over HTTP: sign-in required, one-time links, sessions that
//! end, CSRF refused, failed sign-ins limited, security headers.
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

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use filmroom_tests::{
    Reply, Team, TestApp, csrf_of, filmroom, page_request, page_request_to, session_set_cookie,
};
use reqwest::{Method, blocking::RequestBuilder};
use serde_json::json;

fn page(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    page_request(app, method, path)
}

fn session_cookie(reply: &Reply) -> String {
    let cookie = session_set_cookie(reply)
        .unwrap_or_else(|| panic!("no session cookie in {:?}", reply.headers));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "cookie lacks {attribute}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "a plain-http server set a Secure cookie: {cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

/// Makes a link for `user` and returns its path (`/welcome/…`).
fn invite(app: &TestApp, admin: &str, user: &str) -> (String, String) {
    let reply = app.post(&format!("/v1/users/{user}/invite"), admin, json!(null));
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let url = body["url"].as_str().unwrap();
    assert!(url.starts_with(&app.base_url), "{url} is not on {}", app.base_url);
    (url.trim_start_matches(&app.base_url).to_owned(), body["purpose"].as_str().unwrap().to_owned())
}

/// Sets `password` through a fresh link for `user` and returns the session cookie.
fn set_password(app: &TestApp, admin: &str, user: &str, password: &str) -> String {
    let (path, _) = invite(app, admin, user);
    let reply = TestApp::send(
        page(app, Method::POST, &path)
            .header("origin", &app.base_url)
            .form(&[("password", password), ("confirm", password)]),
    );
    assert_eq!(reply.status, 303, "{}", reply.text);
    assert_eq!(reply.header("location"), Some("/"));
    session_cookie(&reply)
}

fn sign_in(app: &TestApp, email: &str, password: &str) -> Reply {
    TestApp::send(page(app, Method::POST, "/login").header("origin", &app.base_url).form(&[
        ("email", email),
        ("password", password),
        ("next", "/search?q=x"),
    ]))
}

fn home(app: &TestApp, cookie: &str) -> Reply {
    TestApp::send(page(app, Method::GET, "/").header("cookie", cookie))
}

#[test]
fn pages_ask_for_sign_in_and_return_to_where_the_person_was() {
    let app = TestApp::spawn();
    let reply = TestApp::send(page(&app, Method::GET, "/"));
    assert_eq!(reply.status, 303);
    assert_eq!(reply.header("location"), Some("/login?next=%2F"));
    let reply =
        TestApp::send(page(&app, Method::GET, "/calls/0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e?t=83"));
    assert_eq!(
        reply.header("location"),
        Some("/login?next=%2Fcalls%2F0193f4c2-9c1e-7d4a-b1a0-2f7c4f0c1d2e%3Ft%3D83")
    );
    // htmx cannot follow a redirect into a page: it is told where to go.
    let reply = TestApp::send(page(&app, Method::GET, "/my-calls").header("HX-Request", "true"));
    assert_eq!(reply.status, 401);
    assert!(reply.header("hx-redirect").is_some_and(|l| l.starts_with("/login?next=")));

    let login = TestApp::send(page(&app, Method::GET, "/login?next=%2Fsearch"));
    assert_eq!(login.status, 200);
    assert!(login.text.contains(r#"name="next" value="/search""#), "{}", login.text);
    // Only local paths are returned to.
    let login = TestApp::send(page(&app, Method::GET, "/login?next=%2F%2Fevil.example%2F"));
    assert!(login.text.contains(r#"name="next" value="/""#));

    let team = Team::create(&app, "Acme");
    set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let reply = sign_in(&app, "rep@acme.example", "correct horse battery");
    assert_eq!(reply.status, 303, "{}", reply.text);
    assert_eq!(reply.header("location"), Some("/search?q=x"));
    let cookie = session_cookie(&reply);
    let reply = home(&app, &cookie);
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains("My week"), "{}", reply.text);
}

#[test]
fn a_link_sets_a_password_once_and_a_newer_link_retires_it() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let (first, purpose) = invite(&app, &team.admin, &team.rep_id);
    assert_eq!(purpose, "invite");
    let (second, _) = invite(&app, &team.admin, &team.rep_id);
    let retired = TestApp::send(page(&app, Method::GET, &first));
    assert_eq!(retired.status, 410, "an older link still works: {}", retired.text);
    assert!(retired.text.contains("used already or has expired"));

    let shown = TestApp::send(page(&app, Method::GET, &second));
    assert_eq!(shown.status, 200);
    assert!(shown.text.contains("rep@acme.example"), "{}", shown.text);
    let post = |password: &str, confirm: &str| {
        TestApp::send(
            page(&app, Method::POST, &second)
                .header("origin", &app.base_url)
                .form(&[("password", password), ("confirm", confirm)]),
        )
    };
    let mismatch = post("correct horse battery", "correct horse batterY");
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.text.contains("not the same"));
    let short = post("short", "short");
    assert_eq!(short.status, 422);
    assert!(short.text.contains("at least 10 characters"), "{}", short.text);
    let set = post("correct horse battery", "correct horse battery");
    assert_eq!(set.status, 303, "{}", set.text);
    session_cookie(&set);
    let again = post("another password here", "another password here");
    assert_eq!(again.status, 410, "a link worked twice: {}", again.text);
    assert_eq!(sign_in(&app, "rep@acme.example", "another password here").status, 401);
    assert_eq!(sign_in(&app, "rep@acme.example", "correct horse battery").status, 303);

    // Someone with a password gets a reset link; it is refused to non-admins.
    let (_, purpose) = invite(&app, &team.admin, &team.rep_id);
    assert_eq!(purpose, "reset");
    app.post(&format!("/v1/users/{}/invite", team.rep_id), &team.manager, json!(null))
        .problem(403, "forbidden");
}

#[test]
fn changes_made_with_the_cookie_need_the_pages_token_and_origin() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let csrf = csrf_of(&home(&app, &cookie).text);
    let call = app.create_call(&team.rep, &team.rep_id);
    let form = |token: &str| {
        vec![
            ("csrf", token.to_owned()),
            ("call_id", call.clone()),
            ("week", "2026-W49".to_owned()),
            ("slot", "went_well".to_owned()),
            ("state", "self_reviewed".to_owned()),
        ]
    };

    let forged = TestApp::send(
        page(&app, Method::POST, "/reviews/move")
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&form("not-the-token")),
    );
    assert_eq!(forged.status, 403, "{}", forged.text);
    assert_eq!(forged.header("x-filmroom-code"), Some("csrf_rejected"));
    assert!(forged.text.contains("reload the page"), "{}", forged.text);
    let elsewhere = TestApp::send(
        page(&app, Method::POST, "/reviews/move")
            .header("cookie", &cookie)
            .header("origin", "https://evil.example")
            .form(&form(&csrf)),
    );
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.text);
    let no_origin = TestApp::send(
        page(&app, Method::POST, "/reviews/move").header("cookie", &cookie).form(&form(&csrf)),
    );
    assert_eq!(no_origin.status, 403);
    assert!(no_origin.text.contains("session cookie"), "{}", no_origin.text);

    // The API takes the cookie too: reads freely, changes only with the token.
    let reads = TestApp::send(page(&app, Method::GET, "/v1/me").header("cookie", &cookie));
    assert_eq!(reads.status, 200, "{}", reads.text);
    let create = |token: Option<&str>, origin: &str| {
        let mut request = page(&app, Method::POST, "/v1/calls")
            .header("cookie", &cookie)
            .header("origin", origin)
            .json(&json!({"rep_id": team.rep_id, "title": "From the page"}));
        if let Some(token) = token {
            request = request.header("x-csrf-token", token);
        }
        TestApp::send(request)
    };
    create(None, &app.base_url).problem(403, "csrf_rejected");
    create(Some(&csrf), "https://evil.example").problem(403, "csrf_rejected");
    assert_eq!(create(Some(&csrf), &app.base_url).status, 201);

    // Signing in from another site is refused too.
    let reply = TestApp::send(
        page(&app, Method::POST, "/login")
            .header("origin", "https://evil.example")
            .form(&[("email", "rep@acme.example"), ("password", "correct horse battery")]),
    );
    assert_eq!(reply.status, 403);
    // A form sent with no cookie (curl, a script) and no Origin is told what
    // is missing without being told about a cookie it never sent.
    let bare = TestApp::send(
        page(&app, Method::POST, "/login")
            .form(&[("email", "rep@acme.example"), ("password", "correct horse battery")]),
    );
    assert_eq!(bare.status, 403, "{}", bare.text);
    assert!(bare.text.contains("which page it comes from"), "{}", bare.text);
    assert!(!bare.text.contains("cookie"), "no cookie was sent: {}", bare.text);
}

#[test]
fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let other = session_cookie(&sign_in(&app, "rep@acme.example", "correct horse battery"));
    let csrf = csrf_of(&home(&app, &cookie).text);
    let out = TestApp::send(
        page(&app, Method::POST, "/logout")
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&[("csrf", csrf.as_str())]),
    );
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/login"));
    assert!(out.header("set-cookie").is_some_and(|c| c.starts_with("filmroom_session=;")));
    // The old cookie, replayed, is dead on pages and on the API.
    assert_eq!(home(&app, &cookie).status, 303);
    TestApp::send(page(&app, Method::GET, "/v1/me").header("cookie", &cookie))
        .problem(401, "session_expired");
    // Another browser's session is untouched.
    assert_eq!(home(&app, &other).status, 200);
}

#[test]
fn an_idle_session_expires() {
    let app = TestApp::spawn_with(&[("FILMROOM_SESSION_IDLE_SECS", "2")]);
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    assert_eq!(home(&app, &cookie).status, 200);
    std::thread::sleep(Duration::from_millis(3500));
    let reply = home(&app, &cookie);
    assert_eq!(reply.status, 303, "an idle session still works");
    assert_eq!(reply.header("location"), Some("/login?next=%2F"));
    TestApp::send(page(&app, Method::GET, "/v1/me").header("cookie", &cookie))
        .problem(401, "session_expired");
}

#[test]
fn failed_sign_ins_are_limited_and_do_not_say_whether_the_email_exists() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let unknown = sign_in(&app, "nobody@acme.example", "correct horse battery");
    assert_eq!(unknown.status, 401);
    for attempt in 1..=5 {
        let wrong = sign_in(&app, "rep@acme.example", "wrong password!");
        assert_eq!(wrong.status, 401, "attempt {attempt}");
        assert!(wrong.text.contains("do not match an account"));
        assert_eq!(
            wrong.text.replace("rep@acme.example", "EMAIL"),
            unknown.text.replace("nobody@acme.example", "EMAIL"),
            "a wrong password reads differently from an unknown email"
        );
    }
    let limited = sign_in(&app, "rep@acme.example", "correct horse battery");
    assert_eq!(limited.status, 429, "the right password after 5 failures: {}", limited.text);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "Retry-After {wait}");
    assert!(limited.text.contains("Too many failed sign-ins"), "{}", limited.text);
    // Another account from the same client is still allowed.
    let manager = set_password(&app, &team.admin, &team.manager_id, "manager password 1");
    assert!(!manager.is_empty());
    assert_eq!(sign_in(&app, "manager@acme.example", "manager password 1").status, 303);
}

/// Two API processes on one database limit failed sign-ins as one does:
/// guesses spread over both still stop at five, and the second process
/// refuses the sixth even with the right password.
#[test]
fn failed_sign_ins_are_limited_across_processes() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let peer = app.spawn_peer(&[("FILMROOM_NO_WORKER", "true")]);
    let sign_in_at = |base: &str, password: &str| {
        TestApp::send(page_request_to(base, Method::POST, "/login").header("origin", base).form(&[
            ("email", "rep@acme.example"),
            ("password", password),
            ("next", "/"),
        ]))
    };
    for attempt in 1..=5 {
        let base = if attempt % 2 == 0 { &app.base_url } else { &peer.base_url };
        let wrong = sign_in_at(base, "wrong password!");
        assert_eq!(wrong.status, 401, "attempt {attempt}: {}", wrong.text);
    }
    for base in [&peer.base_url, &app.base_url] {
        let limited = sign_in_at(base, "correct horse battery");
        assert_eq!(limited.status, 429, "the sixth, on {base}: {}", limited.text);
        let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=900).contains(&wait), "Retry-After {wait}");
    }
    // The counts live in the database, which keeps only hashes of the keys.
    assert_eq!(app.count("SELECT COUNT(*) FROM sign_in_limits"), 2, "the account and the address");
    let clear = app.count("SELECT COUNT(*) FROM sign_in_limits WHERE key_hash LIKE '%@%'");
    assert_eq!(clear, 0, "an email was stored in clear");
}

#[test]
fn pages_carry_the_security_headers_and_assets_are_cached_by_content() {
    let app = TestApp::spawn();
    let login = TestApp::send(page(&app, Method::GET, "/login"));
    let csp = login.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(!csp.contains("'unsafe-eval'"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(login.header("referrer-policy"), Some("same-origin"));
    assert_eq!(login.header("x-content-type-options"), Some("nosniff"));
    assert!(!login.text.contains("<script>"), "an inline script on the sign-in page");
    let css = login.text.split("href=\"/assets/app.").nth(1).unwrap().split('"').next().unwrap();
    let asset = TestApp::send(page(&app, Method::GET, &format!("/assets/app.{css}")));
    assert_eq!(asset.status, 200);
    assert_eq!(asset.header("cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(TestApp::send(page(&app, Method::GET, "/assets/app.0000.css")).status, 404);
}

#[test]
fn operators_print_links_and_set_passwords_from_the_command_line() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let output = filmroom(&app.env)
        .args(["admin", "invite", "--email", "rep@acme.example", "--public-url", &app.base_url])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let link = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let path = link.strip_prefix(&app.base_url).expect("a link on the public URL").to_owned();
    assert_eq!(TestApp::send(page(&app, Method::GET, &path)).status, 200);

    let mut child = filmroom(&app.env)
        .args(["admin", "set-password", "--email", "manager@acme.example"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"operator chosen 42\n").unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(sign_in(&app, "manager@acme.example", "operator chosen 42").status, 303);
    let unknown = filmroom(&app.env)
        .args(["admin", "invite", "--email", "ghost@acme.example"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(!team.admin.is_empty());
}

#[test]
fn deactivating_a_person_ends_their_sessions_and_links() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let (link, _) = invite(&app, &team.admin, &team.rep_id);
    let off =
        app.patch(&format!("/v1/users/{}", team.rep_id), &team.admin, json!({"active": false}));
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(home(&app, &cookie).status, 303);
    assert_eq!(sign_in(&app, "rep@acme.example", "correct horse battery").status, 401);
    let on = app.patch(&format!("/v1/users/{}", team.rep_id), &team.admin, json!({"active": true}));
    assert_eq!(on.status, 200, "{}", on.text);
    // Reactivation brings back neither the old session nor the old link.
    assert_eq!(home(&app, &cookie).status, 303, "a session outlived deactivation");
    assert_eq!(TestApp::send(page(&app, Method::GET, &link)).status, 410);
    assert_eq!(sign_in(&app, "rep@acme.example", "correct horse battery").status, 303);
}

#[test]
fn a_page_refreshing_itself_does_not_keep_a_session_alive() {
    let app = TestApp::spawn_with(&[("FILMROOM_SESSION_IDLE_SECS", "3")]);
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(1000));
        let poll = TestApp::send(
            page(&app, Method::GET, "/my-calls")
                .header("cookie", &cookie)
                .header("HX-Request", "true")
                .header("X-Filmroom-Poll", "1"),
        );
        assert!(matches!(poll.status, 200 | 401), "{}", poll.status);
    }
    assert_eq!(home(&app, &cookie).status, 303, "background refreshes kept an idle session alive");
}

#[test]
fn a_skip_level_manager_sees_each_managers_reps_and_follow_through() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    // The admin becomes a director: the team's manager reports to them.
    let director = app.create_user(&team.admin, "dee@acme.example", "manager", None);
    let moved = app.patch(
        &format!("/v1/users/{}", team.manager_id),
        &team.admin,
        json!({"manager_id": director}),
    );
    assert_eq!(moved.status, 200, "{}", moved.text);
    let this_week = TestApp::send(
        page(&app, Method::GET, "/team")
            .header("cookie", set_password(&app, &team.admin, &director, "director password 1")),
    );
    assert_eq!(this_week.status, 200, "{}", this_week.text);
    // The rep is listed under the manager they report to, with that manager's follow-through.
    assert!(this_week.text.contains("s reps</h2>"), "{}", this_week.text);
    assert!(this_week.text.contains("\">rep</a>"), "{}", this_week.text);
    assert!(
        this_week
            .text
            .contains("manager: nothing shared with them yet this week; no 1:1 commitments due"),
        "{}",
        this_week.text
    );
    assert!(!this_week.text.contains("Your reps"), "the director has no direct reps");

    // A rep is sent to their own week.
    let rep_cookie = set_password(&app, &team.admin, &team.rep_id, "rep password 12");
    let refused = TestApp::send(page(&app, Method::GET, "/team").header("cookie", &rep_cookie));
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("your week is on the home page"), "{}", refused.text);
    // A week that is not a week is refused in words.
    let director_cookie = set_password(&app, &team.admin, &director, "director password 2");
    let bad = TestApp::send(
        page(&app, Method::GET, "/team?week=2026-W99").header("cookie", &director_cookie),
    );
    assert_eq!(bad.status, 422, "{}", bad.text);
}

#[test]
fn a_browser_at_an_address_that_is_no_page_gets_words_and_a_way_home() {
    let app = TestApp::spawn();
    let html = TestApp::send(
        page(&app, Method::GET, "/no/such/page")
            .header("accept", "text/html,application/xhtml+xml"),
    );
    assert_eq!(html.status, 404);
    assert!(html.header("content-type").unwrap().starts_with("text/html"));
    assert!(html.text.contains("There is no page at this address"), "{}", html.text);
    assert!(html.text.contains("href=\"/\""));
    // Programs, and anything under /v1, still get the API's problem.
    TestApp::send(page(&app, Method::GET, "/no/such/page")).problem(404, "route_not_found");
    TestApp::send(page(&app, Method::GET, "/v1/nothing").header("accept", "text/html"))
        .problem(404, "route_not_found");
    // A page address with a malformed id is no page either.
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    for path in ["/calls/not-a-uuid", "/one-on-ones/42", "/reps/nobody"] {
        let html = TestApp::send(
            page(&app, Method::GET, path).header("cookie", &cookie).header("accept", "text/html"),
        );
        assert_eq!(html.status, 404, "{path}: {}", html.text);
        assert!(html.text.contains("There is no page at this address"), "{path}: {}", html.text);
    }
    TestApp::send(page(&app, Method::GET, "/v1/calls/not-a-uuid").header("cookie", &cookie))
        .problem(400, "invalid_path");
}

#[test]
fn links_and_the_origin_check_believe_no_request_header_unless_told() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    // A sign-in link made through a request naming another host still
    // points at this server.
    let made = TestApp::send(
        app.request(Method::POST, &format!("/v1/users/{}/invite", team.rep_id), Some(&team.admin))
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example"),
    );
    assert_eq!(made.status, 201, "{}", made.text);
    let url = made.json()["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.base_url), "a link built from a request header: {url}");
    assert!(!url.contains("evil"), "{url}");

    // A change made with the cookie from another origin is refused even when
    // a forwarded header claims that origin is this server's.
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let csrf = csrf_of(&home(&app, &cookie).text);
    let forwarded = |app: &TestApp| {
        TestApp::send(
            page(app, Method::POST, "/logout")
                .header("cookie", &cookie)
                .header("origin", "https://evil.example")
                .header("x-forwarded-host", "evil.example")
                .header("x-forwarded-proto", "https")
                .form(&[("csrf", csrf.as_str())]),
        )
    };
    let refused = forwarded(&app);
    assert_eq!(refused.status, 403, "{}", refused.text);
    assert_eq!(refused.header("x-filmroom-code"), Some("csrf_rejected"));
}

#[test]
fn a_trusted_proxy_names_the_origin() {
    let app = TestApp::spawn_with(&[("FILMROOM_TRUST_PROXY", "true")]);
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let csrf = csrf_of(&home(&app, &cookie).text);
    let out = TestApp::send(
        page(&app, Method::POST, "/logout")
            .header("cookie", &cookie)
            .header("origin", "https://filmroom.example.com")
            .header("x-forwarded-host", "filmroom.example.com")
            .header("x-forwarded-proto", "https")
            .form(&[("csrf", csrf.as_str())]),
    );
    assert_eq!(out.status, 303, "{}", out.text);
}

#[test]
fn a_token_made_with_the_cookie_needs_the_password_and_a_password_change_can_revoke_them() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    let csrf = csrf_of(&home(&app, &cookie).text);
    let make = |body: serde_json::Value| {
        TestApp::send(
            page(&app, Method::POST, &format!("/v1/users/{}/tokens", team.rep_id))
                .header("cookie", &cookie)
                .header("origin", &app.base_url)
                .header("x-csrf-token", &csrf)
                .json(&body),
        )
    };
    // Without the password, or with a wrong one, no token is made.
    let bare = make(json!({"name": "script"})).problem(422, "invalid_field");
    assert_eq!(bare["field"], "password", "{bare}");
    let wrong = make(json!({"name": "script", "password": "not it at all"}));
    assert_eq!(wrong.problem(422, "invalid_field")["field"], "password");
    let made = make(json!({"name": "script", "password": "correct horse battery"}));
    assert_eq!(made.status, 201, "{}", made.text);
    let secret = made.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/me", &secret).status, 200);
    // A bearer token makes tokens as before, without a password.
    assert_eq!(
        app.post(&format!("/v1/users/{}/tokens", team.rep_id), &team.rep, json!({"name": "ci"}))
            .status,
        201
    );

    // Changing the password with the box ticked (as it is by default)
    // revokes every personal token; the new password signs in.
    let changed = TestApp::send(
        page(&app, Method::POST, "/account/password")
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("current_password", "correct horse battery"),
                ("new_password", "staple battery horse"),
                ("confirm", "staple battery horse"),
                ("revoke_tokens", "on"),
            ]),
    );
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert!(changed.text.contains("API tokens are revoked"), "{}", changed.text);
    app.get("/v1/me", &secret).problem(401, "token_revoked");
    app.get("/v1/me", &team.rep).problem(401, "token_revoked");
    // Unticked, the tokens stay.
    let kept = app.issue_token(&team.admin, &team.rep_id);
    let unticked = TestApp::send(
        page(&app, Method::POST, "/account/password")
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&[
                ("csrf", csrf.as_str()),
                ("current_password", "staple battery horse"),
                ("new_password", "correct horse battery"),
                ("confirm", "correct horse battery"),
            ]),
    );
    assert_eq!(unticked.status, 200, "{}", unticked.text);
    assert_eq!(app.get("/v1/me", &kept).status, 200);
}

#[test]
fn a_session_in_use_still_ends_at_its_absolute_lifetime() {
    let app = TestApp::spawn_with(&[
        ("FILMROOM_SESSION_LIFETIME_SECS", "3"),
        ("FILMROOM_SESSION_IDLE_SECS", "600"),
    ]);
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    // Used every half second, the session is never idle.
    for _ in 0..4 {
        assert_eq!(home(&app, &cookie).status, 200);
        std::thread::sleep(Duration::from_millis(500));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let reply = home(&app, &cookie);
    assert_eq!(reply.status, 303, "a session past its lifetime still works");
    TestApp::send(page(&app, Method::GET, "/v1/me").header("cookie", &cookie))
        .problem(401, "session_expired");
}

#[test]
fn thirty_failed_sign_ins_from_one_address_stop_it_for_every_email() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    // Each email fails fewer than five times, so only the address's limit counts.
    for attempt in 0..30 {
        let email = format!("guess{}@acme.example", attempt / 3);
        let wrong = sign_in(&app, &email, "not the password");
        assert_eq!(wrong.status, 401, "attempt {attempt}: {}", wrong.text);
    }
    let limited = sign_in(&app, "rep@acme.example", "correct horse battery");
    assert_eq!(limited.status, 429, "the 31st sign-in from one address: {}", limited.text);
    assert!(limited.header("retry-after").is_some());
}

/// Tries at an account already locked are refused without using up the
/// address's own limit: the person can still sign in to another account.
#[test]
fn guesses_at_a_locked_account_do_not_use_up_the_address() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    set_password(&app, &team.admin, &team.rep_id, "correct horse battery");
    set_password(&app, &team.admin, &team.manager_id, "manager password 1");
    for attempt in 0..40 {
        let reply = sign_in(&app, "rep@acme.example", "not the password");
        let expected = if attempt < 5 { 401 } else { 429 };
        assert_eq!(reply.status, expected, "attempt {attempt}: {}", reply.text);
    }
    let other = sign_in(&app, "manager@acme.example", "manager password 1");
    assert_eq!(other.status, 303, "the address was used up by refused tries: {}", other.text);
}

/// An organisation of more than a thousand people: the People page shows
/// them a hundred at a time in tree order, and finds anyone by name or email.
#[test]
fn the_people_page_pages_and_finds_everyone_beyond_a_thousand() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let cookie = set_password(&app, &team.admin, &team.admin_id, "admin password 12");
    let mut last = String::new();
    for n in 1..=1001 {
        let email = format!("person-{n:04}@acme.example");
        let reply = app.post(
            "/v1/users",
            &team.admin,
            json!({"email": email, "name": format!("Person {n:04}"), "role": "rep", "manager_id": team.manager_id}),
        );
        assert_eq!(reply.status, 201, "creating {email}: {}", reply.text);
        last = reply.json()["id"].as_str().unwrap().to_owned();
    }
    let people = |query: &str| {
        let reply = TestApp::send(
            page(&app, Method::GET, &format!("/admin{query}")).header("cookie", &cookie),
        );
        assert_eq!(reply.status, 200, "{query}: {}", reply.text);
        let rows = reply.text.matches("<li class=\"person ").count();
        (reply.text, rows)
    };
    // 1,004 people: the admin, the manager with their 1,002 reps, in pages of 100.
    let (first, rows) = people("");
    assert_eq!(rows, 100);
    assert!(first.contains("1–100 of 1,004 people"), "{first}");
    assert!(first.contains("href=\"/admin?page=2\" rel=\"next\">Next 100 →"), "{first}");
    assert!(!first.contains("rel=\"prev\""));
    let (last_page, rows) = people("?page=11");
    assert_eq!(rows, 4, "the last page holds the rest");
    assert!(last_page.contains("1,001–1,004 of 1,004 people"), "{last_page}");
    assert!(last_page.contains("person-1001@acme.example"), "the 1,001st rep is on the last page");
    assert!(last_page.contains("href=\"/admin?page=10\" rel=\"prev\""));
    assert!(!last_page.contains("rel=\"next\""));
    assert!(people("?page=10").0.contains("rel=\"next\">Next 4 →"), "the next page holds four");
    // A page of a hundred carries no hundred lists of managers: a row's
    // forms come when it is opened (as a fragment for htmx, else a page).
    assert_eq!(last_page.matches("<select").count(), 2, "only the add form's two selects");
    let forms = |htmx: bool| {
        let mut request = page(&app, Method::GET, &format!("/admin/people/{last}/change?page=11"))
            .header("cookie", &cookie);
        if htmx {
            request = request.header("hx-request", "true");
        }
        let reply = TestApp::send(request);
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.text
    };
    let fragment = forms(true);
    assert!(!fragment.contains("<html"), "{fragment}");
    assert!(fragment.contains(&format!("id=\"manager-{last}\"")), "{fragment}");
    assert!(fragment.contains(&format!("action=\"/admin/people/{last}?page=11\"")), "{fragment}");
    let whole = forms(false);
    assert!(whole.contains("<h1>Change Person 1001</h1>"), "{whole}");
    assert!(whole.contains("href=\"/admin?page=11\">Back to People"), "{whole}");
    let unknown = TestApp::send(
        page(&app, Method::GET, &format!("/admin/people/{}/change", team.rep_id.replace('0', "1")))
            .header("cookie", &cookie),
    );
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    // A change made on a later page comes back to that page.
    let changed = TestApp::send(
        page(&app, Method::POST, &format!("/admin/people/{last}?page=11"))
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&[("csrf", csrf_of(&last_page).as_str()), ("role", "manager")]),
    );
    assert_eq!(changed.status, 303, "{}", changed.text);
    assert_eq!(changed.header("location"), Some("/admin?page=11"));
    // A page past the end shows the last one.
    assert_eq!(people("?page=500").1, 4);
    // Found by part of the email or the name, in any case.
    let (found, rows) = people("?q=PERSON-1001");
    assert_eq!(rows, 1, "{found}");
    assert!(found.contains("1 of 1,004 match “PERSON-1001”."), "{found}");
    let (found, rows) = people("?q=person+000");
    assert_eq!(rows, 9, "Person 0001 to 0009: {found}");
    let (none, rows) = people("?q=%3Cscript%3E");
    assert_eq!(rows, 0);
    assert!(none.contains("Nobody’s name or email contains “&#60;script&#62;”."), "{none}");
    let (paged, _) = people("?q=person&page=2");
    assert!(paged.contains("href=\"/admin?page=1&#38;q=person\" rel=\"prev\""), "{paged}");
}
