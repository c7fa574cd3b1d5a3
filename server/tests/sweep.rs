//! Forgetting idle users, seen from clients (memory store, 1 s retention, a sweep every
//! 100 ms): a user who comes back after being forgotten gets a new log and is told so
//! (`resumed: false`), never a cursor honoured in a log that reuses its seqs; a user with a
//! socket, or one whose socket left less than a retention period ago, is not forgotten; and
//! the message ids remembered per user are capped by `--ids-per-user`.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

async fn server(tweak: impl FnOnce(&mut spellwire_server::config::Config)) -> SocketAddr {
    start_with(|c| {
        c.test_hooks = true;
        c.retain_secs = 1;
        c.sweep_interval = Duration::from_millis(100);
        tweak(c);
    })
    .await
}

fn cursor(welcome: &Value, seq: u64) -> Value {
    json!({ "epoch": welcome["epoch"], "seq": seq })
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[tokio::test]
async fn a_user_forgotten_while_away_gets_a_new_epoch_not_a_reused_seq() {
    let addr = server(|_| {}).await;
    let (mut c, w) = connect(addr, "ann", None).await;
    notify(addr, "ann", "n", json!("old")).await;
    assert_eq!(seqs(&c.events(1).await), [1]);
    drop(c);
    sleep_ms(2_500).await; // the event ages out (1 s), then the socket's retention (1 s)
    assert_eq!(notify(addr, "ann", "n", json!("new")).await["seq"], 1, "a new log starts at 1");
    let (mut back, w2) = connect(addr, "ann", Some(cursor(&w, 1))).await;
    assert_ne!(w2["epoch"], w["epoch"]);
    assert_eq!((w2["resumed"].as_bool(), w2["after"].as_u64()), (Some(false), Some(0)));
    let replay = back.events(1).await;
    assert_eq!(replay[0]["data"], "new", "the new log's seq 1 is delivered, not skipped as seen");
}

#[tokio::test]
async fn a_user_with_a_socket_is_never_forgotten() {
    let addr = server(|_| {}).await;
    let (mut c, w) = connect(addr, "bob", None).await;
    notify(addr, "bob", "n", json!(1)).await;
    sleep_ms(2_500).await; // the event aged out long ago; the socket holds the user
    assert_eq!(notify(addr, "bob", "n", json!(2)).await["seq"], 2, "the log goes on");
    assert_eq!(seqs(&c.events(2).await), [1, 2]);
    let (_, w2) = connect(addr, "bob", Some(cursor(&w, 2))).await;
    assert_eq!((w2["epoch"].clone(), w2["resumed"].as_bool()), (w["epoch"].clone(), Some(true)));
}

#[tokio::test]
async fn a_user_whose_socket_just_left_keeps_the_cursor() {
    let addr = server(|_| {}).await;
    let (mut c, w) = connect(addr, "cat", None).await;
    notify(addr, "cat", "n", json!(1)).await;
    assert_eq!(seqs(&c.events(1).await), [1]);
    sleep_ms(1_500).await; // the log is empty now; only the socket keeps the user
    drop(c);
    sleep_ms(400).await; // a blip: four sweeps, well within a retention period
    let (_, w2) = connect(addr, "cat", Some(cursor(&w, 1))).await;
    assert_eq!((w2["epoch"].clone(), w2["resumed"].as_bool()), (w["epoch"].clone(), Some(true)));
}

#[tokio::test]
async fn message_ids_are_capped_per_user() {
    let addr = server(|c| c.ids_per_user = 2).await;
    let (mut c, _) = connect(addr, "dan", None).await;
    let send = |id: &str| json!({ "op": "send", "id": id, "type": "chat" });
    let mut applied = Vec::new();
    for id in ["m1", "m2", "m3", "m3", "m2", "m1"] {
        c.send_json(send(id)).await;
        let mut f = c.next().await;
        if f["op"] == "event" {
            applied.push(id);
            f = c.next().await;
        }
        assert_eq!((f["op"].as_str(), f["id"].as_str()), (Some("ack"), Some(id)));
    }
    assert_eq!(applied, ["m1", "m2", "m3", "m1"]);
    let (_, v) = http(addr, "GET", "/test/received/dan", None).await;
    let ids: Vec<&str> = v["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["m1", "m2", "m3", "m1"], "m1 was forgotten (3 ids, 2 kept); m2, m3 were not");
}
