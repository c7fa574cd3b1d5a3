//! Redis keys that cannot collide, expire, and hold capped message ids: user names with `:`
//! and message ids shaped like key suffixes stay apart; an idle user's keys vanish and a
//! returning user gets a new log (`resumed: false`); a connected user's keys are kept alive;
//! ids are capped per user and expire. Run by `scripts/redis-tests.sh` (see `common/redis.rs`
//! for when a missing Redis skips and when it fails).

mod common;
#[path = "common/redis.rs"]
mod redis_env;

use std::time::Duration;

use common::*;
use redis_env::{cmd, direct, redis_url, Node};
use serde_json::{json, Value};
use spellwire_server::redis_store::keys::user_key;

/// A node with a 1 s retention, swept every 100 ms: its keys live 1.2 s after the last write.
async fn short_lived(url: &str, prefix: &str) -> Node {
    Node::start(url, prefix, |c| {
        c.retain_secs = 1;
        c.sweep_interval = Duration::from_millis(100);
    })
    .await
}

/// Sends `id` and reads up to its ack (with Redis, the applied event may come before or after).
async fn send(c: &mut Client, id: &str) {
    c.send_json(json!({ "op": "send", "id": id, "type": "chat" })).await;
    loop {
        let f = c.next().await;
        if f["op"] == "ack" {
            assert_eq!(f["id"], id);
            return;
        }
    }
}

/// The ids of the messages applied for `user`, oldest first (`/test/received`).
async fn applied(addr: std::net::SocketAddr, user: &str) -> Vec<String> {
    let (_, v) = http(addr, "GET", &format!("/test/received/{user}"), None).await;
    v["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_owned()).collect()
}

fn cursor(welcome: &Value, seq: u64) -> Value {
    json!({ "epoch": welcome["epoch"], "seq": seq })
}

#[tokio::test]
async fn a_message_id_never_writes_another_users_keys() {
    let Some(url) = redis_url() else { return };
    let a = Node::start(&url, &redis_env::prefix("swkeys"), |_| {}).await;
    // With keys joined by ':' alone, user "a"'s id "b:log" named the log of user "a:id:b",
    // and id "c:head" the seq counter of user "a:id:c".
    assert_eq!(notify(a.addr, "a:id:b", "n", json!(1)).await["seq"], 1);
    let (mut c, _) = connect(a.addr, "a", None).await;
    for id in ["b:log", "c:head", "c:head"] {
        send(&mut c, id).await;
    }
    assert_eq!(applied(a.addr, "a").await, ["b:log", "c:head"], "new ids applied, whatever they look like; a resend not");
    assert_eq!(notify(a.addr, "a:id:b", "n", json!(2)).await["seq"], 2);
    assert_eq!(notify(a.addr, "a:id:c", "n", json!(1)).await["seq"], 1, "a:id:c's counter is its own");
}

#[tokio::test]
async fn an_idle_users_keys_expire_and_a_returning_user_gets_a_new_log() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swexp");
    let a = short_lived(&url, &p).await;
    let mut r = direct(&url).await;
    let (mut c, w) = connect(a.addr, "ann", None).await;
    notify(a.addr, "ann", "n", json!("old")).await;
    assert_eq!(seqs(&c.events(1).await), [1]);
    for what in ["meta", "log"] {
        let ttl: i64 = cmd(&mut r, &["PTTL", &user_key(&p, "ann", what)]).await;
        assert!((1..=1_200).contains(&ttl), "{what} expires within retention + 2 sweeps: {ttl} ms");
    }
    drop(c);
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let left: i64 = cmd(&mut r, &["EXISTS", &user_key(&p, "ann", "meta"), &user_key(&p, "ann", "log")]).await;
    assert_eq!(left, 0, "no socket, retention passed: the keys are gone");
    assert_eq!(notify(a.addr, "ann", "n", json!("new")).await["seq"], 1);
    let (mut back, w2) = connect(a.addr, "ann", Some(cursor(&w, 1))).await;
    assert_ne!(w2["epoch"], w["epoch"], "a new generation");
    assert_eq!((w2["resumed"].as_bool(), w2["after"].as_u64()), (Some(false), Some(0)));
    assert_eq!(back.events(1).await[0]["data"], "new");
}

#[tokio::test]
async fn a_connected_users_keys_are_kept_alive_by_its_node() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swlive");
    let a = short_lived(&url, &p).await;
    let (mut c, w) = connect(a.addr, "bob", None).await;
    notify(a.addr, "bob", "n", json!(1)).await;
    tokio::time::sleep(Duration::from_millis(2_500)).await; // twice the keys' lifetime
    assert_eq!(notify(a.addr, "bob", "n", json!(2)).await["seq"], 2, "the log goes on");
    assert_eq!(seqs(&c.events(2).await), [1, 2]);
    let (_, w2) = connect(a.addr, "bob", Some(cursor(&w, 2))).await;
    assert_eq!((w2["epoch"].clone(), w2["resumed"].as_bool()), (w["epoch"].clone(), Some(true)));
}

#[tokio::test]
async fn sockets_whose_log_vanished_are_closed_to_resume_elsewhere() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swlost");
    let a = short_lived(&url, &p).await;
    let (mut c, _) = connect(a.addr, "cat", None).await;
    let mut r = direct(&url).await;
    let _: i64 = cmd(&mut r, &["DEL", &user_key(&p, "cat", "meta")]).await;
    assert_eq!(c.close_code().await.0, 1013, "the next sweep finds the log gone");
}

#[tokio::test]
async fn message_ids_are_capped_per_user_and_expire() {
    let Some(url) = redis_url() else { return };
    let p = redis_env::prefix("swids");
    let a = Node::start(&url, &p, |c| c.ids_per_user = 2).await;
    let (mut c, _) = connect(a.addr, "dan", None).await;
    for id in ["m1", "m2", "m3", "m3", "m2", "m1"] {
        send(&mut c, id).await;
    }
    let want = ["m1", "m2", "m3", "m1"];
    assert_eq!(applied(a.addr, "dan").await, want, "m1 was forgotten (3 ids, 2 kept); m2, m3 were not");
    let mut r = direct(&url).await;
    let ids = user_key(&p, "dan", "ids");
    assert_eq!(cmd::<i64>(&mut r, &["ZCARD", &ids]).await, 2);
    let ttl: i64 = cmd(&mut r, &["TTL", &ids]).await;
    assert!((86_390..=86_400).contains(&ttl), "ids expire after --ids-ttl-secs: {ttl}");
}
