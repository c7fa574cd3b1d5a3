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
    let addr = start_with(|c| {
        c.jwt_secret = Some(SECRET.to_vec());
        c.jwt_leeway_secs = 0;
    })
    .await;
    let expired = hs256(SECRET, json!({"sub":"ann","exp":in_secs(-1)}));
    assert_eq!(hello(addr, &expired).await.close_code().await.0, 4401);
    let fresh = hs256(SECRET, json!({"sub":"ann","exp":in_secs(60)}));
    hello(addr, &fresh).await.expect("welcome").await;
}

/// In `--dev` without a configured secret, each process signs with its own random one.
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
async fn no_hello_in_time_closes_4408() {
    let addr = start_with(|c| c.hello_timeout = std::time::Duration::from_millis(200)).await;
    let mut c = open(addr, "/ws").await;
    assert_eq!(c.close_code().await.0, 4408);
}

#[tokio::test]
async fn idle_socket_closes_4408_and_pings_keep_it_open() {
    let addr = start_with(|c| {
        c.heartbeat_ms = 100;
        c.idle_slack = std::time::Duration::ZERO;
    })
    .await;
    let (mut busy, welcome) = connect(addr, "ann", None).await;
    assert_eq!(welcome["heartbeatMs"], 100);
    let (mut idle, _) = connect(addr, "ann", None).await;
    for id in 0..4 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        busy.ping_pong(id).await;
    }
    assert_eq!(idle.close_code().await.0, 4408);
    busy.ping_pong(9).await;
}
