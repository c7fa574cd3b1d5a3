//! Socket counts over real sockets: per user (the newest is refused with 4409, the open ones
//! keep working) and sockets waiting for `hello` across the node (more upgrades get 503).

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message;
use serde_json::{json, Value};
use spellwire_server::limits::{Limits, CLOSE_TOO_MANY_SOCKETS};

async fn start_limited(limits: Limits) -> SocketAddr {
    start_with(|c| {
        c.test_hooks = true;
        c.limits = limits;
    })
    .await
}

/// Opens `/ws` expecting a refusal: its HTTP status and JSON body.
async fn refused(addr: SocketAddr) -> (u16, Value) {
    match tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp.body().as_deref().unwrap_or_default();
            (resp.status().as_u16(), serde_json::from_slice(body).unwrap_or(Value::Null))
        }
        Ok(_) => panic!("the upgrade was accepted"),
        Err(e) => panic!("unexpected connect error: {e}"),
    }
}

/// Opens `/ws` expecting success (any origin is allowed here).
async fn accepted(addr: SocketAddr) -> Client {
    open_with_origin(addr, "http://limits.test").await.expect("the upgrade was refused")
}

#[tokio::test]
async fn the_newest_socket_over_the_user_limit_is_refused_4409_and_the_others_keep_working() {
    let addr = start_limited(Limits { sockets_per_user: 3, ..Limits::default() }).await;
    let mut open_ones = Vec::new();
    for _ in 0..3 {
        open_ones.push(connect(addr, "ann", None).await.0);
    }
    let token = login(addr, "ann").await;
    let mut fourth = hello(addr, &token).await;
    let (code, reason) = fourth.close_code().await;
    assert_eq!((code, reason.as_str()), (CLOSE_TOO_MANY_SOCKETS, "too many connections for this user"));
    let (_bob, _) = connect(addr, "bob", None).await; // other users are not affected
    notify(addr, "ann", "still", json!(1)).await;
    for c in &mut open_ones {
        assert_eq!(c.expect("event").await["seq"], 1, "every open socket still gets events");
        c.ping_pong(7).await;
    }
    open_ones.pop().unwrap().ws.close(None).await.unwrap();
    assert_eq!(seat_freed(addr, &token).await["op"], "welcome", "a closed socket frees its place");
}

/// Says hello with `token` until one is welcomed (the server notices a close a moment later).
async fn seat_freed(addr: SocketAddr, token: &str) -> Value {
    for _ in 0..50 {
        let mut c = hello(addr, token).await;
        if let Message::Text(text) = c.raw().await {
            let v: Value = serde_json::from_str(&text).unwrap();
            return if v.is_array() { v[0].clone() } else { v }; // welcome, then the replay
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no place came free");
}

#[tokio::test]
async fn upgrades_over_the_waiting_for_hello_limit_get_503_and_the_waiting_ones_are_served() {
    let addr = start_limited(Limits { waiting_hello: 2, ..Limits::default() }).await;
    let (_welcomed, _) = connect(addr, "zed", None).await; // past hello: not waiting
    let mut waiting = [open(addr, "/ws").await, open(addr, "/ws").await];
    let (status, body) = refused(addr).await;
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("too_many_waiting")), "{body}");
    let token = login(addr, "ann").await;
    waiting[0].send_json(json!({ "op": "hello", "token": token })).await;
    assert_eq!(waiting[0].next().await["op"], "welcome", "a waiting socket is still served");
    let mut late = accepted(addr).await; // a place came free when the hello was judged
    late.send_json(json!({ "op": "hello", "token": "bad" })).await;
    assert_eq!(late.close_code().await.0, 4401);
    assert!(late.ws.next().await.is_none(), "the closing handshake completes");
    let _retry = until_accepted(addr).await; // a refused hello frees its place too
    assert_eq!(refused(addr).await.0, 503, "the two places are taken again");
}

/// Opens `/ws` until the upgrade is accepted (a place frees a moment after a socket ends).
async fn until_accepted(addr: SocketAddr) -> Client {
    for _ in 0..50 {
        if let Ok(c) = open_with_origin(addr, "http://limits.test").await {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no place came free");
}
