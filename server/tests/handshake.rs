//! The first frame: hello with a good token, or the right close code.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn bad_token_closes_4401() {
    let addr = start().await;
    let mut c = open(addr, "/ws").await;
    c.send_json(json!({"op":"hello","token":"forged.token"})).await;
    assert_eq!(c.close_code().await, (4401, "unauthorized".into()));
}

#[tokio::test]
async fn expired_token_closes_4401() {
    let addr = start_with(|c| c.token_ttl_secs = 0).await;
    let token = login(addr, "ann").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut c = open(addr, "/ws").await;
    c.send_json(json!({"op":"hello","token":token})).await;
    assert_eq!(c.close_code().await.0, 4401);
}

#[tokio::test]
async fn token_from_another_server_is_refused() {
    let a = start().await;
    let b = start().await;
    let token = login(a, "ann").await;
    let mut c = open(b, "/ws").await;
    c.send_json(json!({"op":"hello","token":token})).await;
    assert_eq!(c.close_code().await.0, 4401);
}

#[tokio::test]
async fn first_frame_not_hello_closes_4400() {
    let addr = start().await;
    for first in [json!({"op":"ping","id":1}).to_string(), "not json".into(), json!({"op":"hello"}).to_string()] {
        let mut c = open(addr, "/ws").await;
        c.send_text(&first).await;
        assert_eq!(c.close_code().await.0, 4400, "first frame {first}");
    }
}

#[tokio::test]
async fn oversize_first_message_closes_1009() {
    let addr = start_with(|c| c.max_message_bytes = 1024).await;
    let mut c = open(addr, "/ws").await;
    c.send_text(&"x".repeat(2048)).await;
    assert_eq!(c.close_code().await.0, 1009);
}

#[tokio::test]
async fn bad_login_input_is_400_json() {
    let addr = start().await;
    for body in [json!({"user":""}), json!({"user":"a b"}), json!({"user":"x".repeat(65)}), json!({})] {
        let (status, v) = http(addr, "POST", "/api/login", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}");
        assert!(v["error"]["code"].is_string() && v["error"]["message"].is_string(), "{v}");
    }
    let (status, v) = http(addr, "GET", "/api/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(v["ok"], true);
    assert!(v["epoch"].as_str().is_some_and(|e| !e.is_empty()));
}
