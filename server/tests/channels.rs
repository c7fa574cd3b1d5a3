//! Channels on the memory store: many users on one log, resume by the channel's cursor,
//! replay, a second `sub`, `unsub`, and a closing socket leaving its channels.

mod common;
#[path = "common/gateway.rs"]
mod gateway;
#[path = "common/channels.rs"]
mod channels;

use channels::*;
use common::*;
use gateway::*;
use serde_json::json;

const CREW: &str = "crew:alpha";

async fn publish_n(addr: std::net::SocketAddr, channel: &str, n: u64) {
    for i in 1..=n {
        let v = publish_ok(addr, json!({ "channel": channel, "type": "status", "data": i })).await;
        assert_eq!(v, json!({ "seq": i }));
    }
}

#[tokio::test]
async fn three_users_on_one_channel_see_the_same_events_in_order() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut sockets = Vec::new();
    for user in ["ann", "bob", "cy"] {
        let mut c = connect_granting(addr, user, &["crew:*"]).await;
        let s = subscribed(&mut c, CREW, None).await;
        assert_eq!((s["after"].as_u64(), s["resumed"].as_bool()), (Some(0), Some(false)));
        assert!(s["epoch"].as_str().unwrap().ends_with(":#crew:alpha"), "{s}");
        sockets.push(c);
    }
    publish_n(addr, CREW, 5).await;
    notify(addr, "ann", "personal", json!(0)).await;
    for c in &mut sockets {
        assert_eq!(channel_seqs(c, CREW, 5).await, [1, 2, 3, 4, 5]);
    }
    let personal = sockets[0].expect("event").await;
    assert_eq!((personal["seq"].as_u64(), personal.get("channel")), (Some(1), None), "own seqs, no channel: {personal}");
    sockets[1].ping_pong(1).await;
}

#[tokio::test]
async fn a_cursor_resumes_with_exactly_the_missing_events_and_a_foreign_epoch_gets_the_whole_log() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut first = connect_granting(addr, "ann", &[CREW]).await;
    let epoch = subscribed(&mut first, CREW, None).await["epoch"].clone();
    publish_n(addr, CREW, 5).await;

    let mut again = connect_granting(addr, "ann", &[CREW]).await;
    let s = subscribed(&mut again, CREW, Some(json!({ "epoch": epoch, "seq": 3 }))).await;
    assert_eq!((s["after"].as_u64(), s["resumed"].as_bool(), s["head"].as_u64()), (Some(3), Some(true), Some(5)));
    assert_eq!(channel_seqs(&mut again, CREW, 2).await, [4, 5]);
    again.quiet(200).await;

    let mut stranger = connect_granting(addr, "bob", &[CREW]).await;
    let s = subscribed(&mut stranger, CREW, Some(json!({ "epoch": "another-life:1:#crew:alpha", "seq": 3 }))).await;
    assert_eq!((s["after"].as_u64(), s["resumed"].as_bool()), (Some(0), Some(false)));
    assert_eq!(channel_seqs(&mut stranger, CREW, 5).await, [1, 2, 3, 4, 5]);

    publish_n_from(addr, CREW, 6).await;
    assert_eq!(channel_seqs(&mut again, CREW, 1).await, [6], "live follows the replay");
}

async fn publish_n_from(addr: std::net::SocketAddr, channel: &str, seq: u64) {
    let v = publish_ok(addr, json!({ "channel": channel, "type": "status" })).await;
    assert_eq!(v, json!({ "seq": seq }));
}

#[tokio::test]
async fn replay_with_a_channel_resends_that_channels_log() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*"]).await;
    subscribed(&mut c, CREW, None).await;
    publish_n(addr, CREW, 3).await;
    notify(addr, "ann", "personal", json!(0)).await;
    assert_eq!(channel_seqs(&mut c, CREW, 3).await, [1, 2, 3]);
    c.expect("event").await;
    c.send_json(json!({ "op": "replay", "after": 1, "channel": CREW })).await;
    assert_eq!(channel_seqs(&mut c, CREW, 2).await, [2, 3]);
    c.send_json(json!({ "op": "replay", "after": 0, "channel": "crew:other" })).await;
    assert_eq!(c.expect("error").await["code"], "bad_frame", "not joined");
}

