//! The per-socket limits over real sockets: the frame rate (close 4429) and replays (one per
//! interval, the rest merged), each with what the limit must not cost: frames accepted before,
//! the user's other sockets, live events.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use spellwire::protocol::CLOSE_RATE_LIMITED;
use spellwire_server::limits::Limits;

/// A `--dev --test-hooks` server with `limits`.
async fn start_limited(limits: Limits) -> std::net::SocketAddr {
    start_with(|c| {
        c.test_hooks = true;
        c.limits = limits;
    })
    .await
}

#[tokio::test]
async fn a_socket_over_its_frame_rate_is_closed_4429_and_nothing_it_had_sent_is_lost() {
    let addr = start_limited(Limits { frames_per_sec: 20, frame_burst: 10, ..Limits::default() }).await;
    let (mut calm, _) = connect(addr, "ann", None).await;
    let (mut flood, _) = connect(addr, "ann", None).await;
    for i in 0..5 {
        flood.send_json(json!({ "op": "send", "id": format!("s{i}"), "type": "chat", "data": i })).await;
    }
    for _ in 0..5 {
        flood.next().await; // the acks and their echoes, in some order
        flood.next().await;
    }
    for i in 0..100 {
        flood.send_json(json!({ "op": "ping", "id": i })).await;
    }
    let (code, reason) = flood.close_code().await;
    assert_eq!((code, reason.as_str()), (CLOSE_RATE_LIMITED, "too many frames; slow down"));
    let (_, got) = http(addr, "GET", "/test/received/ann", None).await;
    assert_eq!(got["messages"].as_array().unwrap().len(), 5, "the sends before the flood were applied");
    notify(addr, "ann", "after", json!(6)).await;
    let events = calm.events(6).await;
    assert_eq!(seqs(&events), [1, 2, 3, 4, 5, 6], "the user's other socket missed nothing");
}

#[tokio::test]
async fn a_socket_within_its_rate_is_never_limited() {
    let addr = start_limited(Limits { frames_per_sec: 50, frame_burst: 5, ..Limits::default() }).await;
    let (mut c, _) = connect(addr, "ann", None).await;
    // 40 frames over a second, twice the burst at the sustained rate's pace, and more.
    let started = Instant::now();
    for i in 0..40u64 {
        let due = started + Duration::from_millis(i * 25);
        tokio::time::sleep_until(due.into()).await;
        c.ping_pong(i).await;
    }
    c.quiet(100).await;
}

#[tokio::test]
async fn the_default_burst_takes_a_full_default_outbox_at_once() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    // A reconnecting client resends its whole outbox (queueLimit, 100 by default), then pings.
    for i in 0..100 {
        c.send_json(json!({ "op": "send", "id": format!("m{i}"), "type": "t" })).await;
    }
    c.send_json(json!({ "op": "ping", "id": 1 })).await;
    let mut ops = Vec::new();
    for _ in 0..201 {
        ops.push(c.next().await["op"].as_str().unwrap().to_owned());
    }
    assert_eq!(ops.iter().filter(|op| *op == "ack").count(), 100, "{ops:?}");
    assert_eq!(ops.last().map(String::as_str), Some("pong"));
    c.quiet(100).await;
}

#[tokio::test]
async fn replays_are_served_once_per_interval_and_the_rest_merged() {
    let interval = Duration::from_millis(400);
    let addr = start_limited(Limits { replay_interval: interval, ..Limits::default() }).await;
    let (mut c, _) = connect(addr, "ann", None).await;
    for i in 1..=5 {
        notify(addr, "ann", "e", json!(i)).await;
    }
    assert_eq!(seqs(&c.events(5).await), [1, 2, 3, 4, 5]);
    c.send_json(json!({ "op": "replay", "after": 0 })).await;
    let first = Instant::now();
    assert_eq!(seqs(&c.events(5).await), [1, 2, 3, 4, 5], "the first is served at once");
    for after in [3, 2, 4] {
        c.send_json(json!({ "op": "replay", "after": after })).await;
    }
    c.quiet(150).await;
    notify(addr, "ann", "live", json!(6)).await;
    assert_eq!(c.expect("event").await["seq"], 6, "live events are not held back");
    assert_eq!(seqs(&c.events(4).await), [3, 4, 5, 6], "one replay from the smallest after");
    assert!(first.elapsed() >= interval, "not before the interval: {:?}", first.elapsed());
    c.quiet(600).await;
}
