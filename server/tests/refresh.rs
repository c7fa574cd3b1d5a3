//! A socket lives as long as its token: `refresh` extends it in band (socket and events keep
//! going), a token that runs out closes it with 4419, a bad or foreign refresh with 4401.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// A dev server (for `/api/notify`) whose tokens the test signs itself, with no leeway, so
/// a token's end is its `exp`.
async fn server() -> std::net::SocketAddr {
    start_with(|c| {
        c.jwt_secret = Some(SECRET.to_vec());
        c.jwt_leeway_secs = 0;
    })
    .await
}

fn token(user: &str, secs: i64) -> String {
    hs256(SECRET, json!({ "sub": user, "exp": in_secs(secs) }))
}

fn refresh(token: &str) -> Value {
    json!({ "op": "refresh", "token": token })
}

#[tokio::test]
async fn refresh_keeps_the_socket_and_its_events_past_the_first_token() {
    let addr = server().await;
    let mut c = hello(addr, &token("ann", 2)).await;
    let first_left = c.expect("welcome").await["expiresInMs"].as_u64().unwrap();
    assert!(first_left <= 2000, "{first_left}");
    notify(addr, "ann", "before", json!(1)).await;
    c.send_json(refresh(&token("ann", 60))).await;
    notify(addr, "ann", "during", json!(2)).await;
    let mut frames = [c.next().await, c.next().await, c.next().await];
    frames.sort_by_key(|f| f["op"] == "refreshed"); // the refresh may overtake an event
    assert_eq!(seqs(&frames[..2]), [1, 2]);
    let left = frames[2]["expiresInMs"].as_u64().unwrap();
    assert!((58_000..=60_000).contains(&left), "{}", frames[2]);
    tokio::time::sleep(Duration::from_millis(first_left + 500)).await;
    notify(addr, "ann", "after", json!(3)).await;
    assert_eq!(seqs(&c.events(1).await), [3]);
    c.ping_pong(1).await;
}

#[tokio::test]
async fn a_token_that_runs_out_closes_the_socket_4419() {
    let addr = server().await;
    let mut c = hello(addr, &token("ann", 1)).await;
    let left = c.expect("welcome").await["expiresInMs"].as_u64().unwrap();
    let started = std::time::Instant::now();
    assert_eq!(c.close_code().await, (4419, "token expired".into()));
    let waited = started.elapsed().as_millis() as u64;
    assert!(waited + 100 >= left, "closed after {waited} ms, {left} ms before the token's end");
}

#[tokio::test]
async fn the_leeway_keeps_an_expired_token_s_socket_a_little_longer() {
    let addr = start_with(|c| {
        c.jwt_secret = Some(SECRET.to_vec());
        c.jwt_leeway_secs = 2;
    })
    .await;
    let mut c = hello(addr, &token("ann", 0)).await;
    c.expect("welcome").await;
    c.quiet(900).await;
    assert_eq!(c.close_code().await.0, 4419);
}

#[tokio::test]
async fn refresh_with_a_bad_token_or_another_user_s_closes_4401() {
    let addr = server().await;
    let cases = [
        (token("bob", 60), "refresh token is for another user"),
        (hs256(b"other secret", json!({ "sub": "ann", "exp": in_secs(60) })), "unauthorized"),
        (token("ann", -5), "unauthorized"),
        ("junk".to_owned(), "unauthorized"),
    ];
    for (bad, reason) in cases {
        let mut c = hello(addr, &token("ann", 60)).await;
        c.expect("welcome").await;
        c.send_json(refresh(&bad)).await;
        assert_eq!(c.close_code().await, (4401, reason.into()), "{bad}");
    }
}

#[tokio::test]
async fn a_refresh_before_hello_is_a_protocol_error() {
    let addr = server().await;
    let mut c = open(addr, "/ws").await;
    c.send_json(refresh(&token("ann", 60))).await;
    assert_eq!(c.close_code().await.0, 4400);
}
