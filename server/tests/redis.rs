//! Several nodes on one Redis (`--redis`): fan-out, shared seqs, resume on any node,
//! idempotency across nodes, node and Redis restarts. Run by `scripts/redis-tests.sh`, which
//! starts a private Redis; without `SPELLWIRE_REDIS` every test prints why and passes, unless
//! Redis is required (in CI, see `common/redis.rs`): then it fails.

mod common;
#[path = "common/redis.rs"]
mod redis_env;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use redis_env::{can_restart_redis, redis_ctl, redis_url, Node};
use serde_json::{json, Value};

fn prefix() -> String {
    redis_env::prefix("swtest")
}

async fn two_nodes(url: &str) -> (Node, Node) {
    let p = prefix();
    (Node::start(url, &p, |_| {}).await, Node::start(url, &p, |_| {}).await)
}

fn cursor(welcome: &Value, seq: u64) -> Value {
    json!({ "epoch": welcome["epoch"], "seq": seq })
}

#[tokio::test]
async fn events_reach_every_socket_on_every_node_with_one_seq() {
    let Some(url) = redis_url() else { return };
    let (a, b) = two_nodes(&url).await;
    let (mut on_a, wa) = connect(a.addr, "ann", None).await;
    let (mut on_b, wb) = connect(b.addr, "ann", None).await;
    assert_eq!(wa["epoch"], wb["epoch"], "one log, one epoch");
    assert_eq!(notify(b.addr, "ann", "n", json!(1)).await["seq"], 1);
    assert_eq!(notify(a.addr, "ann", "n", json!(2)).await["seq"], 2);
    assert_eq!(notify(b.addr, "ann", "n", json!(3)).await["seq"], 3);
    assert_eq!(seqs(&on_a.events(3).await), [1, 2, 3]);
    assert_eq!(seqs(&on_b.events(3).await), [1, 2, 3]);
    on_a.quiet(200).await;
    on_b.quiet(0).await;
}

#[tokio::test]
async fn offline_notification_is_delivered_on_either_node() {
    let Some(url) = redis_url() else { return };
    let (a, b) = two_nodes(&url).await;
    notify(a.addr, "bob", "while_away", json!(1)).await;
    notify(b.addr, "bob", "while_away", json!(2)).await;
    for node in [&a, &b] {
        let (mut c, w) = connect(node.addr, "bob", None).await;
        assert_eq!((w["after"].as_u64(), w["resumed"].as_bool()), (Some(0), Some(false)));
        assert_eq!(seqs(&c.events(2).await), [1, 2]);
        c.quiet(100).await;
    }
}

#[tokio::test]
async fn cursor_from_one_node_resumes_on_another() {
    let Some(url) = redis_url() else { return };
    let (a, b) = two_nodes(&url).await;
    let (mut on_a, w) = connect(a.addr, "cat", None).await;
    for i in 1..=5 {
        notify(a.addr, "cat", "n", json!(i)).await;
    }
    assert_eq!(seqs(&on_a.events(3).await), [1, 2, 3]);
    let (mut on_b, wb) = connect(b.addr, "cat", Some(cursor(&w, 3))).await;
    assert_eq!((wb["after"].as_u64(), wb["resumed"].as_bool()), (Some(3), Some(true)));
    assert_eq!(seqs(&on_b.events(2).await), [4, 5]);
    on_b.quiet(200).await;
}

#[tokio::test]
async fn node_dropped_mid_stream_loses_nothing_after_reconnect_elsewhere() {
    let Some(url) = redis_url() else { return };
    let (a, b) = two_nodes(&url).await;
    const N: u64 = 300;
    let (mut on_a, w) = connect(a.addr, "dan", None).await;
    let b_addr = b.addr;
    let burst = tokio::spawn(async move {
        for i in 1..=N {
            notify(b_addr, "dan", "n", json!(i)).await;
        }
    });
    let mut got = seqs(&on_a.events(40).await);
    a.kill("dan").await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout(Duration::from_millis(100), futures_util::StreamExt::next(&mut on_a.ws)).await {}
    burst.await.unwrap();
    let last = *got.last().unwrap();
    let (mut on_b, wb) = connect(b.addr, "dan", Some(cursor(&w, last))).await;
    assert_eq!(wb["resumed"], true);
    got.extend(seqs(&on_b.events((N - last) as usize).await));
    on_b.quiet(200).await;
    assert_eq!(got, (1..=N).collect::<Vec<u64>>(), "exactly 1..N: none lost, none repeated");
}

