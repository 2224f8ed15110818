//! Health, readiness, metrics, request ids, logs, the CLI.
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

use filmroom_tests::{Team, TestApp, csrf_of, filmroom, page_request, session_set_cookie};
use reqwest::Method;

#[test]
fn healthz_and_readyz_answer_when_the_backends_are_up() {
    let app = TestApp::spawn();
    let health = TestApp::send(app.request(Method::GET, "/healthz", None));
    assert_eq!((health.status, health.json()["status"].as_str()), (200, Some("ok")));
    let ready = TestApp::send(app.request(Method::GET, "/readyz", None));
    assert_eq!(ready.status, 200, "{}", ready.text);
}

#[test]
fn readyz_is_503_naming_storage_when_the_object_store_is_unreachable() {
    let app = TestApp::spawn_with(&[
        ("FILMROOM_STORAGE", "s3://nowhere"),
        ("FILMROOM_S3_ENDPOINT", "http://127.0.0.1:9"),
        ("FILMROOM_S3_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    let ready = TestApp::send(app.request(Method::GET, "/readyz", None));
    let body = ready.problem(503, "not_ready");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains("storage"), "{detail}");
    assert!(!detail.contains("database"), "the database is fine: {detail}");
}

#[test]
fn metrics_count_requests_by_route_pattern_and_status() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    app.get(&format!("/v1/users/{}", team.rep_id), &team.admin);
    app.get(&format!("/v1/users/{}", uuid::Uuid::now_v7()), &team.admin);
    let metrics = TestApp::send(app.request(Method::GET, "/metrics", None));
    assert_eq!(metrics.status, 200);
    assert!(metrics.header("content-type").unwrap().starts_with("text/plain"));
    let line = |status: &str| {
        metrics.text.lines().any(|l| {
            l.starts_with("filmroom_http_requests_total{")
                && l.contains(r#"endpoint="/v1/users/{id}""#)
                && l.contains(&format!(r#"status="{status}""#))
        })
    };
    assert!(line("200") && line("404"), "{}", metrics.text);
    assert!(metrics.text.contains("filmroom_http_requests_duration_seconds_bucket"));
    assert!(!metrics.text.contains(&team.rep_id), "ids never become labels");
}

#[test]
fn every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept() {
    let app = TestApp::spawn();
    let reply = TestApp::send(app.request(Method::GET, "/healthz", None));
    assert!(uuid::Uuid::parse_str(reply.header("x-request-id").unwrap()).is_ok());
    let reply = TestApp::send(
        app.request(Method::GET, "/v1/me", None).header("x-request-id", "trace-abc.123"),
    );
    assert_eq!(reply.header("x-request-id"), Some("trace-abc.123"));
    assert_eq!(reply.json()["request_id"], "trace-abc.123");
    let reply = TestApp::send(
        app.request(Method::GET, "/healthz", None).header("x-request-id", "bad id with spaces"),
    );
    assert_ne!(reply.header("x-request-id"), Some("bad id with spaces"));
}

#[test]
fn json_logs_are_one_object_per_line_with_the_request_id() {
    let app = TestApp::spawn_with(&[("FILMROOM_LOG_FORMAT", "json")]);
    let reply = TestApp::send(
        app.request(Method::GET, "/healthz", None).header("x-request-id", "json-log-probe"),
    );
    assert_eq!(reply.status, 200);
    // The request line is written after the response is sent; wait for it.
    let mut found = None;
    for _ in 0..100 {
        found = app.log_lines().into_iter().find(|l| l.contains("json-log-probe"));
        if found.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let line = found.expect("a log line for the request");
    let entry: serde_json::Value = serde_json::from_str(&line).expect("log lines are JSON");
    assert_eq!(entry["span"]["request_id"], "json-log-probe", "{entry}");
    for line in app.log_lines() {
        assert!(serde_json::from_str::<serde_json::Value>(&line).is_ok(), "not JSON: {line}");
    }
}

#[test]
fn a_clients_mistake_is_logged_as_information_not_as_an_error() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let reply = app.post(
        "/v1/users",
        &team.admin,
        serde_json::json!({"email": "not an email", "name": "X", "role": "rep"}),
    );
    reply.problem(422, "invalid_field");
    let rubric = app.put_json("/v1/rubric", &team.admin, serde_json::json!({"criteria": []}));
    rubric.problem(422, "invalid_field");
    // The refusals are logged, at INFO, by the time the request line is.
    let mut lines = Vec::new();
    for _ in 0..100 {
        lines = app.log_lines();
        if lines.iter().filter(|l| l.contains("status=422")).count() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let refusals: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("not an email address") || l.contains("1 to 30"))
        .collect();
    assert!(!refusals.is_empty(), "the refusals are not logged at all:\n{}", lines.join("\n"));
    for line in refusals {
        assert!(!line.contains("ERROR"), "a 422 logged as an error: {line}");
    }
}

#[test]
fn the_cli_migrates_and_refuses_bad_bootstrap_input_with_a_message() {
    let app = TestApp::spawn();
    let migrate = filmroom(&app.env).arg("migrate").output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));
    assert!(String::from_utf8_lossy(&migrate.stderr).contains("0 migration(s) applied"));

    let bad = filmroom(&app.env)
        .args(["admin", "bootstrap", "--org", "Acme", "--email", "a@acme.example", "--name", "A"])
        .args(["--timezone", "Mars/Olympus"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(bad.stdout.is_empty(), "no token printed on failure");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("IANA time zone"));

    app.bootstrap("Acme", "a@acme.example");
    let twice = filmroom(&app.env)
        .args(["admin", "bootstrap", "--org", "Acme", "--email", "b@acme.example", "--name", "B"])
        .output()
        .unwrap();
    assert!(!twice.status.success());
    assert!(String::from_utf8_lossy(&twice.stderr).contains("exists already"));
}

#[test]
fn serve_says_where_it_listens_and_where_the_data_is_and_little_else() {
    // A fresh server on its default log filter, as the README starts it.
    let dir = tempfile::tempdir().unwrap();
    let backends = filmroom_tests::Backends::from_env();
    let env: Vec<(String, String)> =
        backends.env(dir.path()).into_iter().filter(|(k, _)| k != "RUST_LOG").collect();
    let mut child = filmroom(&env)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
        let line = line.unwrap();
        let listening = line.contains("listening on http://");
        lines.push(line);
        if listening || lines.len() > 20 {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let listening = lines.last().unwrap();
    assert!(listening.contains("filmroom listening on http://127.0.0.1:"), "{lines:#?}");
    assert!(listening.contains("database=") && listening.contains("storage="), "{listening}");
    // Before it, at most the line saying how many migrations were applied.
    assert!(lines.len() <= 2, "start-up says more than the README does: {lines:#?}");
    if lines.len() == 2 {
        assert!(lines[0].contains("database migrated"), "{lines:#?}");
    }
}

#[test]
fn help_documents_every_setting_with_its_environment_variable() {
    let help = filmroom(&[]).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for variable in [
        "FILMROOM_LISTEN",
        "DATABASE_URL",
        "FILMROOM_STORAGE",
        "FILMROOM_DATA_DIR",
        "FILMROOM_S3_ENDPOINT",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "FILMROOM_S3_ALLOW_HTTP",
        "FILMROOM_MAX_JSON_BYTES",
    ] {
        assert!(help.contains(variable), "serve --help does not mention {variable}:\n{help}");
    }
}

/// A figure from a `/metrics` text, 0 when absent.
fn figure(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}

/// How long the second process in the test below keeps an answer
/// (`--read-cache-ms`): the bound the README states for another process.
const PEER_CACHE_MS: u64 = 1500;

/// A browser session for `user`, started through a one-time link.
fn browser_session(app: &TestApp, admin: &str, user: &str) -> String {
    let link = app.post(&format!("/v1/users/{user}/invite"), admin, serde_json::json!(null)).json();
    let path = link["url"].as_str().unwrap().trim_start_matches(&app.base_url).to_owned();
    let password = "correct horse battery";
    let reply = TestApp::send(
        page_request(app, Method::POST, &path)
            .header("origin", &app.base_url)
            .form(&[("password", password), ("confirm", password)]),
    );
    assert_eq!(reply.status, 303, "{}", reply.text);
    session_set_cookie(&reply).unwrap().split(';').next().unwrap().to_owned()
}

/// Two API processes on one database, as a scaled-out deployment runs them.
/// Each keeps answers to the hot reads in memory. A revoked token, an ended
/// session, a deactivated person and a removed manager are refused on the very
/// next request to the process that made the change, and on the other process
/// once its answers have aged out (`--read-cache-ms`), never later.
#[test]
fn credentials_and_the_tree_follow_changes_at_once_here_and_within_the_bound_elsewhere() {
    let app = TestApp::spawn();
    let team = Team::create(&app, "Acme");
    let issued = app
        .post(
            &format!("/v1/users/{}/tokens", team.manager_id),
            &team.manager,
            serde_json::json!({"name": "laptop"}),
        )
        .json();
    let laptop = issued["secret"].as_str().unwrap().to_owned();
    let laptop_id = issued["token"]["id"].as_str().unwrap().to_owned();
    let leaver_id =
        app.create_user(&team.admin, "leaver@acme.example", "rep", Some(&team.manager_id));
    let leaver = app.issue_token(&team.admin, &leaver_id);
    let cookie = browser_session(&app, &team.admin, &team.rep_id);
    let call = app.create_call(&team.rep, &team.rep_id);
    let peer_age = PEER_CACHE_MS.to_string();
    let peer =
        app.spawn_peer(&[("FILMROOM_READ_CACHE_MS", &peer_age), ("FILMROOM_NO_WORKER", "true")]);
    let call_path = format!("/v1/calls/{call}");

    // What each process answers for each of the four, by status.
    type Ask<'a> = Box<dyn Fn(&str) -> u16 + 'a>;
    let asks: [(&str, Ask); 4] = [
        ("the revoked token", Box::new(|base| get_at(base, "/v1/me", Some(&laptop), None))),
        ("the ended session", Box::new(|base| get_at(base, "/v1/me", None, Some(&cookie)))),
        ("the deactivated person", Box::new(|base| get_at(base, "/v1/me", Some(&leaver), None))),
        (
            "the removed manager",
            Box::new(|base| get_at(base, &call_path, Some(&team.manager), None)),
        ),
    ];
    // Both processes answer each from memory before the changes (the second
    // read of each is a hit).
    for base in [&app.base_url, &peer.base_url] {
        let hits = figure(&metrics_at(base), "filmroom_read_cache_hits_total");
        for (what, ask) in &asks {
            for _ in 0..2 {
                assert_eq!(ask(base), 200, "{what} before the change, at {base}");
            }
        }
        let after = figure(&metrics_at(base), "filmroom_read_cache_hits_total");
        assert!(after >= hits + 4, "{base} answered none of the repeated reads from memory");
    }

    assert_eq!(app.delete(&format!("/v1/tokens/{laptop_id}"), &team.manager).status, 204);
    let csrf = csrf_of(
        &TestApp::send(page_request(&app, Method::GET, "/").header("cookie", &cookie)).text,
    );
    let out = TestApp::send(
        page_request(&app, Method::POST, "/logout")
            .header("cookie", &cookie)
            .header("origin", &app.base_url)
            .form(&[("csrf", csrf.as_str())]),
    );
    assert_eq!(out.status, 303);
    let path = format!("/v1/users/{leaver_id}");
    assert_eq!(app.patch(&path, &team.admin, serde_json::json!({"active": false})).status, 200);
    let path = format!("/v1/users/{}", team.rep_id);
    assert_eq!(app.patch(&path, &team.admin, serde_json::json!({"manager_id": null})).status, 200);
    let changed = std::time::Instant::now();

    // The process that made the changes refuses each at once.
    for (what, ask) in &asks {
        let status = ask(&app.base_url);
        assert!(matches!(status, 401 | 404), "{what} answered {status} right after the change");
    }
    // The other one within its bound.
    let bound = std::time::Duration::from_millis(PEER_CACHE_MS + 100);
    std::thread::sleep(bound.saturating_sub(changed.elapsed()));
    for (what, ask) in &asks {
        let status = ask(&peer.base_url);
        assert!(matches!(status, 401 | 404), "{what} answered {status} on the other process");
    }
    assert_eq!(get_at(&peer.base_url, "/v1/me", Some(&laptop), None), 401);
}

/// `GET path` on the process at `base`, with a token or a session cookie.
fn get_at(base: &str, path: &str, token: Option<&str>, cookie: Option<&str>) -> u16 {
    let mut request = reqwest::blocking::Client::new().get(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    TestApp::send(request).status
}

fn metrics_at(base: &str) -> String {
    TestApp::send(reqwest::blocking::Client::new().get(format!("{base}/metrics"))).text
}

#[test]
fn serve_on_every_address_without_a_public_url_refuses_email() {
    let dir = tempfile::tempdir().unwrap();
    let backends = filmroom_tests::Backends::from_env();
    let output = filmroom(&backends.env(dir.path()))
        .args(["serve", "--listen", "0.0.0.0:0", "--no-worker"])
        .args(["--smtp-url", "smtp://127.0.0.1:9?tls=none", "--smtp-from", "coach@acme.example"])
        .output()
        .unwrap();
    assert!(!output.status.success(), "serve started without a URL for its email links");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--public-url"), "{stderr}");
    assert!(stderr.contains("--public-url is not set"), "no warning at start: {stderr}");
}
