//! The HTTP transport (docs/PROTOCOL.md, "HTTP transport"): the stream's welcome, replay and
//! live events, resume, sends acked once in the POST's answer, pings, channels over POST, the
//! refusals (401, 404), the heartbeat and the token's end, and the test hooks that force a
//! client onto it (refuse-upgrades) or break it (cut-streams).

mod common;
#[path = "common/http_client.rs"]
mod http_client;

use std::time::Duration;

use common::{login, notify, post, seqs, start, start_with, Frames};
use http_client::{open, open_raw, send, session, End};
use serde_json::json;

#[tokio::test]
async fn the_stream_has_welcome_with_a_session_then_replay_then_live_events() {
    let addr = start().await;
    notify(addr, "ann", "a", json!(1)).await;
    notify(addr, "ann", "b", json!(2)).await;
    let token = login(addr, "ann").await;
    let (status, stream) = open_raw(addr, json!({ "op": "hello", "token": token })).await;
    assert_eq!(status, 200);
    let mut stream = stream.unwrap();
    let h = stream.resp.headers();
    assert_eq!(h["content-type"], "application/x-ndjson");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-accel-buffering"], "no");
    let welcome = stream.expect("welcome").await;
    let id = session(&welcome);
    let random = id.rsplit('-').next().unwrap();
    assert_eq!(random.len(), 32, "{id}");
    assert!(random.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    assert_eq!((welcome["after"].as_u64(), welcome["resumed"].as_bool()), (Some(0), Some(false)));
    assert_eq!(seqs(&stream.events(2).await), [1, 2]);
    notify(addr, "ann", "c", json!(3)).await;
    let live = stream.expect("event").await;
    assert_eq!((live["seq"].as_u64(), live["type"].as_str()), (Some(3), Some("c")));
}

#[tokio::test]
async fn a_stream_resumes_from_its_cursor() {
    let addr = start().await;
    let token = login(addr, "ann").await;
    let (mut first, welcome) = open(addr, &token, None).await;
    notify(addr, "ann", "a", json!(1)).await;
    notify(addr, "ann", "b", json!(2)).await;
    assert_eq!(seqs(&first.events(2).await), [1, 2]);
    drop(first);
    notify(addr, "ann", "c", json!(3)).await;
    let cursor = json!({ "epoch": welcome["epoch"], "seq": 2 });
    let (mut again, welcome) = open(addr, &token, Some(cursor)).await;
    assert_eq!((welcome["after"].as_u64(), welcome["resumed"].as_bool()), (Some(2), Some(true)));
    assert_eq!(seqs(&again.events(1).await), [3]);
    again.quiet(200).await;
}

#[tokio::test]
async fn a_posted_send_is_acked_in_the_answer_and_applied_once() {
    let addr = start().await;
    let token = login(addr, "ann").await;
    let (mut stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    let msg = json!({ "op": "send", "id": "m1", "type": "chat", "data": { "text": "hi" } });
    let (status, answer) = send(addr, &token, &id, msg.clone()).await;
    assert_eq!((status, answer), (200, json!([{ "op": "ack", "id": "m1" }])));
    let echoed = stream.expect("event").await;
    assert_eq!((echoed["type"].as_str(), echoed["data"]["text"].as_str()), (Some("chat"), Some("hi")));
    let (status, answer) = send(addr, &token, &id, json!([msg, { "op": "ping", "id": 7 }])).await;
    assert_eq!((status, answer), (200, json!([{ "op": "ack", "id": "m1" }, { "op": "pong", "id": 7 }])));
    let (_, received) = common::http(addr, "GET", "/test/received/ann", None).await;
    assert_eq!(received["messages"].as_array().map(Vec::len), Some(1), "{received}");
    stream.quiet(200).await;
}

#[tokio::test]
async fn bad_frames_are_answered_and_the_session_carries_on() {
    let addr = start().await;
    let token = login(addr, "ann").await;
    let (_stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    let (status, answer) = send(addr, &token, &id, json!([{ "op": "nope" }, { "op": "send", "id": "x", "type": "" }])).await;
    assert_eq!(status, 200);
    assert_eq!((answer[0]["op"].as_str(), answer[0]["code"].as_str()), (Some("error"), Some("bad_frame")));
    assert_eq!((answer[1]["op"].as_str(), answer[1]["code"].as_str()), (Some("nack"), Some("bad_message")));
    let (status, answer) = send(addr, &token, &id, json!({ "op": "ping", "id": 1 })).await;
    assert_eq!((status, answer), (200, json!([{ "op": "pong", "id": 1 }])));
}

#[tokio::test]
async fn a_posted_sub_joins_the_channel_on_the_stream() {
    let key = "test-api-key-0123456789";
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.api_key = Some(key.into());
    })
    .await;
    let token = login(addr, "ann").await;
    let (mut stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    let (status, answer) = send(addr, &token, &id, json!({ "op": "sub", "channel": "crew:alpha" })).await;
    assert_eq!((status, answer), (200, json!([])));
    let subscribed = stream.expect("subscribed").await;
    assert_eq!(subscribed["channel"], "crew:alpha");
    let publish = reqwest::Client::new()
        .post(format!("http://{addr}/api/publish"))
        .header("authorization", format!("Bearer {key}"))
        .body(json!({ "channel": "crew:alpha", "type": "status", "data": 1 }).to_string());
    assert_eq!(publish.send().await.unwrap().status().as_u16(), 200);
    let event = stream.expect("event").await;
    assert_eq!((event["channel"].as_str(), event["seq"].as_u64()), (Some("crew:alpha"), Some(1)));
    let (status, _) = send(addr, &token, &id, json!({ "op": "sub", "channel": "bad name" })).await;
    assert_eq!(status, 200);
    assert_eq!(stream.expect("refused").await["code"], "bad_channel");
}

#[tokio::test]
async fn posts_with_a_bad_or_foreign_token_or_no_session_are_refused() {
    let addr = start().await;
    let (status, _) = open_raw(addr, json!({ "op": "hello", "token": "not-a-jwt" })).await;
    assert_eq!(status, 401);
    let (status, _) = open_raw(addr, json!({ "op": "ping", "id": 1 })).await;
    assert_eq!(status, 400);
    let (ann, bob) = (login(addr, "ann").await, login(addr, "bob").await);
    let (_stream, welcome) = open(addr, &ann, None).await;
    let id = session(&welcome);
    let msg = json!({ "op": "send", "id": "m1", "type": "chat" });
    let (status, answer) = send(addr, "not-a-jwt", &id, msg.clone()).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, answer) = send(addr, &bob, &id, msg.clone()).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")));
    for user in ["ann", "bob"] {
        let (_, received) = common::http(addr, "GET", &format!("/test/received/{user}"), None).await;
        assert_eq!(received["messages"], json!([]), "nothing applied for {user}");
    }
    let (status, answer) = send(addr, &ann, "nope-0123", msg).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (404, Some("no_session")));
}

