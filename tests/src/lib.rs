//! The end-to-end harness: builds the `filmroom` binary, starts it on a random
//! port with a fresh database and object store, and drives it over HTTP the way
//! users do.
//!
//! Backends come from the environment so the same tests run everywhere:
//! - nothing set: SQLite and a local directory in a temp dir (the embedded default);
//! - `FILMROOM_TEST_POSTGRES=postgres://USER@HOST:PORT`: a throwaway database
//!   per test, dropped afterwards;
//! - `FILMROOM_TEST_S3_ENDPOINT`, `FILMROOM_TEST_S3_BUCKET`,
//!   `FILMROOM_TEST_S3_ACCESS_KEY`, `FILMROOM_TEST_S3_SECRET_KEY`: a real S3
//!   server, one key prefix per test.
//!
//! A backend that is configured but unreachable fails the test; nothing is skipped.
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
    io::{BufRead, BufReader, Read},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, OnceLock, mpsc},
    time::Duration,
};

use reqwest::{
    Method,
    blocking::{Client, RequestBuilder},
};
use serde_json::{Value, json};

/// The `filmroom` binary of this checkout, built once per test process.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Ok(path) = std::env::var("FILMROOM_BIN") {
            return PathBuf::from(path);
        }
        // target/<profile>/deps/<test> -> target/<profile>/filmroom
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target profile dir");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "filmroom-cli", "--bin", "filmroom"]);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("running cargo build for the filmroom binary");
        assert!(status.success(), "building the filmroom binary failed");
        let binary = profile_dir.join("filmroom");
        assert!(binary.exists(), "{} was not built", binary.display());
        binary
    })
}

/// Which backends this run uses.
#[derive(Debug, Clone)]
pub enum DatabaseBackend {
    /// A SQLite file in the test's data dir.
    Sqlite,
    /// A throwaway database on this server.
    Postgres { admin_url: String, database: String },
}

#[derive(Debug, Clone)]
pub struct S3Backend {
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    pub prefix: String,
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
    })
}

fn postgres_execute(admin_url: &str, sql: &str) {
    use sea_orm::ConnectionTrait;
    let url = format!("{}/postgres", admin_url.trim_end_matches('/'));
    runtime().block_on(async {
        let db = sea_orm::Database::connect(&url).await.unwrap_or_else(|e| {
            panic!("FILMROOM_TEST_POSTGRES is set but {url} is unreachable: {e}")
        });
        db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        let _ = db.close().await;
    });
}

/// The configuration one server process runs with.
pub struct Backends {
    pub database: DatabaseBackend,
    pub s3: Option<S3Backend>,
}

impl Backends {
    /// Chooses from the environment; creates the Postgres database when used.
    pub fn from_env() -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let database = match std::env::var("FILMROOM_TEST_POSTGRES") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let database = format!("filmroom_test_{id}");
                postgres_execute(&admin_url, &format!("CREATE DATABASE \"{database}\""));
                DatabaseBackend::Postgres { admin_url, database }
            }
            _ => DatabaseBackend::Sqlite,
        };
        let s3 = match std::env::var("FILMROOM_TEST_S3_ENDPOINT") {
            Ok(endpoint) if !endpoint.is_empty() => {
                let var = |name: &str| {
                    std::env::var(name).unwrap_or_else(|_| {
                        panic!("FILMROOM_TEST_S3_ENDPOINT is set, so {name} must be too")
                    })
                };
                Some(S3Backend {
                    endpoint,
                    bucket: var("FILMROOM_TEST_S3_BUCKET"),
                    access_key: var("FILMROOM_TEST_S3_ACCESS_KEY"),
                    secret_key: var("FILMROOM_TEST_S3_SECRET_KEY"),
                    // Short: s3s-fs keeps multipart state in a file named after the
                    // base64 of the whole key, so keys over ~120 bytes fail there.
                    prefix: format!("t{}", &id[id.len() - 16..]),
                })
            }
            _ => None,
        };
        Self { database, s3 }
    }

    /// Environment for a `filmroom` process using these backends and `data_dir`.
    pub fn env(&self, data_dir: &Path) -> Vec<(String, String)> {
        let mut env = vec![
            ("FILMROOM_DATA_DIR".to_owned(), data_dir.display().to_string()),
            ("RUST_LOG".to_owned(), "info".to_owned()),
            // Workers poll often so tests do not wait on an idle queue.
            ("FILMROOM_POLL_INTERVAL_MS".to_owned(), "50".to_owned()),
        ];
        if let DatabaseBackend::Postgres { admin_url, database } = &self.database {
            env.push((
                "DATABASE_URL".into(),
                format!("{}/{database}", admin_url.trim_end_matches('/')),
            ));
        }
        if let Some(s3) = &self.s3 {
            env.extend([
                ("FILMROOM_STORAGE".into(), format!("s3://{}/{}", s3.bucket, s3.prefix)),
                ("FILMROOM_S3_ENDPOINT".into(), s3.endpoint.clone()),
                ("FILMROOM_S3_ALLOW_HTTP".into(), "true".into()),
                ("AWS_ACCESS_KEY_ID".into(), s3.access_key.clone()),
                ("AWS_SECRET_ACCESS_KEY".into(), s3.secret_key.clone()),
                ("AWS_REGION".into(), "us-east-1".into()),
            ]);
        }
        env
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        if let DatabaseBackend::Postgres { admin_url, database } = &self.database {
            postgres_execute(
                admin_url,
                &format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"),
            );
        }
    }
}

