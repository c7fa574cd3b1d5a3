//! `POST /api/publish` idempotency with several nodes on one Redis: racing retries on two
//! nodes, retries answered by another node, deployments (prefixes) kept apart, and a Redis
//! outage. Run by `scripts/redis-tests.sh`, which starts a private Redis; without
//! `SPELLWIRE_REDIS` every test prints why and passes, unless Redis is required (in CI, see
//! `common/redis.rs`): then it fails.

mod common;
#[path = "common/gateway.rs"]
mod gateway;
#[path = "common/redis.rs"]
mod redis_env;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gateway::*;
use redis_env::{can_restart_redis, redis_ctl, redis_url, Node};
use serde_json::{json, Value};
use spellwire_server::config::Config;

/// A fresh key prefix: one deployment per test.
fn prefix() -> String {
    redis_env::prefix("swpub")
}

/// Starts a `--dev` node with the test API key on `url` under `prefix` ([`Node::start`], whose
/// task keeps serving when the handle is dropped).
async fn node(url: &str, prefix: &str, tweak: impl FnOnce(&mut Config)) -> SocketAddr {
    let with_key = |c: &mut Config| {
        c.api_key = Some(KEY.into());
        tweak(c);
    };
    Node::start(url, prefix, with_key).await.addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_publishes_racing_on_two_nodes_store_one_event() {
    let Some(url) = redis_url() else { return };
    let p = prefix();
    let nodes = [node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await];
    let keyed = json!({ "users": ["ann", "bob"], "type": "t", "idempotencyKey": "race" });
    let racers: Vec<_> = (0..20).map(|i| tokio::spawn(publish(nodes[i % 2], keyed.clone()))).collect();
    for racer in racers {
        assert_eq!(racer.await.unwrap(), (200, json!({ "seqs": { "ann": 1, "bob": 1 } })));
    }
    assert_eq!([head(nodes[0], "ann").await, head(nodes[1], "bob").await], [1, 1]);
}

#[tokio::test]
async fn another_node_answers_a_retry_with_the_first_seq() {
    let Some(url) = redis_url() else { return };
    let p = prefix();
    let (a, b) = (node(&url, &p, |_| {}).await, node(&url, &p, |_| {}).await);
    let keyed = json!({ "user": "ann", "type": "t", "data": 1, "idempotencyKey": "cast:7:step:2" });
    assert_eq!(publish_ok(a, keyed.clone()).await, json!({ "seq": 1 }));
    assert_eq!(publish_ok(b, json!({ "user": "ann", "type": "other" })).await, json!({ "seq": 2 }));
    assert_eq!(publish_ok(b, keyed).await, json!({ "seq": 1 }), "the retry, on the other node");
    let reused = json!({ "user": "ann", "type": "t", "data": 2, "idempotencyKey": "cast:7:step:2" });
    let batch = json!({ "events": [{ "user": "ann", "type": "new", "idempotencyKey": "k2" }, reused] });
    let (status, v) = publish(b, batch).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{v}");
    assert_eq!(head(a, "ann").await, 2, "the refused batch stored nothing");
    let ttl = key_ttl(&url, &format!("{p}:idem:cast:7:step:2")).await;
    assert!((590..=600).contains(&ttl), "the key expires with the idempotency window: {ttl}");
}

#[tokio::test]
async fn deployments_with_other_prefixes_do_not_share_keys() {
    let Some(url) = redis_url() else { return };
    let (a, other) = (node(&url, &prefix(), |_| {}).await, node(&url, &prefix(), |_| {}).await);
    let keyed = |data: u64| json!({ "user": "ann", "type": "t", "data": data, "idempotencyKey": "shared-key" });
    assert_eq!(publish_ok(a, keyed(1)).await, json!({ "seq": 1 }));
    assert_eq!(publish_ok(other, keyed(2)).await, json!({ "seq": 1 }), "not a reuse: another deployment");
    assert_eq!([head(a, "ann").await, head(other, "ann").await], [1, 1]);
}

#[tokio::test]
async fn a_publish_while_redis_is_down_is_a_503_that_stored_nothing() {
    let Some(url) = redis_url() else { return };
    if !can_restart_redis() {
        return;
    }
    let a = node(&url, &prefix(), |_| {}).await;
    assert_eq!(publish_ok(a, json!({ "user": "ann", "type": "t" })).await, json!({ "seq": 1 }));
    redis_ctl("STOP");
    let keyed = json!({ "user": "ann", "type": "t", "idempotencyKey": "during-outage" });
    let (status, v) = publish(a, keyed.clone()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (503, Some("store_unavailable")), "{v}");
    redis_ctl("START");
    assert_eq!(publish_when_back(a, &keyed).await, json!({ "seq": 2 }), "the retry is the first store");
    assert_eq!(publish_ok(a, keyed).await, json!({ "seq": 2 }));
    assert_eq!(head(a, "ann").await, 2);
}

/// Seconds left on a Redis key.
async fn key_ttl(url: &str, key: &str) -> i64 {
    redis_env::cmd(&mut redis_env::direct(url).await, &["TTL", key]).await
}

/// Retries a publish until Redis answers again (the connection manager reconnects on demand).
async fn publish_when_back(addr: SocketAddr, body: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, v) = publish(addr, body.clone()).await;
        if status == 200 || Instant::now() > deadline {
            assert_eq!(status, 200, "{v}");
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
