//! `sub`s the server will not serve: each is answered `refused` with its code, and the socket,
//! its personal stream and its other channels carry on.

mod common;
#[path = "common/gateway.rs"]
mod gateway;
#[path = "common/channels.rs"]
mod channels;

use channels::*;
use common::*;
use gateway::*;
use serde_json::json;

#[tokio::test]
async fn a_channel_the_token_does_not_grant_is_refused_forbidden_and_nothing_else_changes() {
    let (addr, state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["room:*"]).await;
    subscribed(&mut c, "room:lobby", None).await;
    let r = sub(&mut c, "crew:beta", None).await;
    assert_eq!((r["op"].as_str(), r["code"].as_str()), (Some("refused"), Some("forbidden")), "{r}");
    assert_eq!(state.hub.channel_sockets("crew:beta"), 0);
    publish_ok(addr, json!({ "channel": "crew:beta", "type": "secret" })).await;
    publish_ok(addr, json!({ "channel": "room:lobby", "type": "hello" })).await;
    notify(addr, "ann", "personal", json!(1)).await;
    assert_eq!(channel_seqs(&mut c, "room:lobby", 1).await, [1]);
    let personal = c.expect("event").await;
    assert_eq!(personal.get("channel"), None, "{personal}");
    c.ping_pong(7).await;
    c.quiet(200).await;
}

#[tokio::test]
async fn a_token_without_the_claim_grants_nothing() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &[]).await;
    let r = sub(&mut c, "crew:alpha", None).await;
    assert_eq!(r["code"], "forbidden", "{r}");
    c.ping_pong(1).await;
}

#[tokio::test]
async fn a_bad_name_is_refused_bad_channel() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*"]).await;
    for name in ["alpha", "crew:", "crew:a b", ":x", &format!("crew:{}", "a".repeat(200))] {
        let r = sub(&mut c, name, None).await;
        assert_eq!((r["op"].as_str(), r["code"].as_str()), (Some("refused"), Some("bad_channel")), "{name}: {r}");
        assert!(r["message"].as_str().unwrap().contains("channel"), "{r}");
    }
    subscribed(&mut c, "crew:alpha", None).await;
}

#[tokio::test]
async fn the_sixty_fifth_channel_is_refused_too_many_channels() {
    let (addr, state) = start_state(|c| assert_eq!(c.max_channels_per_socket, 64)).await;
    let mut c = connect_granting(addr, "ann", &["room:*"]).await;
    for i in 0..64 {
        c.send_json(json!({ "op": "sub", "channel": format!("room:{i}") })).await;
    }
    c.send_json(json!({ "op": "sub", "channel": "room:64" })).await;
    let mut answers = Vec::new();
    for _ in 0..65 {
        let f = c.next().await;
        answers.push((f["op"].as_str().unwrap().to_owned(), f["channel"].as_str().unwrap().to_owned(), f["code"].clone()));
    }
    let refused: Vec<_> = answers.iter().filter(|a| a.0 == "refused").collect();
    assert_eq!(refused.len(), 1, "{answers:?}");
    assert_eq!((refused[0].1.as_str(), refused[0].2.as_str()), ("room:64", Some("too_many_channels")));
    assert_eq!(state.hub.channel_sockets("room:63"), 1);
    assert_eq!(state.hub.channel_sockets("room:64"), 0);
    c.send_json(json!({ "op": "unsub", "channel": "room:0" })).await;
    subscribed(&mut c, "room:64", None).await;
    publish_ok(addr, json!({ "channel": "room:64", "type": "t" })).await;
    assert_eq!(channel_seqs(&mut c, "room:64", 1).await, [1], "a place freed by unsub can be taken");
}

#[tokio::test]
async fn a_refresh_changes_what_later_subs_may_join() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:alpha"]).await;
    subscribed(&mut c, "crew:alpha", None).await;
    let token = token_granting(addr, "ann", &["crew:beta"]).await;
    c.send_json(json!({ "op": "refresh", "token": token })).await;
    c.expect("refreshed").await;
    subscribed(&mut c, "crew:beta", None).await;
    publish_ok(addr, json!({ "channel": "crew:alpha", "type": "t" })).await;
    assert_eq!(channel_seqs(&mut c, "crew:alpha", 1).await, [1], "a channel already joined stays");
    let r = sub(&mut c, "crew:gamma", None).await;
    assert_eq!(r["code"], "forbidden", "{r}");
}