#[tokio::test]
async fn a_second_sub_answers_again_from_its_cursor_without_a_second_registration() {
    let (addr, state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &[CREW]).await;
    let epoch = subscribed(&mut c, CREW, None).await["epoch"].clone();
    publish_n(addr, CREW, 2).await;
    assert_eq!(channel_seqs(&mut c, CREW, 2).await, [1, 2]);
    let s = subscribed(&mut c, CREW, Some(json!({ "epoch": epoch, "seq": 1 }))).await;
    assert_eq!((s["after"].as_u64(), s["resumed"].as_bool()), (Some(1), Some(true)));
    assert_eq!(channel_seqs(&mut c, CREW, 1).await, [2]);
    assert_eq!(state.hub.channel_sockets(CREW), 1);
    publish_n_from(addr, CREW, 3).await;
    assert_eq!(channel_seqs(&mut c, CREW, 1).await, [3]);
    c.quiet(200).await;
}

#[tokio::test]
async fn unsub_stops_delivery_and_frees_the_sockets_place() {
    let (addr, state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*"]).await;
    subscribed(&mut c, CREW, None).await;
    subscribed(&mut c, "crew:beta", None).await;
    publish_n(addr, CREW, 1).await;
    assert_eq!(channel_seqs(&mut c, CREW, 1).await, [1]);
    c.send_json(json!({ "op": "unsub", "channel": CREW })).await;
    c.ping_pong(1).await; // the unsub was read before the ping
    assert_eq!(state.hub.channel_sockets(CREW), 0);
    publish_n_from(addr, CREW, 2).await;
    c.quiet(200).await;
    publish_ok(addr, json!({ "channel": "crew:beta", "type": "still" })).await;
    assert_eq!(channel_seqs(&mut c, "crew:beta", 1).await, [1], "the other channel carries on");
}

#[tokio::test]
async fn a_closing_socket_leaves_its_channels() {
    let (addr, state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*"]).await;
    subscribed(&mut c, CREW, None).await;
    subscribed(&mut c, "crew:beta", None).await;
    assert_eq!((state.hub.channel_sockets(CREW), state.hub.channel_sockets("crew:beta")), (1, 1));
    c.ws.close(None).await.unwrap();
    drop(c);
    eventually("the closed socket left both channels", || {
        state.hub.channel_sockets(CREW) + state.hub.channel_sockets("crew:beta") == 0
    })
    .await;
}

#[tokio::test]
async fn a_namespace_keeps_its_own_retention_and_others_keep_the_personal_one() {
    use spellwire_server::log::Retention;
    let short = Retention { max_events: 3, max_age: std::time::Duration::from_secs(60) };
    let (addr, _state) = start_state(|c| c.channel_retention = vec![("room".into(), short)]).await;
    publish_n(addr, "room:short", 5).await;
    publish_n(addr, CREW, 5).await;
    let mut c = connect_granting(addr, "ann", &["room:*", "crew:*"]).await;
    let s = subscribed(&mut c, "room:short", None).await;
    assert_eq!((s["after"].as_u64(), s["head"].as_u64()), (Some(2), Some(5)), "room keeps 3: {s}");
    assert_eq!(channel_seqs(&mut c, "room:short", 3).await, [3, 4, 5]);
    let s = subscribed(&mut c, CREW, None).await;
    assert_eq!((s["after"].as_u64(), s["head"].as_u64()), (Some(0), Some(5)), "crew keeps the default 1000: {s}");
    assert_eq!(channel_seqs(&mut c, CREW, 5).await, [1, 2, 3, 4, 5]);
}
