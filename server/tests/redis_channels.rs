//! Channels over Redis, and which events reach which node: subscribers of one channel on two
//! nodes with the publisher on a third and a node killed mid-stream, a channel cursor resumed
//! on another node, channel and user keys kept apart, per-namespace retention, resubscription
//! after a pub/sub reconnect, and a node that receives only the events of its own sockets (the
//! figure in docs/SCALING.md). Run by `scripts/redis-tests.sh`, which starts a private Redis;
//! without `SPELLWIRE_REDIS` every test prints why and passes, unless Redis is required (in CI,
//! see `common/redis.rs`): then it fails.

mod common;
#[path = "common/gateway.rs"]
mod gateway;
#[path = "common/redis.rs"]
mod redis_env;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use gateway::{publish_ok, KEY};
use redis_env::{cmd, direct, redis_url, Node};
use serde_json::{json, Value};
use spellwire_server::config::Config;
use spellwire_server::log::Retention;

/// A node with the test API key, so `/api/publish` works on it.
async fn node(url: &str, prefix: &str, tweak: impl FnOnce(&mut Config)) -> Node {
    Node::start(url, prefix, |c| {
        c.api_key = Some(KEY.into());
        tweak(c);
    })
    .await
}

/// Connects `user` (granted the demo namespaces) and joins `channel` from `resume`; returns
/// the socket and the `subscribed` frame.
async fn join(addr: SocketAddr, user: &str, channel: &str, resume: Option<Value>) -> (Client, Value) {
    let (mut c, _) = connect(addr, user, None).await;
    let mut sub = json!({ "op": "sub", "channel": channel });
    if let Some(r) = resume {
        sub["resume"] = r;
    }
    c.send_json(sub).await;
    let subscribed = c.expect("subscribed").await;
    assert_eq!(subscribed["channel"], channel, "{subscribed}");
    (c, subscribed)
}

/// Publishes events `from..=to` (data = the number) to `channel` through `POST /api/publish`,
/// five to a request (each request costs the test's HTTP client about 0.1 s).
async fn publish_range(addr: SocketAddr, channel: &str, from: u64, to: u64) {
    let all: Vec<u64> = (from..=to).collect();
    for chunk in all.chunks(5) {
        let events: Vec<Value> = chunk.iter().map(|i| json!({ "channel": channel, "type": "n", "data": i })).collect();
        let answer = publish_ok(addr, json!({ "events": events })).await;
        let seqs: Vec<Value> = chunk.iter().map(|i| json!({ "seq": i })).collect();
        assert_eq!(answer, json!({ "results": seqs }));
    }
}

/// The next `n` events, each checked to belong to `channel`; their `data`.
async fn channel_data(c: &mut Client, channel: &str, n: usize) -> Vec<u64> {
    let events = c.events(n).await;
    for e in &events {
        assert_eq!(e["channel"], channel, "{e}");
        assert_eq!(e["seq"], e["data"], "one publisher, so seq == data: {e}");
    }
    events.iter().map(|e| e["data"].as_u64().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn channel_readers_on_two_nodes_get_every_event_once_in_order_through_a_node_crash() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swchan");
    let (a, b, c) = (node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await);
    const N: u64 = 200;
    let (mut on_a, sa) = join(a.addr, "ann", "crew:alpha", None).await;
    let (mut on_b, _) = join(b.addr, "bob", "crew:alpha", None).await;
    assert_eq!((sa["head"].as_u64(), sa["resumed"].as_bool()), (Some(0), Some(false)));
    assert!(sa["epoch"].as_str().unwrap().ends_with(":#crew:alpha"), "{sa}");
    let publisher = tokio::spawn(async move { publish_range(c.addr, "crew:alpha", 1, N).await });
    assert_eq!(channel_data(&mut on_a, "crew:alpha", 60).await, (1..=60).collect::<Vec<_>>());
    a.kill("ann").await;
    let cursor = json!({ "epoch": sa["epoch"], "seq": 60 });
    let (mut again, s2) = join(b.addr, "ann", "crew:alpha", Some(cursor)).await;
    assert_eq!((s2["after"].as_u64(), s2["resumed"].as_bool()), (Some(60), Some(true)), "{s2}");
    assert_eq!(channel_data(&mut again, "crew:alpha", (N - 60) as usize).await, (61..=N).collect::<Vec<_>>());
    assert_eq!(channel_data(&mut on_b, "crew:alpha", N as usize).await, (1..=N).collect::<Vec<_>>());
    publisher.await.unwrap();
    again.quiet(200).await;
    on_b.quiet(0).await;
}

#[tokio::test]
async fn a_channel_cursor_from_one_node_resumes_on_another() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swchan");
    let (a, b) = (node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await);
    let (mut on_a, s) = join(a.addr, "cy", "room:lobby", None).await;
    publish_range(a.addr, "room:lobby", 1, 5).await;
    assert_eq!(channel_data(&mut on_a, "room:lobby", 3).await, [1, 2, 3]);
    let cursor = json!({ "epoch": s["epoch"], "seq": 3 });
    let (mut on_b, s2) = join(b.addr, "cy", "room:lobby", Some(cursor)).await;
    assert_eq!((&s2["epoch"], s2["after"].as_u64(), s2["resumed"].as_bool()), (&s["epoch"], Some(3), Some(true)));
    assert_eq!(channel_data(&mut on_b, "room:lobby", 2).await, [4, 5]);
    let foreign = json!({ "epoch": format!("{}x", s["epoch"].as_str().unwrap()), "seq": 3 });
    let (mut other, s3) = join(b.addr, "cy", "room:lobby", Some(foreign)).await;
    assert_eq!((s3["after"].as_u64(), s3["resumed"].as_bool()), (Some(0), Some(false)), "another log's cursor");
    assert_eq!(channel_data(&mut other, "room:lobby", 5).await, [1, 2, 3, 4, 5]);
    on_b.quiet(100).await;
}

