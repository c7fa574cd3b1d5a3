//! Helpers for channel tests: a server whose state the test can look into, tokens with a
//! `channels` claim, and `sub`. Include it next to `common` and `gateway`:
//! `mod common; #[path = "common/gateway.rs"] mod gateway; #[path = "common/channels.rs"] mod channels;`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use spellwire_server::config::Config;
use spellwire_server::{app, AppState};

use crate::common::{open, post, Client, Frames, WAIT};
use crate::gateway::KEY;

/// Starts a `--dev --test-hooks` server with the gateway's API key, then `tweak`; returns its
/// address and its state (to look at the hub).
pub async fn start_state(tweak: impl FnOnce(&mut Config)) -> (SocketAddr, AppState) {
    let mut config = Config { dev: true, test_hooks: true, api_key: Some(KEY.into()), ..Config::default() };
    tweak(&mut config);
    let state = AppState::new(config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = state.clone();
    tokio::spawn(async move { axum::serve(listener, app(served)).await });
    (addr, state)
}

/// A dev token for `user` whose `channels` claim is `channels`.
pub async fn token_granting(addr: SocketAddr, user: &str, channels: &[&str]) -> String {
    let v = post(addr, "/api/login", json!({ "user": user, "channels": channels })).await;
    v["token"].as_str().unwrap().to_owned()
}

/// A welcomed socket for `user` with a token granting `channels` (the personal log is empty,
/// so nothing follows the welcome).
pub async fn connect_granting(addr: SocketAddr, user: &str, channels: &[&str]) -> Client {
    let token = token_granting(addr, user, channels).await;
    let mut c = open(addr, "/ws").await;
    c.send_json(json!({ "op": "hello", "token": token })).await;
    c.expect("welcome").await;
    c
}

/// Sends `sub` for `channel` (with `resume` when given) and returns the answer: `subscribed`
/// or `refused`.
pub async fn sub(c: &mut Client, channel: &str, resume: Option<Value>) -> Value {
    let mut frame = json!({ "op": "sub", "channel": channel });
    if let Some(r) = resume {
        frame["resume"] = r;
    }
    c.send_json(frame).await;
    let answer = c.next().await;
    assert!(answer["op"] == "subscribed" || answer["op"] == "refused", "{answer}");
    assert_eq!(answer["channel"], channel, "{answer}");
    answer
}

/// Sends `sub` and asserts it was answered `subscribed`.
pub async fn subscribed(c: &mut Client, channel: &str, resume: Option<Value>) -> Value {
    let answer = sub(c, channel, resume).await;
    assert_eq!(answer["op"], "subscribed", "{answer}");
    answer
}

/// Waits (up to [`WAIT`]) until `check` holds.
pub async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The next `n` events, asserting each belongs to `channel`; returns their seqs.
pub async fn channel_seqs(c: &mut Client, channel: &str, n: usize) -> Vec<u64> {
    let events = c.events(n).await;
    for e in &events {
        assert_eq!(e["channel"], channel, "{e}");
    }
    crate::common::seqs(&events)
}
