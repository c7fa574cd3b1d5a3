//! `POST /api/publish` on the memory store: credentials, bad bodies, sizes, the three request
//! shapes, and idempotency keys (retries, reuse, expiry, races).

mod common;
#[path = "common/gateway.rs"]
mod gateway;

use std::time::Duration;

use common::*;
use gateway::*;
use serde_json::{json, Value};

fn event(user: &str) -> Value {
    json!({ "user": user, "type": "step_completed", "topic": "cast:7", "data": { "step": 2 } })
}

#[tokio::test]
async fn publishing_takes_the_api_key_in_the_authorization_header_only() {
    let addr = start_gateway(|_| {}).await;
    let body = event("ann").to_string();
    let attempts = [
        ("/api/publish", None),
        ("/api/publish", Some("Bearer wrong-key")),
        ("/api/publish", Some(KEY)),
        ("/api/publish", Some(&*format!("Basic {KEY}"))),
        ("/api/publish", Some(&*format!("Bearer {KEY}x"))),
        (&*format!("/api/publish?key={KEY}"), None),
        (&*format!("/api/publish?api_key={KEY}&apiKey={KEY}"), None),
        (&*format!("/api/publish?access_token={KEY}"), Some("Bearer nope")),
    ];
    for (path, auth) in attempts {
        let (status, v) = post_raw(addr, path, auth, body.clone()).await;
        assert_eq!((status, v["error"]["code"].as_str()), (401, Some("unauthorized")), "{path} {auth:?}: {v}");
    }
    assert_eq!(head(addr, "ann").await, 0, "nothing was stored");
    let (status, v) = post_raw(addr, "/api/publish", Some(&format!("bearer {KEY}")), body).await;
    assert_eq!((status, v), (200, json!({ "seq": 1 })));
}

#[tokio::test]
async fn a_server_without_an_api_key_refuses_to_publish() {
    let addr = start_with(|c| c.api_key = None).await;
    let (status, v) = publish(addr, event("ann")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (503, Some("publish_disabled")), "{v}");
    assert_eq!(head(addr, "ann").await, 0);
}