#[tokio::test]
async fn a_user_named_like_a_channel_shares_no_key_no_seq_and_no_epoch_with_it() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swchan");
    let a = node(&url, &p, |_| {}).await;
    publish_range(a.addr, "crew:alpha", 1, 3).await;
    let user = publish_ok(a.addr, json!({ "user": "crew:alpha", "type": "personal" })).await;
    assert_eq!(user, json!({ "seq": 1 }), "the user's own log starts at 1");
    let (mut c, welcome) = connect(a.addr, "crew:alpha", None).await;
    assert_eq!(welcome["head"], 1);
    let personal = c.expect("event").await;
    assert_eq!((personal.get("channel"), &personal["type"]), (None, &json!("personal")), "{personal}");
    c.send_json(json!({ "op": "sub", "channel": "crew:alpha" })).await;
    let s = c.expect("subscribed").await;
    assert_eq!(s["head"], 3);
    assert_ne!(s["epoch"], welcome["epoch"]);
    assert_eq!(channel_data(&mut c, "crew:alpha", 3).await, [1, 2, 3]);
    let mut redis = direct(&url).await;
    let log = |what: &str| format!("{p}:{what}:{{crew:alpha}}:log");
    assert_eq!(cmd::<u64>(&mut redis, &["XLEN", &log("u")]).await, 1);
    assert_eq!(cmd::<u64>(&mut redis, &["XLEN", &log("c")]).await, 3);
    let ttl: i64 = cmd(&mut redis, &["PTTL", &log("c")]).await;
    assert!(ttl > 0, "channel keys expire like user keys: {ttl}");
    c.quiet(100).await;
}

#[tokio::test]
async fn a_namespaces_retention_trims_its_channels_in_redis() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swchan");
    let short = Retention { max_events: 3, max_age: Duration::from_secs(60) };
    let a = node(&url, &p, |c| c.channel_retention = vec![("room".into(), short)]).await;
    publish_range(a.addr, "room:small", 1, 5).await;
    publish_range(a.addr, "crew:big", 1, 5).await;
    let (mut small, s) = join(a.addr, "dee", "room:small", None).await;
    assert_eq!((s["after"].as_u64(), s["head"].as_u64()), (Some(2), Some(5)), "3 kept: {s}");
    assert_eq!(channel_data(&mut small, "room:small", 3).await, [3, 4, 5]);
    let (mut big, s) = join(a.addr, "dee", "crew:big", None).await;
    assert_eq!(s["after"], 0);
    assert_eq!(channel_data(&mut big, "crew:big", 5).await, [1, 2, 3, 4, 5]);
    let mut redis = direct(&url).await;
    let ttl: i64 = cmd(&mut redis, &["PTTL", &format!("{p}:c:{{room:small}}:log")]).await;
    assert!((59_000..=80_000).contains(&ttl), "60 s + 2 sweeps: {ttl}");
}