#[tokio::test]
async fn cut_streams_ends_the_stream_mid_body_and_forgets_the_session() {
    let addr = start().await;
    let token = login(addr, "ann").await;
    let (mut stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    assert_eq!(post(addr, "/test/cut-streams", json!({ "user": "ann" })).await, json!({ "cut": 1 }));
    let (frames, end) = stream.until_end().await;
    assert_eq!((frames, end), (vec![], End::Cut));
    let (status, _) = send(addr, &token, &id, json!({ "op": "ping", "id": 1 })).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_stream_the_client_drops_frees_its_session() {
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.heartbeat_ms = 100;
    })
    .await;
    let token = login(addr, "ann").await;
    let (stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    drop(stream);
    for _ in 0..50 {
        if send(addr, &token, &id, json!({ "op": "ping", "id": 1 })).await.0 == 404 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the session outlived its stream");
}

#[tokio::test]
async fn the_stream_beats_and_ends_with_token_expired_when_the_token_runs_out() {
    let addr = start_with(|c| {
        c.test_hooks = true;
        c.heartbeat_ms = 200;
        c.jwt_leeway_secs = 0;
    })
    .await;
    let v = post(addr, "/api/login", json!({ "user": "ann", "ttlSecs": 2 })).await;
    let (mut stream, _) = open(addr, v["token"].as_str().unwrap(), None).await;
    let (frames, end) = stream.until_end().await;
    assert_eq!(end, End::Clean);
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!((frames[0]["op"].as_str(), frames[0]["code"].as_str()), (Some("error"), Some("token_expired")));
    assert!(stream.beats >= 3, "{} heartbeats in over a second at 100 ms", stream.beats);
}

#[tokio::test]
async fn a_posted_refresh_keeps_the_stream_open() {
    let addr = start_with(|c| c.jwt_leeway_secs = 0).await;
    let v = post(addr, "/api/login", json!({ "user": "ann", "ttlSecs": 2 })).await;
    let short = v["token"].as_str().unwrap().to_owned();
    let (mut stream, welcome) = open(addr, &short, None).await;
    let fresh = login(addr, "ann").await;
    let (status, _) = send(addr, &short, &session(&welcome), json!({ "op": "refresh", "token": fresh })).await;
    assert_eq!(status, 200);
    assert_eq!(stream.expect("refreshed").await["op"], "refreshed");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    notify(addr, "ann", "still", json!(null)).await;
    assert_eq!(stream.expect("event").await["type"], "still");
}

#[tokio::test]
async fn refuse_upgrades_makes_ws_answer_403_until_turned_off() {
    let addr = start().await;
    assert!(common::open_with_origin(addr, "http://localhost").await.is_ok());
    post(addr, "/test/refuse-upgrades", json!({ "on": true })).await;
    assert_eq!(common::open_with_origin(addr, "http://localhost").await.err(), Some(403));
    let token = login(addr, "ann").await;
    open(addr, &token, None).await;
    post(addr, "/test/refuse-upgrades", json!({ "on": false })).await;
    assert!(common::open_with_origin(addr, "http://localhost").await.is_ok());
}

#[tokio::test]
async fn test_drop_cuts_http_streams_too() {
    let addr = start().await;
    let token = login(addr, "ann").await;
    let (mut stream, _) = open(addr, &token, None).await;
    assert_eq!(post(addr, "/test/drop", json!({ "user": "ann" })).await, json!({ "dropped": 1 }));
    assert_eq!(stream.until_end().await, (vec![], End::Cut));
}

#[tokio::test]
async fn posted_frames_over_the_budget_answer_429_and_end_the_stream() {
    let addr = start_with(|c| {
        c.limits.frames_per_sec = 1;
        c.limits.frame_burst = 2;
    })
    .await;
    let token = login(addr, "ann").await;
    let (mut stream, welcome) = open(addr, &token, None).await;
    let id = session(&welcome);
    let pings = json!([{ "op": "ping", "id": 1 }, { "op": "ping", "id": 2 }]);
    assert_eq!(send(addr, &token, &id, pings).await.0, 200);
    let (status, answer) = send(addr, &token, &id, json!({ "op": "ping", "id": 3 })).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (429, Some("rate_limited")));
    assert_eq!(stream.until_end().await, (vec![], End::Clean));
}
