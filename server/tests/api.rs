//! The HTTP API's validation: every bad input is a 400 with `{error: {code, message}}`.

mod common;

use common::*;
use serde_json::{json, Value};

async fn assert_400(addr: std::net::SocketAddr, path: &str, body: Value, code: &str) {
    let (status, v) = http(addr, "POST", path, Some(body.clone())).await;
    assert_eq!(status, 400, "{path} {body}");
    assert_eq!(v["error"]["code"], code, "{path} {body}: {v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn login_validates_user() {
    let addr = start().await;
    for user in [json!(""), json!("a b"), json!("x".repeat(65)), json!("ünï")] {
        assert_400(addr, "/api/login", json!({ "user": user }), "bad_user").await;
    }
    assert_400(addr, "/api/login", json!({}), "bad_request").await;
    assert!(login(addr, "Ann_1.x:y-z").await.contains('.'));
}

#[tokio::test]
async fn notify_and_cast_validate_input() {
    let addr = start().await;
    assert_400(addr, "/api/notify", json!({"user":"ann","type":""}), "bad_type").await;
    assert_400(addr, "/api/notify", json!({"user":"ann"}), "bad_request").await;
    assert_400(addr, "/api/notify", json!({"user":"a b","type":"t"}), "bad_user").await;
    let cast = "/api/spells/fire/cast";
    assert_400(addr, cast, json!({"user":"ann","steps":0}), "bad_steps").await;
    assert_400(addr, cast, json!({"user":"ann","steps":101}), "bad_steps").await;
    assert_400(addr, cast, json!({"user":"ann","stepMs":60001}), "bad_step_ms").await;
    let ok = post(addr, cast, json!({"user":"ann"})).await;
    assert!(ok["castId"].is_string());
}

#[tokio::test]
async fn health_reports_epoch() {
    let addr = start().await;
    let (status, v) = http(addr, "GET", "/api/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(v["ok"], true);
    let (_, welcome) = connect(addr, "ann", None).await;
    let user_epoch = welcome["epoch"].as_str().unwrap();
    assert!(user_epoch.starts_with(&format!("{}:", v["epoch"].as_str().unwrap())), "{user_epoch}");
}