/// A `filmroom` command with a clean environment plus `env`.
pub fn filmroom(env: &[(String, String)]) -> Command {
    let mut command = Command::new(binary());
    command.env_clear();
    for key in ["PATH", "HOME", "TMPDIR"] {
        if let Ok(value) = std::env::var(key) {
            command.env(key, value);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// Starts `filmroom serve` on a free port; returns it with its URL and log.
fn start_server(env: &[(String, String)]) -> (Child, String, Arc<Mutex<Vec<String>>>) {
    let mut child = filmroom(env)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting filmroom serve");
    let stderr = child.stderr.take().expect("stderr piped");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    {
        let logs = Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address: String =
                        rest.chars().take_while(|c| !c.is_whitespace() && *c != '"').collect();
                    let _ = tx.send(address);
                }
                logs.lock().unwrap().push(line);
            }
        });
    }
    let address = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(address) => address,
        Err(_) => {
            let _ = child.kill();
            panic!("filmroom serve did not start:\n{}", logs.lock().unwrap().join("\n"));
        }
    };
    (child, format!("http://{address}"), logs)
}

/// A running server with its own backends.
pub struct TestApp {
    pub base_url: String,
    pub client: Client,
    pub env: Vec<(String, String)>,
    pub logs: Arc<Mutex<Vec<String>>>,
    child: Child,
    // Dropped after the child is killed: the database outlives the process using it.
    _backends: Backends,
    _dir: tempfile::TempDir,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts this is a problem+json with `status` and `code`; returns the body.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "not problem+json: {}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["code"], code, "unexpected code in {body}");
        assert_eq!(body["status"], status);
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "no detail in {body}");
        assert_eq!(
            body["request_id"].as_str(),
            self.header("x-request-id"),
            "request id missing from problem or header"
        );
        body
    }
}

impl TestApp {
    /// Starts a server on the backends chosen by the environment.
    pub fn spawn() -> Self {
        Self::spawn_with(&[])
    }

