//! The send proxy (`--proxy-url`) against a real little backend ([`backend`]): each answer's
//! frame, resends after a failure, timeouts, and that a slow backend blocks no socket.

mod common;
#[path = "common/backend.rs"]
mod backend;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use backend::{start_backend, Backend};
use common::*;
use serde_json::{json, Value};

/// A server forwarding sends to `url` with the secret `s3`, then `tweak`.
async fn gateway(url: &str, tweak: impl FnOnce(&mut spellwire_server::config::Config)) -> SocketAddr {
    let url = url.to_owned();
    start_with(|c| {
        c.proxy_url = Some(url);
        c.proxy_secret = Some("s3".into());
        tweak(c);
    })
    .await
}

fn send(id: &str, kind: &str, data: Value) -> Value {
    json!({ "op": "send", "id": id, "type": kind, "data": data })
}

/// Sends one message and returns the frame that answers it.
async fn ask(c: &mut Client, id: &str, kind: &str, data: Value) -> Value {
    c.send_json(send(id, kind, data)).await;
    let reply = c.next().await;
    assert_eq!(reply["id"], id, "{reply}");
    reply
}

#[tokio::test]
async fn a_send_is_posted_to_the_backend_and_its_result_acked() {
    let Backend { url, seen } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    ann.send_json(json!({ "op": "send", "id": "m1", "type": "chat", "topic": "room:1", "data": { "text": "hi" } })).await;
    let ack = ann.expect("ack").await;
    assert_eq!(ack, json!({ "op": "ack", "id": "m1", "result": { "echo": { "text": "hi" }, "n": 1 } }));
    assert_eq!(ask(&mut ann, "m2", "chat", json!(2)).await["result"]["n"], 2);
    let bodies = seen.bodies.lock().unwrap().clone();
    assert_eq!(bodies[0], json!({ "user": "ann", "id": "m1", "type": "chat", "topic": "room:1", "data": { "text": "hi" } }));
    assert_eq!(bodies[1]["topic"], Value::Null);
    assert_eq!(seen.auths.lock().unwrap()[0].as_deref(), Some("Bearer s3"));
    ann.quiet(200).await; // the backend decides what to publish; the server applies nothing
}

#[tokio::test]
async fn refusals_by_the_backend_are_nacks() {
    let Backend { url, seen } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let refused = |message: &str| ("nack", "rejected", message.to_owned());
    let verdict = |f: Value| (f["op"].as_str().unwrap().to_owned(), f["code"].as_str().unwrap().to_owned(), f["message"].as_str().unwrap().to_owned());
    let check = |f: Value, (op, code, message): (&str, &str, String)| assert_eq!(verdict(f), (op.into(), code.into(), message));
    check(ask(&mut ann, "r1", "reject", json!(null)).await, refused("not today"));
    check(ask(&mut ann, "r2", "forbidden", json!(null)).await, refused("you may not"));
    check(ask(&mut ann, "r3", "missing", json!(null)).await, refused("the backend refused the message (HTTP 404)"));
    let nack = ask(&mut ann, "r4", "", json!(null)).await;
    assert_eq!((nack["op"].as_str(), nack["code"].as_str()), (Some("nack"), Some("bad_message")));
    assert_eq!(seen.received("r4"), 0, "checked before forwarding");
}

#[tokio::test]
async fn a_5xx_is_a_retry_and_the_resend_gets_the_first_result() {
    let Backend { url, seen } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let retry = ask(&mut ann, "f1", "flaky", json!("x")).await;
    assert_eq!((retry["op"].as_str(), retry["code"].as_str()), (Some("retry"), Some("backend_unavailable")), "{retry}");
    let ack = ask(&mut ann, "f1", "flaky", json!("x")).await;
    assert_eq!(ack, json!({ "op": "ack", "id": "f1", "result": { "echo": "x", "n": 1 } }));
    assert_eq!((seen.received("f1"), seen.applied()), (2, 1), "forwarded twice, applied once");
}

#[tokio::test]
async fn no_answer_in_time_is_a_retry() {
    let Backend { url, seen } = start_backend().await;
    let addr = gateway(&url, |c| c.proxy_timeout = Duration::from_millis(300)).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let t0 = Instant::now();
    let retry = ask(&mut ann, "s1", "slow", json!({ "ms": 3000 })).await;
    assert_eq!((retry["op"].as_str(), retry["code"].as_str()), (Some("retry"), Some("backend_timeout")), "{retry}");
    assert!(t0.elapsed() < Duration::from_millis(2000), "{:?}", t0.elapsed());
    assert_eq!(seen.received("s1"), 1);
}

#[tokio::test]
async fn an_unreachable_backend_is_a_retry() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let addr = gateway(&format!("http://{closed}/send"), |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let retry = ask(&mut ann, "u1", "chat", json!(1)).await;
    assert_eq!((retry["op"].as_str(), retry["code"].as_str()), (Some("retry"), Some("backend_unavailable")), "{retry}");
    assert!(!retry["message"].as_str().unwrap().contains(&closed.to_string()), "the backend's address stays private");
}

#[tokio::test]
async fn a_garbage_answer_is_a_nack_and_the_server_carries_on() {
    let Backend { url, .. } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    for (id, kind) in [("g1", "garbage"), ("g2", "empty")] {
        let nack = ask(&mut ann, id, kind, json!(null)).await;
        assert_eq!((nack["op"].as_str(), nack["code"].as_str()), (Some("nack"), Some("bad_backend_reply")), "{nack}");
    }
    ann.ping_pong(1).await;
    assert_eq!(ask(&mut ann, "g3", "chat", json!(1)).await["op"], "ack");
}

#[tokio::test]
async fn a_slow_backend_delays_no_pong_and_no_other_user() {
    let Backend { url, .. } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let (mut bob, _) = connect(addr, "bob", None).await;
    ann.send_json(send("slow-1", "slow", json!({ "ms": 1500 }))).await;
    let t0 = Instant::now();
    ann.ping_pong(1).await;
    bob.ping_pong(2).await;
    assert_eq!(ask(&mut bob, "b1", "chat", json!(1)).await["op"], "ack");
    assert!(t0.elapsed() < Duration::from_millis(700), "waited {:?} behind the slow send", t0.elapsed());
    let ack = ann.expect("ack").await;
    assert_eq!(ack["id"], "slow-1");
    assert!(t0.elapsed() >= Duration::from_millis(1400));
}

#[tokio::test]
async fn sends_waiting_for_the_backend_are_bounded_per_socket() {
    let Backend { url, .. } = start_backend().await;
    let addr = gateway(&url, |_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let max = spellwire_server::proxy::MAX_IN_FLIGHT;
    for i in 0..=max {
        ann.send_json(send(&format!("w{i}"), "slow", json!({ "ms": 800 }))).await;
    }
    let first = ann.next().await;
    assert_eq!((first["op"].as_str(), first["code"].as_str()), (Some("retry"), Some("too_many_in_flight")), "{first}");
    assert_eq!(first["id"], format!("w{max}"));
    let mut acked: Vec<String> = Vec::new();
    for _ in 0..max {
        acked.push(ann.expect("ack").await["id"].as_str().unwrap().to_owned());
    }
    acked.sort_by_key(|id| id[1..].parse::<usize>().unwrap());
    assert_eq!(acked, (0..max).map(|i| format!("w{i}")).collect::<Vec<_>>());
    assert_eq!(ask(&mut ann, "after", "chat", json!(1)).await["op"], "ack", "places are given back");
}
