//! The replay log: offline delivery, resume by cursor, epochs, retention, the replay op.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn events_sent_while_offline_are_replayed_on_connect() {
    let addr = start().await;
    let r = notify(addr, "ann", "while_away", json!(1)).await;
    assert_eq!(r, json!({"seq": 1, "delivered": 0}));
    notify(addr, "ann", "while_away", json!(2)).await;
    let (mut c, welcome) = connect(addr, "ann", None).await;
    assert_eq!((welcome["after"].as_u64(), welcome["resumed"].as_bool()), (Some(0), Some(false)));
    let events = c.events(2).await;
    assert_eq!(seqs(&events), [1, 2]);
    assert_eq!(events[1]["data"], 2);
    notify(addr, "ann", "live", json!(3)).await;
    assert_eq!(c.expect("event").await["seq"], 3, "live follows replay without gap or repeat");
}

#[tokio::test]
async fn resume_with_cursor_gets_only_later_events() {
    let addr = start().await;
    let (_, welcome) = connect(addr, "ann", None).await;
    let epoch = welcome["epoch"].clone();
    for i in 1..=5 {
        notify(addr, "ann", "n", json!(i)).await;
    }
    let (mut c, welcome) = connect(addr, "ann", Some(json!({"epoch": epoch, "seq": 3}))).await;
    assert_eq!(welcome["resumed"], true);
    assert_eq!(welcome["after"], 3);
    assert_eq!(seqs(&c.events(2).await), [4, 5]);
    c.quiet(200).await;
}

#[tokio::test]
async fn another_users_cursor_is_not_honoured() {
    let addr = start().await;
    for i in 1..=3 {
        notify(addr, "ann", "n", json!(i)).await;
        notify(addr, "bob", "n", json!(i)).await;
    }
    let (_, ann) = connect(addr, "ann", None).await;
    let cursor = json!({"epoch": ann["epoch"], "seq": 2});
    let (mut bob, welcome) = connect(addr, "bob", Some(cursor)).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(seqs(&bob.events(3).await), [1, 2, 3]);
}

#[tokio::test]
async fn wrong_epoch_replays_whole_log() {
    let addr = start().await;
    for i in 1..=3 {
        notify(addr, "ann", "n", json!(i)).await;
    }
    let stale = json!({"epoch": "from-a-previous-life", "seq": 2});
    let (mut c, welcome) = connect(addr, "ann", Some(stale)).await;
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["after"], 0);
    assert_ne!(welcome["epoch"], "from-a-previous-life");
    assert_eq!(seqs(&c.events(3).await), [1, 2, 3]);
}

#[tokio::test]
async fn retention_by_count_drops_oldest_and_refuses_stale_cursor() {
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.retain_events = 3;
    })
    .await;
    let (_, w) = connect(addr, "ann", None).await;
    for i in 1..=5 {
        notify(addr, "ann", "n", json!(i)).await;
    }
    let cursor = json!({"epoch": w["epoch"], "seq": 1});
    let (mut c, welcome) = connect(addr, "ann", Some(cursor)).await;
    assert_eq!((welcome["after"].as_u64(), welcome["resumed"].as_bool()), (Some(2), Some(false)));
    assert_eq!(seqs(&c.events(3).await), [3, 4, 5]);
    c.quiet(200).await;
}

#[tokio::test]
async fn retention_by_age() {
    let addr = start_with(|c| c.retain_secs = 0).await;
    notify(addr, "ann", "n", json!(1)).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (mut c, welcome) = connect(addr, "ann", None).await;
    assert_eq!(welcome["after"], 1);
    c.quiet(200).await;
}

#[tokio::test]
async fn replay_op_resends_retained_events() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    for i in 1..=4 {
        notify(addr, "ann", "n", json!(i)).await;
    }
    assert_eq!(seqs(&c.events(4).await), [1, 2, 3, 4]);
    c.send_json(json!({"op":"replay","after":1})).await;
    assert_eq!(seqs(&c.events(3).await), [2, 3, 4]);
    c.quiet(200).await;
}

#[tokio::test]
async fn large_replay_arrives_in_arrays_of_at_most_100() {
    let addr = start().await;
    for i in 0..250 {
        notify(addr, "ann", "n", json!(i)).await;
    }
    let (mut c, _) = connect(addr, "ann", None).await;
    let events = c.events(250).await;
    assert_eq!(seqs(&events), (1..=250).collect::<Vec<u64>>());
    assert!(c.arrays >= 3, "250 events need at least 3 arrays, got {}", c.arrays);
}

#[tokio::test]
async fn connecting_during_a_burst_sees_no_gap_and_no_repeat() {
    let addr = start().await;
    let burst = tokio::spawn(async move {
        for i in 0..200 {
            notify(addr, "ann", "n", json!(i)).await;
        }
    });
    let mut clients = Vec::new();
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        clients.push(connect(addr, "ann", None).await);
    }
    burst.await.unwrap();
    for (mut c, welcome) in clients {
        let after = welcome["after"].as_u64().unwrap();
        let events = c.events((200 - after) as usize).await;
        assert_eq!(seqs(&events), (after + 1..=200).collect::<Vec<u64>>());
        c.quiet(100).await;
    }
}