    /// Starts a server with extra environment (overriding the backends' settings).
    pub fn spawn_with(extra_env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let backends = Backends::from_env();
        let mut env = backends.env(dir.path());
        for (k, v) in extra_env {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_owned(), (*v).to_owned()));
        }
        let (child, base_url, logs) = start_server(&env);
        let client = Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
        Self { base_url, client, env, logs, child, _backends: backends, _dir: dir }
    }

    /// Kills the server (SIGKILL, no clean shutdown) and starts a new one on
    /// the same backends, as after a crash.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, base_url, logs) = start_server(&self.env);
        self.child = child;
        self.base_url = base_url;
        self.logs = logs;
    }

    /// Runs `filmroom admin bootstrap` against this server's backends and
    /// returns the admin token it prints.
    pub fn bootstrap(&self, org: &str, email: &str) -> String {
        let output = filmroom(&self.env)
            .args(["admin", "bootstrap", "--org", org, "--email", email, "--name", "First Admin"])
            .args(["--timezone", "Europe/Berlin"])
            .output()
            .expect("running filmroom admin bootstrap");
        assert!(
            output.status.success(),
            "bootstrap failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8(output.stdout).expect("utf-8").trim().to_owned();
        assert!(token.starts_with("fr_"), "bootstrap printed {token:?}");
        token
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let mut request = self.client.request(method, format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request
    }

    pub fn send(request: RequestBuilder) -> Reply {
        let response = request.send().expect("request failed to complete");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("reading body");
        Reply { status, headers, text }
    }

    pub fn get(&self, path: &str, token: &str) -> Reply {
        Self::send(self.request(Method::GET, path, Some(token)))
    }

    pub fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        Self::send(self.request(Method::POST, path, Some(token)).json(&body))
    }

    pub fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        Self::send(self.request(Method::PATCH, path, Some(token)).json(&body))
    }

    pub fn put_json(&self, path: &str, token: &str, body: Value) -> Reply {
        Self::send(self.request(Method::PUT, path, Some(token)).json(&body))
    }

    pub fn delete(&self, path: &str, token: &str) -> Reply {
        Self::send(self.request(Method::DELETE, path, Some(token)))
    }

    /// Creates a user as `admin` and returns their id.
    #[track_caller]
    pub fn create_user(
        &self,
        admin: &str,
        email: &str,
        role: &str,
        manager: Option<&str>,
    ) -> String {
        let reply = self.post(
            "/v1/users",
            admin,
            json!({"email": email, "name": email.split('@').next(), "role": role, "manager_id": manager}),
        );
        assert_eq!(reply.status, 201, "creating {email}: {}", reply.text);
        reply.json()["id"].as_str().expect("id").to_owned()
    }

    /// Issues a token for `user` as `actor` and returns the secret.
    #[track_caller]
    pub fn issue_token(&self, actor: &str, user: &str) -> String {
        let reply = self.post(&format!("/v1/users/{user}/tokens"), actor, json!({"name": "test"}));
        assert_eq!(reply.status, 201, "issuing a token: {}", reply.text);
        reply.json()["secret"].as_str().expect("secret").to_owned()
    }

    /// The id of the caller.
    pub fn my_id(&self, token: &str) -> String {
        self.get("/v1/me", token).json()["user"]["id"].as_str().expect("my id").to_owned()
    }

    /// The server's data directory (SQLite file, local objects, scratch).
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// Whether objects live in the local directory (not S3) in this run.
    pub fn local_objects(&self) -> Option<PathBuf> {
        self._backends.s3.is_none().then(|| self._dir.path().join("objects"))
    }

    /// Creates a call for `rep` (JSON metadata only) and returns its id.
    #[track_caller]
    pub fn create_call(&self, token: &str, rep: &str) -> String {
        let reply =
            self.post("/v1/calls", token, json!({"rep_id": rep, "title": "Discovery call"}));
        assert_eq!(reply.status, 201, "creating a call: {}", reply.text);
        reply.json()["id"].as_str().expect("call id").to_owned()
    }

    /// `PUT /v1/calls/{id}/audio` with `bytes`.
    pub fn upload(&self, token: &str, call: &str, bytes: Vec<u8>, content_type: &str) -> Reply {
        Self::send(
            self.request(Method::PUT, &format!("/v1/calls/{call}/audio"), Some(token))
                .header("content-type", content_type)
                .body(bytes),
        )
    }

    /// Creates a call for `rep`, uploads the fixture `name` and waits until
    /// it is analysed; the call's id.
    #[track_caller]
    pub fn ready_call(&self, token: &str, rep: &str, name: &str, content_type: &str) -> String {
        let call = self.create_call(token, rep);
        assert_eq!(self.upload(token, &call, fixture(name), content_type).status, 200);
        assert_eq!(self.wait_until_settled(token, &call)["status"], "ready");
        call
    }

    /// `GET /v1/calls/{id}/audio` with a `Range` header.
    pub fn audio_range(&self, token: &str, call: &str, range: &str) -> Reply {
        Self::send(
            self.request(Method::GET, &format!("/v1/calls/{call}/audio"), Some(token))
                .header("range", range),
        )
    }

    /// `PUT /v1/calls/{id}/transcript` with `body` as `content_type`.
    pub fn put_transcript(&self, token: &str, call: &str, content_type: &str, body: &str) -> Reply {
        Self::send(
            self.request(Method::PUT, &format!("/v1/calls/{call}/transcript"), Some(token))
                .header("content-type", content_type)
                .body(body.to_owned()),
        )
    }

    /// `POST /v1/calls/{id}/comments` of `kind` at `at_ms`, which must succeed;
    /// the comment.
    #[track_caller]
    pub fn comment(&self, token: &str, call: &str, at_ms: i64, kind: &str) -> Value {
        let reply = self.post(
            &format!("/v1/calls/{call}/comments"),
            token,
            json!({"at_ms": at_ms, "body": "Listen here", "kind": kind}),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()
    }

    /// `POST /v1/reps/{rep}/weeks/{week}/nominations/{slot}/state`.
    pub fn move_review(
        &self,
        token: &str,
        rep: &str,
        week: &str,
        slot: &str,
        state: &str,
    ) -> Reply {
        self.post(
            &format!("/v1/reps/{rep}/weeks/{week}/nominations/{slot}/state"),
            token,
            json!({"state": state}),
        )
    }

    /// `GET /v1/webhooks/{id}/deliveries`.
    pub fn deliveries(&self, admin: &str, hook: &str) -> Value {
        self.get(&format!("/v1/webhooks/{hook}/deliveries"), admin).json()
    }

    /// Polls a call until its status is `ready` or `failed` (or a minute passes).
    #[track_caller]
    pub fn wait_until_settled(&self, token: &str, call: &str) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let body = self.get(&format!("/v1/calls/{call}"), token).json();
            let status = body["status"].as_str().unwrap_or_default().to_owned();
            if status == "ready" || status == "failed" {
                return body;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "call {call} still {status} after a minute:\n{}",
                self.log_lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts a `filmroom worker` process on this server's backends.
    pub fn spawn_worker(&self, extra_env: &[(&str, &str)]) -> Child {
        let mut env = self.env.clone();
        for (k, v) in extra_env {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_owned(), (*v).to_owned()));
        }
        filmroom(&env)
            .arg("worker")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting filmroom worker")
    }

    /// The number `sql` (a `SELECT count(*) …`) counts in this server's
    /// database, on either backend.
    pub fn count(&self, sql: &str) -> i64 {
        use sea_orm::ConnectionTrait;
        let url = match &self._backends.database {
            DatabaseBackend::Postgres { admin_url, database } => {
                format!("{}/{database}", admin_url.trim_end_matches('/'))
            }
            DatabaseBackend::Sqlite => {
                format!("sqlite://{}?mode=ro", self.data_dir().join("filmroom.db").display())
            }
        };
        runtime().block_on(async {
            let db =
                sea_orm::Database::connect(&url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .expect("a count");
            let count: i64 = row.try_get_by_index(0).unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = db.close().await;
            count
        })
    }

    /// Starts a second `filmroom serve` on this server's backends (with extra
    /// environment), as a scaled-out deployment runs several API processes on
    /// one database.
    pub fn spawn_peer(&self, extra_env: &[(&str, &str)]) -> Peer {
        let mut env = self.env.clone();
        for (k, v) in extra_env {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_owned(), (*v).to_owned()));
        }
        let (child, base_url, logs) = start_server(&env);
        Peer { base_url, client: self.client.clone(), child, logs }
    }

    /// Everything the server logged so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // Shown with the failing test's output.
            eprintln!("--- filmroom serve log ---\n{}", self.log_lines().join("\n"));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Another API process on a [`TestApp`]'s backends; killed when dropped.
