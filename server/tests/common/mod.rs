//! Test harness: an in-process server on a free port, a tiny HTTP client, and a WebSocket
//! client that reads frames one at a time (unpacking server arrays).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use spellwire_server::{app, config::Config, AppState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Every wait in a test is bounded by this.
pub const WAIT: Duration = Duration::from_secs(5);

/// Starts a server with `--dev --test-hooks` and otherwise default settings.
pub async fn start() -> SocketAddr {
    start_with(|c| c.test_hooks = true).await
}

/// Starts a `--dev` server (its `/api/login` is how most tests get a token) with settings
/// adjusted by `tweak`, which may turn `dev` off again.
pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> SocketAddr {
    let mut config = Config { dev: true, ..Config::default() };
    tweak(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app(AppState::new(config))).await });
    addr
}

/// One HTTP/1.1 request with `Connection: close`; returns status and JSON body (Null if none).
pub async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut raw)).await.unwrap().unwrap();
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// POST with a JSON body, asserting 200; returns the body.
pub async fn post(addr: SocketAddr, path: &str, body: Value) -> Value {
    let (status, v) = http(addr, "POST", path, Some(body)).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// The HS256 secret tests give a server when they sign tokens themselves.
pub const SECRET: &[u8] = b"test secret";

/// A token signed by `alg` with `key`, as a backend would sign it.
pub fn sign(alg: Algorithm, key: &EncodingKey, claims: Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap()
}

/// An HS256 token over `claims`, signed with `secret`.
pub fn hs256(secret: &[u8], claims: Value) -> String {
    sign(Algorithm::HS256, &EncodingKey::from_secret(secret).unwrap(), claims)
}

/// A unix time `secs` from now (negative: in the past), for `exp`.
pub fn in_secs(secs: i64) -> u64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    now.as_secs().checked_add_signed(secs).unwrap()
}

/// A test-only key file from `server/tests/keys/`.
pub fn key_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys").join(name)
}

/// The contents of a test-only key file.
pub fn key(name: &str) -> Vec<u8> {
    std::fs::read(key_file(name)).unwrap()
}

/// Opens `/ws` and says hello with `token`, without waiting for the answer.
pub async fn hello(addr: SocketAddr, token: &str) -> Client {
    let mut c = open(addr, "/ws").await;
    c.send_json(json!({ "op": "hello", "token": token })).await;
    c
}

/// A token for `user`.
pub async fn login(addr: SocketAddr, user: &str) -> String {
    let v = post(addr, "/api/login", json!({ "user": user })).await;
    v["token"].as_str().unwrap().to_owned()
}

/// `POST /api/notify`; returns the response body.
pub async fn notify(addr: SocketAddr, user: &str, kind: &str, data: Value) -> Value {
    post(addr, "/api/notify", json!({ "user": user, "type": kind, "data": data })).await
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A source of server frames (a WebSocket [`Client`], or an HTTP stream in `http_client.rs`):
/// given the next frame, it can assert an op and collect events the same way for both.
#[allow(async_fn_in_trait)]
pub trait Frames {
    /// The next server frame.
    async fn next_frame(&mut self) -> Value;

    /// The next frame, asserting its op.
    async fn expect(&mut self, op: &str) -> Value {
        let f = self.next_frame().await;
        assert_eq!(f["op"], op, "{f}");
        f
    }

    /// The next `n` event frames.
    async fn events(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(self.expect("event").await);
        }
        out
    }
}

impl Frames for Client {
    async fn next_frame(&mut self) -> Value {
        self.next().await
    }
}

/// A WebSocket client that hands out frames one by one.
pub struct Client {
    pub ws: Socket,
    pending: VecDeque<Value>,
    /// How many WebSocket messages were arrays (batches).
    pub arrays: usize,
}

/// Opens a WebSocket to `path` without saying anything.
pub async fn open(addr: SocketAddr, path: &str) -> Client {
    let (ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await.unwrap();
    Client { ws, pending: VecDeque::new(), arrays: 0 }
}

/// Tries to open a WebSocket to `/ws` with an `Origin` header; returns the HTTP status on failure.
pub async fn open_with_origin(addr: SocketAddr, origin: &str) -> Result<Client, u16> {
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("origin", origin.parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(Client { ws, pending: VecDeque::new(), arrays: 0 }),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected connect error: {e}"),
    }
}

/// Logs `user` in, connects and says hello; returns the client and the welcome frame.
pub async fn connect(addr: SocketAddr, user: &str, resume: Option<Value>) -> (Client, Value) {
    let token = login(addr, user).await;
    let mut c = open(addr, "/ws").await;
    let mut hello = json!({ "op": "hello", "token": token });
    if let Some(r) = resume {
        hello["resume"] = r;
    }
    c.send_json(hello).await;
    let welcome = c.next().await;
    assert_eq!(welcome["op"], "welcome", "{welcome}");
    (c, welcome)
}

impl Client {
    /// Sends a text message.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.unwrap();
    }

    /// Sends a JSON value as a text message.
    pub async fn send_json(&mut self, v: Value) {
        self.send_text(&v.to_string()).await;
    }

    /// The next WebSocket message (raw), within [`WAIT`]; panics on timeout or close.
    pub async fn raw(&mut self) -> Message {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next()).await.expect("timed out");
            match msg.expect("socket ended").expect("socket error") {
                Message::Ping(_) | Message::Pong(_) => continue,
                other => return other,
            }
        }
    }

    /// The next server frame, unpacking arrays.
    pub async fn next(&mut self) -> Value {
        while self.pending.is_empty() {
            let msg = self.raw().await;
            let text = msg.to_text().expect("text message").to_owned();
            match serde_json::from_str(&text).unwrap() {
                Value::Array(frames) => {
                    self.arrays += 1;
                    self.pending.extend(frames);
                }
                one => self.pending.push_back(one),
            }
        }
        self.pending.pop_front().unwrap()
    }

    /// Asserts nothing arrives for `ms`.
    pub async fn quiet(&mut self, ms: u64) {
        assert!(self.pending.is_empty(), "pending: {:?}", self.pending);
        let got = tokio::time::timeout(Duration::from_millis(ms), self.ws.next()).await;
        assert!(got.is_err(), "expected silence, got {got:?}");
    }

    /// Waits for the server's close frame; returns its code and reason.
    pub async fn close_code(&mut self) -> (u16, String) {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next()).await.expect("timed out");
            match msg {
                Some(Ok(Message::Close(Some(f)))) => return (f.code.into(), f.reason.to_string()),
                Some(Ok(Message::Close(None))) => return (1005, String::new()),
                Some(Ok(_)) => continue,
                other => panic!("no close frame: {other:?}"),
            }
        }
    }

    /// Sends a ping frame and asserts the matching pong comes back.
    pub async fn ping_pong(&mut self, id: u64) {
        self.send_json(json!({ "op": "ping", "id": id })).await;
        let pong = self.expect("pong").await;
        assert_eq!(pong["id"], id);
    }
}

/// The seqs of event frames.
pub fn seqs(events: &[Value]) -> Vec<u64> {
    events.iter().map(|e| e["seq"].as_u64().unwrap()).collect()
}
