//! Helpers for the backend-facing API: a server with an API key, `POST /api/publish` with or
//! without credentials, and how many events a user's log holds. Include it next to `common`:
//! `mod common; #[path = "common/gateway.rs"] mod gateway;`.
#![allow(dead_code)]

use std::net::SocketAddr;

use serde_json::Value;
use spellwire_server::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{connect, start_with, WAIT};

/// The API key of servers started by [`start_gateway`].
pub const KEY: &str = "test-api-key-0123456789";

/// Starts a `--dev --test-hooks` server with [`KEY`] as its API key, then `tweak`.
pub async fn start_gateway(tweak: impl FnOnce(&mut Config)) -> SocketAddr {
    start_with(|c| {
        c.test_hooks = true;
        c.api_key = Some(KEY.into());
        tweak(c);
    })
    .await
}

/// `POST {path}` (path may carry a query) with `Authorization: {auth}` when given; returns
/// the status and the JSON body (Null when it is not JSON).
pub async fn post_raw(addr: SocketAddr, path: &str, auth: Option<&str>, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(format!("http://{addr}{path}")).body(body);
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    let resp = tokio::time::timeout(WAIT, req.send()).await.expect("timed out").expect("request failed");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `POST /api/publish` with [`KEY`].
pub async fn publish(addr: SocketAddr, body: Value) -> (u16, Value) {
    post_raw(addr, "/api/publish", Some(&format!("Bearer {KEY}")), body.to_string()).await
}

/// `POST /api/publish` with [`KEY`], asserting 200; returns the body.
pub async fn publish_ok(addr: SocketAddr, body: Value) -> Value {
    let (status, v) = publish(addr, body.clone()).await;
    assert_eq!(status, 200, "{body} → {v}");
    v
}

/// The newest seq in `user`'s log, as a new socket's `welcome.head` tells it: how many events
/// were stored for `user` (nothing here trims logs).
pub async fn head(addr: SocketAddr, user: &str) -> u64 {
    let (_, welcome) = connect(addr, user, None).await;
    welcome["head"].as_u64().expect("welcome has head")
}

/// `POST /api/publish` with [`KEY`] and a chunked body (no `Content-Length`), over a raw
/// socket; returns the status.
pub async fn publish_chunked(addr: SocketAddr, body: &[u8]) -> u16 {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/publish HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {KEY}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(512) {
        let _ = tcp.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await;
        let _ = tcp.write_all(chunk).await;
        let _ = tcp.write_all(b"\r\n").await;
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut raw)).await.expect("timed out");
    let text = String::from_utf8_lossy(&raw);
    text.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("an HTTP status line")
}