pub struct Peer {
    pub base_url: String,
    client: Client,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Peer {
    /// `GET path` on this process, with `token` when given.
    pub fn get(&self, path: &str, token: Option<&str>) -> Reply {
        TestApp::send(self.request(Method::GET, path, token))
    }

    /// A request to this process, with `token` when given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base_url));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// The process id, to kill it while requests to it are in flight.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- second filmroom serve log ---\n{}",
                self.logs.lock().unwrap().join("\n")
            );
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bytes of a committed fixture (see `scripts/make-fixtures.sh`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What ffmpeg found in a fixture when it was made (`fixtures/expected.json`).
pub fn expected(name: &str) -> Value {
    let all: Value = serde_json::from_slice(&fixture("expected.json")).expect("expected.json");
    all[name].clone()
}

/// Files under `dir` (recursively) whose path contains `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().contains(needle) {
                found.push(path);
            }
        }
    }
    found
}

/// An organisation with an admin, a manager and a rep under that manager.
pub struct Team {
    pub admin: String,
    pub admin_id: String,
    pub manager: String,
    pub manager_id: String,
    pub rep: String,
    pub rep_id: String,
}

impl Team {
    /// Bootstraps `org` and adds its manager and rep, each with a token.
    pub fn create(app: &TestApp, org: &str) -> Self {
        let domain = org.to_lowercase().replace(' ', "-");
        let admin = app.bootstrap(org, &format!("admin@{domain}.example"));
        let admin_id = app.my_id(&admin);
        let manager_id =
            app.create_user(&admin, &format!("manager@{domain}.example"), "manager", None);
        let rep_id =
            app.create_user(&admin, &format!("rep@{domain}.example"), "rep", Some(&manager_id));
        let manager = app.issue_token(&admin, &manager_id);
        let rep = app.issue_token(&admin, &rep_id);
        Self { admin, admin_id, manager, manager_id, rep, rep_id }
    }
}

