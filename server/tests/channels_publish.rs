//! `POST /api/publish` and `--dev`'s `/api/notify` to channels: the shapes, their answers, the
//! refusals, idempotency keys, and delivery to the channel's sockets.

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
async fn channel_and_channels_are_answered_with_each_channels_seq_and_delivered() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*", "room:*"]).await;
    subscribed(&mut c, "crew:a", None).await;
    subscribed(&mut c, "room:1", None).await;
    assert_eq!(publish_ok(addr, json!({ "channel": "crew:a", "type": "t", "data": 1 })).await, json!({ "seq": 1 }));
    let v = publish_ok(addr, json!({ "channels": ["crew:a", "room:1"], "type": "t", "topic": "x", "data": 2 })).await;
    assert_eq!(v, json!({ "seqs": { "crew:a": 2, "room:1": 1 } }));
    let events = c.events(3).await;
    let got: Vec<(&str, u64)> = events.iter().map(|e| (e["channel"].as_str().unwrap(), e["seq"].as_u64().unwrap())).collect();
    assert_eq!(got, [("crew:a", 1), ("crew:a", 2), ("room:1", 1)]);
    assert_eq!((events[2]["topic"].as_str(), &events[2]["data"]), (Some("x"), &json!(2)));
}

#[tokio::test]
async fn a_batch_mixes_users_and_channels_and_a_retry_with_a_key_stores_nothing() {
    let (addr, _state) = start_state(|_| {}).await;
    let body = json!({ "events": [
        { "user": "ann", "type": "a" },
        { "channel": "crew:a", "type": "b", "idempotencyKey": "k1" },
        { "channels": ["crew:a", "crew:b"], "type": "c", "idempotencyKey": "k2" },
    ]});
    let want = json!({ "results": [{ "seq": 1 }, { "seq": 1 }, { "seqs": { "crew:a": 2, "crew:b": 1 } }] });
    assert_eq!(publish_ok(addr, body.clone()).await, want);
    let retry = json!({ "events": [body["events"][1].clone(), body["events"][2].clone()] });
    assert_eq!(publish_ok(addr, retry).await, json!({ "results": [{ "seq": 1 }, { "seqs": { "crew:a": 2, "crew:b": 1 } }] }));
    let reused = json!({ "channel": "crew:b", "type": "b", "idempotencyKey": "k1" });
    let (status, v) = publish(addr, reused).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{v}");
    let same_name_user = json!({ "user": "crew:a", "type": "b", "idempotencyKey": "k1" });
    assert_eq!(publish(addr, same_name_user).await.0, 422, "a user named like the channel is another event");
    assert_eq!(publish_ok(addr, json!({ "channel": "crew:a", "type": "d" })).await, json!({ "seq": 3 }));
}

#[tokio::test]
async fn users_and_channels_together_or_a_bad_name_are_refused_with_a_clear_message() {
    let (addr, _state) = start_state(|_| {}).await;
    let cases = [
        (json!({ "user": "ann", "channel": "crew:a", "type": "t" }), 400, "bad_request", "not both"),
        (json!({ "users": ["ann"], "channels": ["crew:a"], "type": "t" }), 400, "bad_request", "not both"),
        (json!({ "channel": "crew", "type": "t" }), 422, "bad_channel", "namespace:name"),
        (json!({ "events": [{ "user": "ann", "type": "t" }, { "channels": ["crew:a", "crew:a b"], "type": "t" }] }), 422, "bad_channel", "events[1]: \"crew:a b\""),
        (json!({ "channels": ["crew:a", "crew:a"], "type": "t" }), 400, "bad_channel", "distinct"),
    ];
    for (body, status, code, says) in cases {
        let (got, v) = publish(addr, body.clone()).await;
        assert_eq!((got, v["error"]["code"].as_str()), (status, Some(code)), "{body}: {v}");
        assert!(v["error"]["message"].as_str().unwrap().contains(says), "{body}: {v}");
    }
    assert_eq!(publish_ok(addr, json!({ "channel": "crew:a", "type": "t" })).await, json!({ "seq": 1 }), "nothing stored");
}

#[tokio::test]
async fn dev_notify_takes_a_channel() {
    let (addr, _state) = start_state(|_| {}).await;
    let mut c = connect_granting(addr, "ann", &["crew:*"]).await;
    subscribed(&mut c, "crew:a", None).await;
    let v = post(addr, "/api/notify", json!({ "channel": "crew:a", "type": "t" })).await;
    assert_eq!(v, json!({ "seq": 1, "delivered": 1 }));
    assert_eq!(channel_seqs(&mut c, "crew:a", 1).await, [1]);
    let (status, v) = http(addr, "POST", "/api/notify", Some(json!({ "channel": "crew", "type": "t" }))).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("bad_channel")));
    let (status, _) = http(addr, "POST", "/api/notify", Some(json!({ "channel": "crew:a", "user": "ann", "type": "t" }))).await;
    assert_eq!(status, 400);
}