#[tokio::test]
async fn message_applied_on_one_node_is_not_applied_again_on_another() {
    let Some(url) = redis_url() else { return };
    let (a, b) = two_nodes(&url).await;
    let msg = json!({ "op": "send", "id": "m-1", "type": "chat", "data": { "text": "hi" } });
    let (mut on_a, _) = connect(a.addr, "eve", None).await;
    on_a.send_json(msg.clone()).await;
    assert_eq!(on_a.expect("ack").await["id"], "m-1");
    assert_eq!(on_a.expect("event").await["seq"], 1);
    let (mut on_b, _) = connect(b.addr, "eve", None).await;
    assert_eq!(on_b.expect("event").await["seq"], 1, "replay of the applied message");
    on_b.send_json(msg).await;
    assert_eq!(on_b.expect("ack").await["id"], "m-1", "a resend is acked");
    on_b.quiet(300).await;
    on_a.quiet(0).await;
    let (_, v) = http(b.addr, "GET", "/test/received/eve", None).await;
    assert_eq!(v["messages"].as_array().unwrap().len(), 1, "applied once: {v}");
}

#[tokio::test]
async fn node_restart_keeps_the_epoch_and_honours_cursors() {
    let Some(url) = redis_url() else { return };
    let p = prefix();
    let a = Node::start(&url, &p, |_| {}).await;
    let (_, w) = connect(a.addr, "fay", None).await;
    for i in 1..=3 {
        notify(a.addr, "fay", "n", json!(i)).await;
    }
    a.kill("fay").await;
    let a2 = Node::start(&url, &p, |_| {}).await;
    let (mut c, w2) = connect(a2.addr, "fay", Some(cursor(&w, 2))).await;
    assert_eq!(w2["epoch"], w["epoch"]);
    assert_eq!((w2["after"].as_u64(), w2["resumed"].as_bool()), (Some(2), Some(true)));
    assert_eq!(seqs(&c.events(1).await), [3]);
}

#[tokio::test]
async fn retention_by_count_is_kept_in_redis() {
    let Some(url) = redis_url() else { return };
    let a = Node::start(&url, &prefix(), |c| c.retain_events = 3).await;
    let (_, w) = connect(a.addr, "gus", None).await;
    for i in 1..=5 {
        notify(a.addr, "gus", "n", json!(i)).await;
    }
    let (mut c, w2) = connect(a.addr, "gus", Some(cursor(&w, 1))).await;
    assert_eq!((w2["after"].as_u64(), w2["resumed"].as_bool()), (Some(2), Some(false)));
    assert_eq!(seqs(&c.events(3).await), [3, 4, 5]);
    c.quiet(200).await;
}

/// Retries a notify until Redis answers again (the connection manager reconnects on demand).
async fn notify_when_back(addr: SocketAddr, user: &str, data: Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = json!({ "user": user, "type": "n", "data": data });
        let (status, v) = http(addr, "POST", "/api/notify", Some(body)).await;
        if status == 200 || Instant::now() > deadline {
            assert_eq!(status, 200, "{v}");
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn redis_restart_with_aof_loses_nothing() {
    let Some(url) = redis_url() else { return };
    if !can_restart_redis() {
        return;
    }
    let (a, b) = two_nodes(&url).await;
    let (mut on_a, w) = connect(a.addr, "hal", None).await;
    let (mut on_b, _) = connect(b.addr, "hal", None).await;
    notify(b.addr, "hal", "n", json!(1)).await;
    notify(b.addr, "hal", "n", json!(2)).await;
    assert_eq!(seqs(&on_a.events(2).await), [1, 2]);

    redis_ctl("STOP");
    let (status, v) = http(b.addr, "POST", "/api/notify", Some(json!({"user": "hal", "type": "n"}))).await;
    assert_eq!((status, v["error"]["code"].as_str()), (503, Some("store_unavailable")), "{v}");
    assert_eq!(http(a.addr, "GET", "/api/health", None).await.0, 503);
    on_b.send_json(json!({ "op": "send", "id": "m-9", "type": "chat" })).await;
    assert_eq!(on_b.close_code().await.0, 1013, "a send that cannot be stored is not acked");

    redis_ctl("START");
    assert_eq!(notify_when_back(b.addr, "hal", json!(3)).await["seq"], 3, "seq continues");
    assert_eq!(seqs(&on_a.events(1).await), [3], "the socket on A survived and catches up");
    let (mut again, w2) = connect(b.addr, "hal", Some(cursor(&w, 2))).await;
    assert_eq!((w2["epoch"].clone(), w2["resumed"].as_bool()), (w["epoch"].clone(), Some(true)));
    again.send_json(json!({ "op": "send", "id": "m-9", "type": "chat" })).await;
    let frames = [again.next().await, again.next().await];
    assert_eq!(frames.iter().map(|f| f["seq"].as_u64()).collect::<Vec<_>>(), [Some(3), None]);
    assert_eq!(frames[1]["op"], "ack");
    assert_eq!(again.expect("event").await["seq"], 4, "the resent message is applied now");
}
