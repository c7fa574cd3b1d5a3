//! Frames after hello: pings, sends with acks, malformed input, size limit.

mod common;

use common::*;
use futures_util::SinkExt;
use serde_json::json;

#[tokio::test]
async fn malformed_frames_get_error_and_socket_stays_open() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    let cases = [
        ("{not json", "not valid JSON"),
        (r#"{"op":"subscribe"}"#, "unknown op \"subscribe\""),
        (r#"{"op":"ping"}"#, "missing field `id`"),
        (r#"{"op":"send","type":"t","data":1}"#, "missing field `id`"),
        (r#"{"op":"hello","token":"t"}"#, "only valid as the first frame"),
    ];
    for (text, why) in cases {
        c.send_text(text).await;
        let e = c.expect("error").await;
        assert_eq!(e["code"], "bad_frame");
        assert!(e["message"].as_str().unwrap().contains(why), "{text}: {e}");
    }
    c.ws.send(tokio_tungstenite::tungstenite::Message::binary(vec![1, 2])).await.unwrap();
    assert!(c.expect("error").await["message"].as_str().unwrap().contains("binary"));
    c.ping_pong(7).await;
}

#[tokio::test]
async fn send_is_acked_and_applied_once() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    let msg = json!({"op":"send","id":"m-1","type":"chat","topic":"room:1","data":{"t":"hi"}});
    c.send_json(msg.clone()).await;
    let echo = c.expect("event").await;
    assert_eq!(echo, json!({"op":"event","seq":1,"type":"chat","topic":"room:1","data":{"t":"hi"}}));
    assert_eq!(c.expect("ack").await["id"], "m-1");
    c.send_json(msg).await;
    assert_eq!(c.expect("ack").await["id"], "m-1");
    c.quiet(200).await;
    let (status, got) = http(addr, "GET", "/test/received/ann", None).await;
    assert_eq!(status, 200);
    assert_eq!(got, json!({"messages":[{"id":"m-1","type":"chat","topic":"room:1","data":{"t":"hi"}}]}));
}

#[tokio::test]
async fn invalid_send_is_nacked_and_not_applied() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    for (id, kind) in [("a", "".to_string()), ("b", "x".repeat(65))] {
        c.send_json(json!({"op":"send","id":id,"type":kind,"data":null})).await;
        let n = c.expect("nack").await;
        assert_eq!((n["id"].as_str(), n["code"].as_str()), (Some(id), Some("bad_message")));
    }
    let (_, got) = http(addr, "GET", "/test/received/ann", None).await;
    assert_eq!(got, json!({"messages":[]}));
}

#[tokio::test]
async fn oversize_message_closes_1009() {
    let addr = start().await;
    let (mut c, _) = connect(addr, "ann", None).await;
    c.ping_pong(1).await;
    let big = json!({"op":"send","id":"big","type":"t","data":"x".repeat(70_000)});
    c.send_json(big).await;
    assert_eq!(c.close_code().await.0, 1009);
}

#[tokio::test]
async fn message_just_under_the_limit_is_fine() {
    let addr = start_with(|c| c.max_message_bytes = 4096).await;
    let (mut c, _) = connect(addr, "ann", None).await;
    let mut msg = json!({"op":"send","id":"m","type":"t","data":""});
    let room = 4096 - msg.to_string().len();
    msg["data"] = json!("y".repeat(room));
    c.send_json(msg).await;
    c.expect("event").await;
    c.expect("ack").await;
}
