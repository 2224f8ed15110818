//! The README's walkthrough, run as written against a fresh server, so the
//! text a newcomer follows cannot drift from what the product does.
//!
//! Every `sh` block between "Five-minute walkthrough" and "The web app" is
//! joined into one bash script, in order. Two things differ from a person's
//! terminal: the server listens on a random port (the README's
//! `http://127.0.0.1:8080` is replaced by it), and `cargo run -q -- …` runs
//! the binary under test with this server's backends. An epilogue then prints
//! facts the README's own output does not show (whose comment the clip came
//! from, whether any action item was born overdue), and the test checks what
//! the whole script printed.
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
    path::{Path, PathBuf},
    process::Command,
};

use filmroom_tests::{TestApp, binary};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate has a parent").into()
}

/// The bodies of the ```sh blocks between two level-2 headings.
fn sh_blocks(readme: &str, from: &str, to: &str) -> Vec<String> {
    let start = readme.find(from).unwrap_or_else(|| panic!("README has no `{from}`"));
    let end = readme[start..].find(to).map_or(readme.len(), |e| start + e);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme[start..end].lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an sh block between `{from}` and `{to}` is not closed");
    blocks
}

/// `jq` is what the walkthrough reads JSON with; installed like the
/// browser, when the machine lacks it and apt-get is there.
fn ensure_jq() {
    let present = || Command::new("jq").arg("--version").output().is_ok_and(|o| o.status.success());
    if present() {
        return;
    }
    let _ = Command::new("apt-get").args(["install", "-y", "-qq", "jq"]).status();
    if !present() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let _ = Command::new("apt-get").args(["install", "-y", "-qq", "jq"]).status();
    }
    assert!(present(), "the README walkthrough needs jq, which could not be installed");
}

/// Asserts `output` contains each of `expected`, in this order.
#[track_caller]
fn assert_in_order(output: &str, expected: &[&str]) {
    let mut rest = output;
    for want in expected {
        match rest.find(want) {
            Some(at) => rest = &rest[at + want.len()..],
            None => panic!(
                "the walkthrough did not print {want:?} where expected; it printed:\n{output}"
            ),
        }
    }
}

const EPILOGUE: &str = r#"
echo "--- checks"
echo "clip comment by: $(curl -s $API/v1/calls/$CALL/comments -H "Authorization: Bearer $MANAGER" \
  | jq -r --arg id "$COMMENT" '.items[] | select(.id == $id) | .author.name')"
echo "clip from that comment: $(curl -s $API/v1/one-on-ones/$ONE -H "Authorization: Bearer $MANAGER" \
  | jq --arg id "$COMMENT" '[.clips[] | select(.comment_id == $id)] | length')"
echo "items due before today: $(curl -s $API/v1/one-on-ones/$ONE -H "Authorization: Bearer $MANAGER" \
  | jq --arg today "$(date +%F)" '[.action_items[] | select(.due_date < $today)] | length')"
echo "week: $WEEK"
"#;

#[test]
fn the_readme_walkthrough_runs_as_written_and_prints_what_it_promises() {
    ensure_jq();
    // Failed downloads are retried 1 s doubling apart rather than 5 s, so the
    // pull example settles in seconds; the README's text is unchanged.
    let app = TestApp::spawn_with(&[("FILMROOM_RETRY_BASE_SECS", "1")]);
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README.md");
    let blocks = sh_blocks(&readme, "## Five-minute walkthrough", "\n## The web app");
    assert!(blocks.len() >= 6, "expected the walkthrough's blocks, found {}", blocks.len());
    let walkthrough = blocks.join("\n").replace("http://127.0.0.1:8080", &app.base_url);
    let script = format!(
        "set -euo pipefail\n\
         cargo() {{\n\
           if [ \"$1 $2 $3\" = 'run -q --' ]; then shift 3; \"$FILMROOM_BIN\" \"$@\";\n\
           else echo \"the walkthrough runs cargo $*, which this test does not stand in for\" >&2; return 97; fi\n\
         }}\n\
         {walkthrough}\n{EPILOGUE}"
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(repo_root())
        .envs(app.env.iter().map(|(k, v)| (k, v)))
        .env("FILMROOM_BIN", binary())
        .output()
        .expect("running bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the walkthrough failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status
    );

    assert_in_order(
        &stdout,
        &[
            "\"rex@acme.example\"",
            "\"queued\"",
            "\"status\": \"ready\"",
            "\"samples_per_pixel\"",
            "206 Partial Content",
            "\"nominated\"",
            "\"self_reviewed\"",
            "\"shared\"",
            "\"manager_reviewed\"",
            "\"nomination_overdue\"",
            "\"segment_ms\"",
            "\"held\"",
            "\"active\"",
            "\"source\": \"twilio\"",
            "\"integration_token_not_allowed\"",
            "\"status\": \"failed\"",
            "\"recording_fetch_failed\"",
            "\"speaker\": \"Customer\"",
            "\"text\": \"What would the pricing look like?\"",
            "\"user_not_found\"",
            "--- checks",
            "clip comment by: Grace Hopper\n",
            "clip from that comment: 1\n",
            "items due before today: 0\n",
        ],
    );
    // The token, captured by `$(…)`, was all that bootstrap wrote to
    // standard output: the first request with it worked (the rep's email
    // above was listed by the manager the admin created with it).
    assert!(
        stderr.contains("API token is on standard output"),
        "bootstrap's words on standard error: {stderr}"
    );
    assert!(
        !stderr.contains("follows"),
        "bootstrap's words read as if the link were the token: {stderr}"
    );
}

#[test]
fn the_readme_blocks_are_found() {
    let readme = "## Five-minute walkthrough\n```sh\na\n```\ntext\n```json\nb\n```\n```sh\nc\nd\n```\n## The web app\n```sh\ne\n```\n";
    assert_eq!(
        sh_blocks(readme, "## Five-minute walkthrough", "\n## The web app"),
        vec!["a\n".to_owned(), "c\nd\n".to_owned()]
    );
}
