//! The `/test/*` hooks, and the origin allowlist.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn hooks_are_404_without_the_flag() {
    let addr = start_with(|_| {}).await;
    for (method, path) in [("POST", "/test/drop"), ("GET", "/test/echo"), ("GET", "/test/received/ann"), ("POST", "/test/broadcast")] {
        let (status, _) = http(addr, method, path, Some(json!({"user":"ann"}))).await;
        assert_eq!(status, 404, "{method} {path}");
    }
    let (status, _) = http(addr, "GET", "/test/hellos?token=x", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn drop_closes_every_socket_abruptly() {
    let addr = start().await;
    let (mut a, _) = connect(addr, "ann", None).await;
    let (mut b, _) = connect(addr, "ann", None).await;
    let (mut bob, _) = connect(addr, "bob", None).await;
    assert_eq!(post(addr, "/test/drop", json!({"user":"ann"})).await, json!({"dropped": 2}));
    for c in [&mut a, &mut b] {
        let end = tokio::time::timeout(WAIT, c.ws.next()).await.expect("socket not dropped");
        assert!(!matches!(end, Some(Ok(Message::Close(_)))), "expected no close frame: {end:?}");
    }
    bob.ping_pong(1).await;
    let r = notify(addr, "ann", "n", json!(1)).await;
    assert_eq!(r["delivered"], 0);
}

#[tokio::test]
async fn mute_pongs_silences_pings_only() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    assert_eq!(post(addr, "/test/mute-pongs", json!({"user":"ann","ms":400})).await, json!({"ok":true}));
    c.send_json(json!({"op":"ping","id":1})).await;
    c.send_json(json!({"op":"send","id":"s","type":"t","data":1})).await;
    c.expect("event").await;
    c.expect("ack").await;
    c.quiet(100).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    c.ping_pong(2).await;
}

#[tokio::test]
async fn blackhole_keeps_the_socket_open_but_silent_and_the_log_still_grows() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    assert_eq!(post(addr, "/test/blackhole", json!({"user":"ann"})).await, json!({"silenced": 1}));
    c.send_json(json!({"op":"ping","id":1})).await;
    let r = notify(addr, "ann", "n", json!(1)).await;
    assert_eq!(r["delivered"], 0);
    c.quiet(300).await; // no pong, no event, and no close either
    let (mut fresh, welcome) = connect(addr, "ann", None).await;
    assert_eq!(welcome["after"], 0);
    assert_eq!(seqs(&fresh.events(1).await), [1]);
}

#[tokio::test]
async fn send_raw_delivers_text_verbatim() {
    let addr = start().await;
    let (mut a, _) = connect(addr, "ann", None).await;
    let (mut b, _) = connect(addr, "ann", None).await;
    let text = "{\"op\":\"mystery\",  \"x\":1}";
    assert_eq!(post(addr, "/test/send-raw", json!({"user":"ann","text":text})).await, json!({"sent": 2}));
    assert_eq!(a.raw().await, Message::text(text));
    assert_eq!(b.raw().await, Message::text(text));
}

#[tokio::test]
async fn hellos_are_counted_per_token() {
    let addr = start().await;
    for _ in 0..3 {
        let mut c = open(addr, "/ws").await;
        c.send_json(json!({"op":"hello","token":"bad-token"})).await;
        assert_eq!(c.close_code().await.0, 4401);
    }
    let (_, v) = http(addr, "GET", "/test/hellos?token=bad-token", None).await;
    assert_eq!(v, json!({"count": 3}));
}

#[tokio::test]
async fn echo_socket_echoes_and_closes() {
    let addr = start().await;
    let mut c = open(addr, "/test/echo").await;
    c.ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(c.raw().await, Message::text("hello"));
    c.ws.send(Message::binary(vec![0, 1, 2])).await.unwrap();
    assert_eq!(c.raw().await, Message::binary(vec![0, 1, 2]));
    c.ws.close(None).await.unwrap();
    let end = tokio::time::timeout(WAIT, c.ws.next()).await.unwrap();
    assert!(matches!(end, Some(Ok(Message::Close(_))) | None), "{end:?}");
}

#[tokio::test]
async fn origin_allowlist_refuses_other_origins() {
    let addr = start_with(|c| c.allow_origins = vec!["http://good.test".into()]).await;
    assert_eq!(open_with_origin(addr, "http://evil.test").await.err(), Some(403));
    let mut c = open_with_origin(addr, "http://good.test").await.ok().unwrap();
    let token = login(addr, "ann").await;
    c.send_json(json!({"op":"hello","token":token})).await;
    c.expect("welcome").await;
}

#[tokio::test]
async fn broadcast_publishes_count_stamped_events_to_each_named_user() {
    let addr = start().await;
    let (mut a1, _) = connect(addr, "ann1", None).await;
    let (mut a2, _) = connect(addr, "ann2", None).await;
    let (mut bob, _) = connect(addr, "bob", None).await;
    let before = unix_ms();
    let r = post(addr, "/test/broadcast", json!({"users":["ann1","bob"],"count":3,"type":"b"})).await;
    assert_eq!(r, json!({"users": 2, "published": 6, "delivered": 6}));
    for c in [&mut a1, &mut bob] {
        let events = c.events(3).await;
        assert_eq!(seqs(&events), [1, 2, 3]);
        for (e, i) in events.iter().zip(1..) {
            assert_eq!((&e["type"], &e["data"]["i"]), (&json!("b"), &json!(i)), "{e}");
            let t = e["data"]["t"].as_f64().unwrap();
            assert!(before <= t && t <= unix_ms(), "{t} not between {before} and now");
        }
    }
    a2.quiet(100).await;
}

#[tokio::test]
async fn broadcast_by_prefix_reaches_the_users_seen_with_that_prefix() {
    let addr = start().await;
    let (mut a1, _) = connect(addr, "ann1", None).await;
    let (mut a2, _) = connect(addr, "ann2", None).await;
    let (mut bob, _) = connect(addr, "bob", None).await;
    let r = post(addr, "/test/broadcast", json!({"prefix":"ann","count":2,"type":"b"})).await;
    assert_eq!(r, json!({"users": 2, "published": 4, "delivered": 4}));
    assert_eq!(seqs(&a1.events(2).await), [1, 2]);
    assert_eq!(seqs(&a2.events(2).await), [1, 2]);
    bob.quiet(100).await;
}

#[tokio::test]
async fn broadcast_refuses_ambiguous_or_empty_requests() {
    let addr = start().await;
    for body in [
        json!({"count":1,"type":"b"}),
        json!({"users":["a"],"prefix":"a","count":1,"type":"b"}),
        json!({"users":["a"],"count":0,"type":"b"}),
        json!({"users":["a"],"count":1,"type":""}),
        json!({"users":["bad user"],"count":1,"type":"b"}),
    ] {
        let (status, v) = http(addr, "POST", "/test/broadcast", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {v}");
    }
}

fn unix_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}
