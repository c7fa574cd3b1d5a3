//! The HTTP transport over Redis: any node takes a stream's POSTs. The stream on node A, its
//! sends through node B acked in B's answer and delivered on A's stream; a `sub` through B
//! answered on A's stream; frames for a stream whose node is gone: 404. Run by
//! `scripts/redis-tests.sh`; without `SPELLWIRE_REDIS` the tests print why and pass, unless
//! Redis is required (see `common/redis.rs`).

mod common;
#[path = "common/http_client.rs"]
mod http_client;
#[path = "common/redis.rs"]
mod redis_env;

use common::{login, seqs, Frames};
use http_client::{open, send, session};
use redis_env::{prefix, redis_url, Node};
use serde_json::json;

#[tokio::test]
async fn the_stream_on_one_node_takes_posts_through_another() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix("http");
    let (a, b) = (Node::start(&url, &prefix, |_| {}).await, Node::start(&url, &prefix, |_| {}).await);
    let token = login(a.addr, "ann").await;
    let (mut stream, welcome) = open(a.addr, &token, None).await;
    let id = session(&welcome);
    let msg = json!({ "op": "send", "id": "m1", "type": "chat", "data": "hi" });
    let (status, answer) = send(b.addr, &token, &id, json!([msg, { "op": "ping", "id": 3 }])).await;
    assert_eq!((status, answer), (200, json!([{ "op": "ack", "id": "m1" }, { "op": "pong", "id": 3 }])));
    let echoed = stream.expect("event").await;
    assert_eq!((echoed["type"].as_str(), echoed["data"].as_str()), (Some("chat"), Some("hi")));
    let (status, answer) = send(b.addr, &token, &id, msg).await;
    assert_eq!((status, answer), (200, json!([{ "op": "ack", "id": "m1" }])), "a resend is acked");
    let (status, answer) = send(b.addr, &token, &id, json!({ "op": "sub", "channel": "crew:alpha" })).await;
    assert_eq!((status, answer), (200, json!([])));
    assert_eq!(stream.expect("subscribed").await["channel"], "crew:alpha");
    let (status, _) = send(b.addr, &token, &id, json!({ "op": "replay", "after": 0 })).await;
    assert_eq!(status, 200);
    assert_eq!(seqs(&stream.events(1).await), [1], "the resend was applied once");
    stream.quiet(300).await;
}

#[tokio::test]
async fn frames_for_a_stream_whose_node_is_gone_get_404() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix("http");
    let b = Node::start(&url, &prefix, |_| {}).await;
    let token = login(b.addr, "ann").await;
    let gone = "0badc0de-00000000000000000000000000000000";
    let (status, answer) = send(b.addr, &token, gone, json!({ "op": "sub", "channel": "crew:alpha" })).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (404, Some("no_session")));
    let (status, answer) = send(b.addr, &token, gone, json!({ "op": "ping", "id": 1 })).await;
    assert_eq!((status, answer), (200, json!([{ "op": "pong", "id": 1 }])), "pings need no stream");
}
