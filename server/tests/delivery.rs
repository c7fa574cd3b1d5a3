//! Live delivery: notify reaches every tab of the user, and only that user.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn login_notify_receive() {
    let addr = start().await;
    let (mut c, welcome) = connect(addr, "ann", None).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["after"], 0);
    assert_eq!(welcome["heartbeatMs"], 25_000);
    let r = post(addr, "/api/notify", json!({"user":"ann","type":"hi","topic":"room:1","data":{"x":1}})).await;
    assert_eq!(r, json!({"seq": 1, "delivered": 1}));
    let e = c.expect("event").await;
    assert_eq!(e, json!({"op":"event","seq":1,"type":"hi","topic":"room:1","data":{"x":1}}));
}

#[tokio::test]
async fn every_tab_gets_the_event() {
    let addr = start().await;
    let (mut a, _) = connect(addr, "ann", None).await;
    let (mut b, _) = connect(addr, "ann", None).await;
    let r = notify(addr, "ann", "hi", json!(1)).await;
    assert_eq!(r["delivered"], 2);
    assert_eq!(a.expect("event").await["seq"], 1);
    assert_eq!(b.expect("event").await["seq"], 1);
}

#[tokio::test]
async fn users_are_isolated() {
    let addr = start().await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    let (mut bob, _) = connect(addr, "bob", None).await;
    notify(addr, "ann", "secret", json!("for ann")).await;
    assert_eq!(ann.expect("event").await["data"], "for ann");
    bob.quiet(300).await;
    let r = notify(addr, "bob", "x", json!(null)).await;
    assert_eq!(r["seq"], 1, "bob has his own sequence");
}

#[tokio::test]
async fn bursts_are_batched_in_order_without_duplicates() {
    // 300 sends back to back are over the default frame burst (200): raised here, since this
    // test is about the batching of what they publish.
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.limits.frame_burst = 1000;
    })
    .await;
    let (mut c, _) = connect(addr, "ann", None).await;
    // Publish a burst before the writer can drain it, through a second socket's sends.
    let (mut sender, _) = connect(addr, "ann", None).await;
    let burst: String = (0..300)
        .map(|i| json!({"op":"send","id":format!("m{i}"),"type":"t","data":i}).to_string())
        .collect::<Vec<_>>()
        .join("\n");
    for line in burst.lines() {
        sender.send_text(line).await;
    }
    let events = c.events(300).await;
    assert_eq!(seqs(&events), (1..=300).collect::<Vec<u64>>());
    assert!(c.arrays >= 1, "expected at least one array message");
    c.quiet(200).await;
}

#[tokio::test]
async fn a_cast_streams_its_steps() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    let r = post(addr, "/api/spells/fireball/cast", json!({"user":"ann","steps":2,"stepMs":0})).await;
    let id = r["castId"].as_str().unwrap().to_owned();
    let events = c.events(2 + 2 * 5).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let step = ["step_started", "tool_start", "tool_progress", "tool_end", "step_completed"];
    let want: Vec<&str> = [&["cast_started"][..], &step, &step, &["cast_completed"]].concat();
    assert_eq!(kinds, want);
    assert!(events.iter().all(|e| e["topic"] == format!("cast:{id}")));
    assert_eq!(events[0]["data"], json!({"castId": id, "spell": "fireball", "steps": 2}));
    assert_eq!(events[5]["data"]["progress"], 0.5);
    assert_eq!(events[10]["data"]["progress"], 1.0);
    assert_eq!(events[11]["data"]["outputs"].as_array().unwrap().len(), 2);
}
