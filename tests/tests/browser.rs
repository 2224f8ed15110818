//! The browser tests (tests/browser/run.py): the rep's week and the
//! manager's review in Debian's chromium driven by Playwright, against this
//! build's binary on the backends this suite runs on. The script installs
//! Playwright and axe-core when missing, and chromium where apt-get can.
#![allow(clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::Command;

use filmroom_tests::{Backends, binary};

#[test]
fn a_reps_week_and_a_managers_review_work_in_a_browser() {
    let data = tempfile::tempdir().expect("temp dir");
    let backends = Backends::from_env();
    let env: Vec<(String, String)> =
        backends.env(data.path()).into_iter().filter(|(key, _)| key != "RUST_LOG").collect();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser").join("run.py");
    let status = Command::new("python3")
        .arg(&script)
        .env("FILMROOM_BIN", binary())
        .env("FILMROOM_BROWSER_SERVER_ENV", serde_json::to_string(&env).expect("json"))
        .status()
        .expect("python3 runs the browser tests; install Python 3");
    assert!(status.success(), "the browser tests failed (their output is above)");
}