/// A request as a [`WebhookReceiver`] saw it: lower-cased headers and the body.
pub type Seen = (Vec<(String, String)>, Vec<u8>);

/// A receiver's endpoint for webhooks: answers 500 to the first `failures`
/// requests, then 200, and keeps every request it got.
pub struct WebhookReceiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Seen>>>,
}

impl WebhookReceiver {
    /// Listens on a free loopback port.
    pub fn start(failures: usize) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/filmroom", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let seen_request = SeenRequest::read(&stream);
                let count = {
                    let mut all = seen.lock().unwrap();
                    all.push((seen_request.headers, seen_request.body));
                    all.len()
                };
                let status = if count <= failures { "500 Internal Server Error" } else { "200 OK" };
                let _ = std::io::Write::write_all(
                    &mut stream,
                    format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                        .as_bytes(),
                );
            }
        });
        Self { url, requests }
    }

    /// Waits (a minute at most) until `count` requests have come.
    #[track_caller]
    pub fn wait_for(&self, count: usize) {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while self.requests.lock().unwrap().len() < count {
            assert!(
                std::time::Instant::now() < deadline,
                "the receiver got {} of {count} requests",
                self.requests.lock().unwrap().len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What arrived, by event id: the delivery id of each request carrying it.
    pub fn deliveries_by_event(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut received: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (_, body) in self.requests.lock().unwrap().iter() {
            // A sender killed mid-request leaves a body cut short: not a delivery.
            let Ok(body) = serde_json::from_slice::<Value>(body) else { continue };
            received
                .entry(body["id"].as_str().unwrap().to_owned())
                .or_default()
                .push(body["delivery_id"].as_str().unwrap().to_owned());
        }
        received
    }
}

/// An HTTP/1.1 request read by one of the tests' local servers (a webhook
/// receiver, a dialer's file server).
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// The request target, e.g. `/hooks/filmroom`.
    pub path: String,
    /// Header names lower-cased, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, `Content-Length` bytes of it.
    pub body: Vec<u8>,
}

impl SeenRequest {
    /// Reads one request from `stream`.
    pub fn read(stream: &TcpStream) -> Self {
        let mut reader = BufReader::new(stream.try_clone().expect("cloning the stream"));
        let mut line = String::new();
        reader.read_line(&mut line).unwrap_or(0);
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut headers = Vec::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.trim().split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap_or(0));
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap_or(());
        Self { path, headers, body }
    }

    /// The value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A browser's request to a page: redirects are not followed, so each
/// answer can be checked.
pub fn page_request(app: &TestApp, method: Method, path: &str) -> RequestBuilder {
    page_request_to(&app.base_url, method, path)
}

/// The same as [`page_request`], to the server at `base_url` (a [`Peer`]).
pub fn page_request_to(base_url: &str, method: Method, path: &str) -> RequestBuilder {
    static BROWSER: OnceLock<Client> = OnceLock::new();
    BROWSER
        .get_or_init(|| {
            Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .expect("browser client")
        })
        .request(method, format!("{base_url}{path}"))
}

/// The `Set-Cookie` header that starts a session, whole.
pub fn session_set_cookie(reply: &Reply) -> Option<&str> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("filmroom_session="))
}

/// The session's CSRF token on a signed-in page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find(r#"<meta name="csrf-token" content=""#).expect("csrf meta") + 33;
    html[start..].split('"').next().unwrap().to_owned()
}
