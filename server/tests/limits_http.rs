//! Size limits: the body of every HTTP route (413), and the `id` and `topic` of a socket's
//! `send` (nack `bad_message`, the socket stays open, nothing is applied).

mod common;
#[path = "common/gateway.rs"]
mod gateway;

use common::*;
use gateway::*;
use serde_json::{json, Value};
use spellwire_server::limits::Limits;

#[tokio::test]
async fn every_route_refuses_a_body_over_the_limit_with_413() {
    let addr = start_gateway(|c| c.max_body_bytes = 1000).await;
    let pad = "x".repeat(1000);
    let routes = [
        ("/api/login", None, json!({ "user": "ann", "pad": pad })),
        ("/api/notify", None, json!({ "user": "ann", "type": "t", "data": pad })),
        ("/api/spells/fire/cast", None, json!({ "user": "ann", "pad": pad })),
        ("/api/publish", Some(format!("Bearer {KEY}")), json!({ "user": "ann", "type": "t", "data": pad })),
        ("/test/drop", None, json!({ "user": "ann", "pad": pad })),
        ("/test/send-raw", None, json!({ "user": "ann", "text": pad })),
    ];
    for (path, auth, body) in routes {
        let (status, v) = post_raw(addr, path, auth.as_deref(), body.to_string()).await;
        assert_eq!((status, v["error"]["code"].as_str()), (413, Some("body_too_large")), "{path}: {v}");
    }
    assert_eq!(head(addr, "ann").await, 0, "nothing was published");
    let (status, v) = post_raw(addr, "/api/login", None, json!({ "user": "ann" }).to_string()).await;
    assert_eq!(status, 200, "a body within the limit is read: {v}");
}

/// A `send` frame with this id and topic.
fn send(id: &str, topic: Option<&str>) -> Value {
    json!({ "op": "send", "id": id, "type": "chat", "topic": topic, "data": 1 })
}

#[tokio::test]
async fn long_ids_and_topics_in_a_send_are_nacked_and_the_socket_stays_open() {
    let limits = Limits { id_chars: 8, topic_chars: 6, ..Limits::default() };
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.limits = limits;
    })
    .await;
    let (mut c, _) = connect(addr, "ann", None).await;
    let refused = [
        (send("123456789", None), "id is 9 characters; the limit is 8"),
        (send("", None), "id must not be empty"),
        (send("t1", Some("room:12")), "topic is 7 characters; the limit is 6"),
        (send("ééééééééé", None), "id is 9 characters; the limit is 8"),
    ];
    for (frame, why) in refused {
        c.send_json(frame.clone()).await;
        let nack = c.expect("nack").await;
        assert_eq!((nack["code"].as_str(), nack["message"].as_str()), (Some("bad_message"), Some(why)), "{frame}");
        assert_eq!(nack["id"], frame["id"]);
    }
    c.send_json(send("12345678", Some("room:1"))).await;
    assert_eq!(c.expect("event").await["topic"], "room:1");
    assert_eq!(c.expect("ack").await["id"], "12345678", "at the limit is accepted");
    let (_, got) = http(addr, "GET", "/test/received/ann", None).await;
    assert_eq!(got["messages"].as_array().unwrap().len(), 1, "only the accepted one was applied: {got}");
    c.ping_pong(1).await;
}

#[tokio::test]
async fn notify_holds_topics_to_the_same_limit() {
    let addr = start_with(|c| c.limits.topic_chars = 6).await;
    let body = |topic: &str| Some(json!({ "user": "ann", "type": "t", "topic": topic }));
    let (status, v) = http(addr, "POST", "/api/notify", body("room:12")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (400, Some("bad_topic")), "{v}");
    assert_eq!(http(addr, "POST", "/api/notify", body("room:1")).await.0, 200);
}
