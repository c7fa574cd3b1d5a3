//! A client of the HTTP transport: a stream read line by line (arrays unpacked, heartbeats
//! counted apart) and the upstream POST. Include it next to `common`:
//! `mod common; #[path = "common/http_client.rs"] mod http_client;`.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::{Frames, WAIT};

/// How a stream's read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The body ended cleanly.
    Clean,
    /// The connection broke mid-body.
    Cut,
}

/// One open `POST /http/stream`.
pub struct Stream {
    pub resp: reqwest::Response,
    buf: Vec<u8>,
    pending: VecDeque<Value>,
    /// Heartbeats (`{"op":"pong","id":0}`) seen and skipped.
    pub beats: usize,
}

/// Opens a stream with `hello`; returns the status and, on 200, the stream.
pub async fn open_raw(addr: SocketAddr, hello: Value) -> (u16, Option<Stream>) {
    let req = reqwest::Client::new().post(format!("http://{addr}/http/stream")).body(hello.to_string());
    let resp = tokio::time::timeout(WAIT, req.send()).await.expect("timed out").expect("request failed");
    let status = resp.status().as_u16();
    let stream = (status == 200).then(|| Stream { resp, buf: Vec::new(), pending: VecDeque::new(), beats: 0 });
    (status, stream)
}

/// Opens a stream for `token` (with `resume`, if any) and reads its welcome.
pub async fn open(addr: SocketAddr, token: &str, resume: Option<Value>) -> (Stream, Value) {
    let mut hello = json!({ "op": "hello", "token": token });
    if let Some(r) = resume {
        hello["resume"] = r;
    }
    let (status, stream) = open_raw(addr, hello).await;
    assert_eq!(status, 200);
    let mut stream = stream.unwrap();
    let welcome = stream.expect("welcome").await;
    (stream, welcome)
}

impl Frames for Stream {
    async fn next_frame(&mut self) -> Value {
        self.next().await
    }
}

impl Stream {
    /// The next line's bytes; None when the body ended (Err: it broke).
    async fn line(&mut self) -> Result<Option<String>, End> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return Ok(Some(String::from_utf8(line).unwrap()));
            }
            let chunk = tokio::time::timeout(WAIT, self.resp.chunk()).await.expect("timed out");
            match chunk {
                Ok(Some(bytes)) => self.buf.extend_from_slice(&bytes),
                Ok(None) => return Ok(None),
                Err(_) => return Err(End::Cut),
            }
        }
    }

    /// The next frame (not a heartbeat), or how the stream ended.
    pub async fn try_next(&mut self) -> Result<Value, End> {
        while self.pending.is_empty() {
            let Some(line) = self.line().await? else { return Err(End::Clean) };
            match serde_json::from_str(&line).unwrap() {
                Value::Array(frames) => self.pending.extend(frames),
                one => self.pending.push_back(one),
            }
            let before = self.pending.len();
            self.pending.retain(|f| *f != json!({ "op": "pong", "id": 0 }));
            self.beats += before - self.pending.len();
        }
        Ok(self.pending.pop_front().unwrap())
    }

    /// The next frame; panics when the stream ended.
    pub async fn next(&mut self) -> Value {
        self.try_next().await.expect("the stream ended")
    }

    /// Reads until the stream ends; returns the frames read before and how it ended.
    pub async fn until_end(&mut self) -> (Vec<Value>, End) {
        let mut frames = Vec::new();
        loop {
            match self.try_next().await {
                Ok(f) => frames.push(f),
                Err(end) => return (frames, end),
            }
        }
    }

    /// Waits `ms` and asserts no frame (other than heartbeats) came.
    pub async fn quiet(&mut self, ms: u64) {
        let got = tokio::time::timeout(Duration::from_millis(ms), self.try_next()).await;
        assert!(got.is_err(), "expected silence, got {got:?}");
    }
}

/// `POST /http/send` with `token` and `session`; returns the status and the JSON answer.
pub async fn send(addr: SocketAddr, token: &str, session: &str, body: Value) -> (u16, Value) {
    let req = reqwest::Client::new()
        .post(format!("http://{addr}/http/send"))
        .header("authorization", format!("Bearer {token}"))
        .header("spellwire-session", session)
        .body(body.to_string());
    let resp = tokio::time::timeout(WAIT, req.send()).await.expect("timed out").expect("request failed");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The session of a welcome.
pub fn session(welcome: &Value) -> String {
    welcome["session"].as_str().expect("welcome has a session").to_owned()
}
