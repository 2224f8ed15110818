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

use filmroom_tests::{Team, TestApp, filmroom};
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

/// Polls `check` every 20 ms until it holds, failing after `what` took 30 s.
#[track_caller]
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "{what} did not happen within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Two API processes on one database, as a scaled-out deployment runs them.
/// Each answers repeated reads from memory, yet what one process changes the
/// other serves as soon as the database tells it (change notices on
/// PostgreSQL, `data_version` on SQLite). The second process may keep answers
/// for ten minutes here, so only those notices can make this test pass.
#[test]
fn reads_served_from_memory_follow_changes_made_by_another_process() {
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
    let call = app.create_call(&team.rep, &team.rep_id);
    // No worker in the second process: only notices may tell it of changes.
    let peer =
        app.spawn_peer(&[("FILMROOM_READ_CACHE_MS", "600000"), ("FILMROOM_NO_WORKER", "true")]);
    let metrics = || peer.get("/metrics", None).text;
    eventually("the second process noticing changes", || {
        figure(&metrics(), "filmroom_read_cache_live") == 1
    });

    // Repeated reads on the second process come from memory.
    let calls_path = "/v1/calls?limit=50";
    let ids = |reply: &filmroom_tests::Reply| -> Vec<String> {
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    // (The first read records the token's use, a write: on SQLite the poll
    // reports it again within 50 ms, so a read right after may still miss.)
    assert_eq!(ids(&peer.get(calls_path, Some(&laptop))), std::slice::from_ref(&call));
    let hits = figure(&metrics(), "filmroom_read_cache_hits_total");
    eventually("repeated reads answered from memory", || {
        assert_eq!(ids(&peer.get(calls_path, Some(&laptop))), std::slice::from_ref(&call));
        figure(&metrics(), "filmroom_read_cache_hits_total") > hits
    });

    // A call created through the first process shows in the second.
    let second = app.create_call(&team.rep, &team.rep_id);
    eventually("the second process listing the new call", || {
        ids(&peer.get(calls_path, Some(&laptop))).len() == 2
    });
    assert_eq!(ids(&peer.get(calls_path, Some(&laptop))), [call, second]);

    // A token revoked through the first process stops working in the second.
    assert_eq!(peer.get("/v1/me", Some(&laptop)).status, 200);
    assert_eq!(app.delete(&format!("/v1/tokens/{laptop_id}"), &team.manager).status, 204);
    eventually("the second process refusing the revoked token", || {
        peer.get("/v1/me", Some(&laptop)).status == 401
    });
    peer.get("/v1/me", Some(&laptop)).problem(401, "token_revoked");

    // On PostgreSQL every table but the job queue announces its changes,
    // including tables added by later migrations.
    if let Some(missing) = app.postgres_count(
        "SELECT count(*) FROM pg_tables t WHERE t.schemaname = current_schema() \
           AND t.tablename NOT IN ('jobs', 'seaql_migrations') \
           AND (SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
                 WHERE c.relname = t.tablename AND g.tgname LIKE 'filmroom_announce_%') < 3",
    ) {
        assert_eq!(missing, 0, "tables without the change-notice triggers");
    }
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
