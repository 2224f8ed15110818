//! `openapi.yaml` is the contract: it must equal what the server serves.
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

use filmroom_tests::TestApp;
use reqwest::Method;

#[test]
fn openapi_yaml_matches_the_served_document() {
    let app = TestApp::spawn();
    let served = TestApp::send(app.request(Method::GET, "/openapi.json", None));
    assert_eq!(served.status, 200);
    let served: serde_json::Value = serde_json::from_str(&served.text).expect("served JSON");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml at the repository root");
    let committed: serde_json::Value = yaml_serde::from_str(&text).expect("openapi.yaml parses");
    assert!(
        committed == served,
        "openapi.yaml differs from what the server serves at {}; regenerate it with\n  \
         cargo run -- openapi > openapi.yaml\nand review the diff",
        first_difference(&committed, &served, String::new()).unwrap_or_default()
    );
}

/// The path of the first place where two documents differ, and both values.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            x.keys().chain(y.keys()).find_map(|k| match (x.get(k), y.get(k)) {
                (Some(u), Some(v)) => first_difference(u, v, format!("{path}/{k}")),
                (u, v) => Some(format!("{path}/{k}: {u:?} vs {v:?}")),
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| first_difference(u, v, format!("{path}/{i}"))),
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

#[test]
fn every_v1_operation_documents_its_errors_and_security() {
    let app = TestApp::spawn();
    let served: serde_json::Value =
        serde_json::from_str(&TestApp::send(app.request(Method::GET, "/openapi.json", None)).text)
            .unwrap();
    for (path, item) in served["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") {
            continue;
        }
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path} lacks 500");
            if path == "/v1/integrations/twilio/recording-status" {
                // Dialers sign this callback instead of sending a token.
                assert!(operation.get("security").is_none(), "{method} {path}");
                assert!(responses.contains_key("403"), "{method} {path} lacks 403");
                continue;
            }
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            assert_eq!(
                operation["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path}"
            );
        }
    }
}