#[tokio::test]
async fn bad_bodies_are_400s_that_store_nothing() {
    let addr = start_gateway(|_| {}).await;
    let cases = [
        (json!("not an object"), "bad_request"),
        (json!({ "type": "t" }), "bad_user"),
        (json!({ "user": "a b", "type": "t" }), "bad_user"),
        (json!({ "users": ["ann", "ann"], "type": "t" }), "bad_user"),
        (json!({ "user": "ann", "type": "" }), "bad_type"),
        (json!({ "user": "ann", "type": "t", "idempotencyKey": "k".repeat(257) }), "bad_idempotency_key"),
        (json!({ "user": "ann", "type": "t", "idempotency_key": "k" }), "bad_request"),
        (json!({ "events": [event("ann"), { "user": "ann" }] }), "bad_request"),
        (json!({ "events": [] }), "bad_request"),
    ];
    for (body, code) in cases {
        let (status, v) = publish(addr, body.clone()).await;
        assert_eq!((status, v["error"]["code"].as_str()), (400, Some(code)), "{body}: {v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, _) = post_raw(addr, "/api/publish", Some(&format!("Bearer {KEY}")), "{\"user\":").await;
    assert_eq!(status, 400);
    assert_eq!(head(addr, "ann").await, 0, "a batch with one bad event stores none of it");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413s() {
    let addr = start_gateway(|c| c.max_body_bytes = 1000).await;
    let big = json!({ "user": "ann", "type": "t", "data": "x".repeat(1000) }).to_string();
    let (status, v) = post_raw(addr, "/api/publish", Some(&format!("Bearer {KEY}")), big.clone()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (413, Some("body_too_large")), "{v}");
    assert_eq!(publish_chunked(addr, big.as_bytes()).await, 413, "no Content-Length: counted while read");
    let fits = json!({ "user": "ann", "type": "t", "data": "x".repeat(900) }).to_string();
    assert_eq!(publish_chunked(addr, fits.as_bytes()).await, 200);
    assert_eq!(head(addr, "ann").await, 1);
}

#[tokio::test]
async fn one_user_several_users_and_batches_answer_their_seqs() {
    let addr = start_gateway(|_| {}).await;
    let (mut ann, _) = connect(addr, "ann", None).await;
    assert_eq!(publish_ok(addr, event("ann")).await, json!({ "seq": 1 }));
    let many = json!({ "users": ["ann", "bob"], "type": "t", "data": 2 });
    assert_eq!(publish_ok(addr, many).await, json!({ "seqs": { "ann": 2, "bob": 1 } }));
    let batch = json!({ "events": [
        { "users": ["bob", "cy"], "type": "a" },
        { "user": "ann", "type": "b", "data": 3 },
        { "user": "bob", "type": "c" },
    ]});
    let results = json!({ "results": [{ "seqs": { "bob": 2, "cy": 1 } }, { "seq": 3 }, { "seq": 3 }] });
    assert_eq!(publish_ok(addr, batch).await, results);
    let got = ann.events(3).await;
    assert_eq!(got[0], json!({ "op": "event", "seq": 1, "type": "step_completed", "topic": "cast:7", "data": { "step": 2 } }));
    assert_eq!((got[1]["seq"].clone(), got[1]["data"].clone()), (json!(2), json!(2)));
    assert_eq!((got[2]["type"].clone(), got[2]["data"].clone()), (json!("b"), json!(3)));
    assert_eq!([head(addr, "bob").await, head(addr, "cy").await], [3, 1]);
}

#[tokio::test]
async fn a_retried_publish_gets_its_first_seq_and_stores_nothing() {
    let addr = start_gateway(|_| {}).await;
    let keyed = json!({ "user": "ann", "type": "t", "data": 1, "idempotencyKey": "cast:7:step:2" });
    assert_eq!(publish_ok(addr, keyed.clone()).await, json!({ "seq": 1 }));
    assert_eq!(publish_ok(addr, event("ann")).await, json!({ "seq": 2 }));
    assert_eq!(publish_ok(addr, keyed.clone()).await, json!({ "seq": 1 }), "the retry");
    let many = json!({ "users": ["ann", "bob"], "type": "t", "idempotencyKey": "m" });
    assert_eq!(publish_ok(addr, many.clone()).await, json!({ "seqs": { "ann": 3, "bob": 1 } }));
    let batch = json!({ "events": [many, { "user": "ann", "type": "u", "idempotencyKey": "u" }] });
    let results = json!({ "results": [{ "seqs": { "ann": 3, "bob": 1 } }, { "seq": 4 }] });
    assert_eq!(publish_ok(addr, batch.clone()).await, results, "a known key inside a batch");
    assert_eq!(publish_ok(addr, batch).await, results);
    assert_eq!([head(addr, "ann").await, head(addr, "bob").await], [4, 1]);
}

#[tokio::test]
async fn a_key_reused_for_another_event_is_422_and_stores_nothing() {
    let addr = start_gateway(|_| {}).await;
    publish_ok(addr, json!({ "user": "ann", "type": "t", "data": 1, "idempotencyKey": "k" })).await;
    let other = json!({ "user": "ann", "type": "t", "data": 2, "idempotencyKey": "k" });
    let (status, v) = publish(addr, other.clone()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("idempotency_key_reused")), "{v}");
    let batch = json!({ "events": [{ "user": "ann", "type": "new", "idempotencyKey": "k2" }, other] });
    let (status, v) = publish(addr, batch).await;
    assert_eq!((status, v["error"]["message"].as_str().map(|m| m.starts_with("event 1"))), (422, Some(true)), "{v}");
    assert_eq!(head(addr, "ann").await, 1, "the batch's first event was not stored either");
}

#[tokio::test]
async fn keys_are_forgotten_after_the_idempotency_window() {
    let addr = start_gateway(|c| c.idempotency_secs = 1).await;
    let keyed = json!({ "user": "ann", "type": "t", "idempotencyKey": "k" });
    assert_eq!(publish_ok(addr, keyed.clone()).await, json!({ "seq": 1 }));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(publish_ok(addr, keyed).await, json!({ "seq": 2 }), "a new publish by now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_publishes_racing_store_one_event() {
    let addr = start_gateway(|_| {}).await;
    let keyed = json!({ "users": ["ann", "bob"], "type": "t", "idempotencyKey": "race" });
    let racers: Vec<_> = (0..20).map(|_| tokio::spawn(publish(addr, keyed.clone()))).collect();
    for racer in racers {
        assert_eq!(racer.await.unwrap(), (200, json!({ "seqs": { "ann": 1, "bob": 1 } })));
    }
    assert_eq!([head(addr, "ann").await, head(addr, "bob").await], [1, 1]);
}