/// Kills every pub/sub connection on the Redis (there is no telling the nodes' apart), which
/// other tests' nodes survive by reconnecting; like the restart tests, it wants the one test
/// thread scripts/redis-tests.sh runs with.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn after_a_pubsub_reconnect_every_stream_is_subscribed_again_and_caught_up() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swchan");
    let (a, b) = (node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await);
    let (mut reader, _) = join(a.addr, "eve", "run:7", None).await;
    publish_range(b.addr, "run:7", 1, 3).await;
    assert_eq!(channel_data(&mut reader, "run:7", 3).await, [1, 2, 3]);
    let mut redis = direct(&url).await;
    let killed: u64 = cmd(&mut redis, &["CLIENT", "KILL", "TYPE", "pubsub"]).await;
    assert!(killed >= 1, "node A's pub/sub connection");
    publish_range(b.addr, "run:7", 4, 10).await;
    assert_eq!(channel_data(&mut reader, "run:7", 7).await, (4..=10).collect::<Vec<_>>());
    let live = async {
        loop {
            let n: Vec<(String, u64)> = cmd(&mut redis, &["PUBSUB", "NUMSUB", &format!("{p}:ev:c:{{run:7}}")]).await;
            if n.first().is_some_and(|(_, n)| *n == 1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(WAIT, live).await.expect("node A subscribed again");
    publish_range(b.addr, "run:7", 11, 11).await;
    assert_eq!(channel_data(&mut reader, "run:7", 1).await, [11], "live again, not only caught up");
    reader.quiet(100).await;
}

/// Two nodes, sockets of 20 users on node A only; 200 events to those users and 200 to 20
/// users with no socket anywhere. Redis counts, for each `PUBLISH`, the subscribers that got
/// the message (`delivered`); node A must get exactly its users' events, node B nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_receives_only_the_events_of_its_sockets() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swfan");
    let fast_sweep = |c: &mut Config| c.sweep_interval = Duration::from_millis(300);
    let (a, b) = (node(&url, &p, fast_sweep).await, node(&url, &p, fast_sweep).await);
    let here: Vec<String> = (0..20).map(|i| format!("here{i}")).collect();
    let mut sockets = Vec::new();
    for user in &here {
        sockets.push(connect(a.addr, user, None).await.0);
    }
    let (mut to_here, mut to_absent) = (0, 0);
    for round in 0..10 {
        for (i, user) in here.iter().enumerate() {
            let node = if i % 2 == 0 { a.addr } else { b.addr };
            to_here += notify(node, user, "n", json!(round)).await["delivered"].as_u64().unwrap();
            let absent = format!("away{i}");
            to_absent += notify(node, &absent, "n", json!(round)).await["delivered"].as_u64().unwrap();
        }
    }
    let total = to_here + to_absent;
    let by_b = total.saturating_sub(200);
    println!(
        "400 events, 200 to 20 users with a socket on node A and 200 to 20 users with none: \
         Redis delivered {total} messages to subscribed nodes ({to_here} for the first 200, {to_absent} \
         for the others), so node B, which holds no socket, received {by_b}; with one channel \
         for all events every node received every event: 800 messages, 400 at node B"
    );
    assert_eq!((to_here, to_absent), (200, 0), "only node A, only its users' events");
    for s in &mut sockets {
        assert_eq!(s.events(10).await.len(), 10);
    }
    drop(sockets);
    let gone = async {
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if notify(b.addr, "here0", "n", json!(-1)).await["delivered"] == 0 {
                return;
            }
        }
    };
    tokio::time::timeout(WAIT, gone).await.expect("node A unsubscribes once its sockets left (at a sweep)");
    let (mut back, welcome) = connect(a.addr, "here0", None).await;
    let head = welcome["head"].as_u64().unwrap();
    back.events(head as usize).await;
    let v = notify(b.addr, "here0", "n", json!("back")).await;
    assert_eq!(v["delivered"], 1, "subscribed again when a socket came back: {v}");
    assert_eq!(back.expect("event").await["seq"], head + 1);
}
