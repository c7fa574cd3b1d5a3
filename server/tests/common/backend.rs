//! A little application backend for the send proxy tests: an axum server on port 0 that
//! answers by the message's `type`, applies each `(user, id)` once (a repeat gets the first
//! answer, as the proxy contract asks) and records every request. Include it with
//! `#[path = "common/backend.rs"] mod backend;`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the backend saw.
#[derive(Default)]
pub struct Seen {
    /// Every request body, in arrival order.
    pub bodies: Mutex<Vec<Value>>,
    /// Every request's `Authorization` header.
    pub auths: Mutex<Vec<Option<String>>>,
    /// The first answer per `(user, id)`: one entry per message applied.
    applied: Mutex<HashMap<(String, String), Value>>,
}

impl Seen {
    /// How many requests carried `id`.
    pub fn received(&self, id: &str) -> usize {
        self.bodies.lock().unwrap().iter().filter(|b| b["id"] == id).count()
    }

    /// How many messages were applied.
    pub fn applied(&self) -> usize {
        self.applied.lock().unwrap().len()
    }

    /// Applies the message once; returns its (first) result.
    fn apply_once(&self, body: &Value) -> Value {
        let key = (body["user"].as_str().unwrap_or("").to_owned(), body["id"].as_str().unwrap_or("").to_owned());
        let mut applied = self.applied.lock().unwrap();
        let n = applied.len() + 1;
        applied.entry(key).or_insert_with(|| json!({ "echo": body["data"], "n": n })).clone()
    }
}

/// A running backend: its URL for `--proxy-url` and what it saw.
pub struct Backend {
    /// `http://127.0.0.1:PORT/send`.
    pub url: String,
    /// The record of requests.
    pub seen: Arc<Seen>,
}

/// Starts the backend. By `type`: `chat` applies and answers `{result}`; `flaky` applies
/// but answers 500 the first time per id (a crash after the commit); `slow` waits `data.ms`
/// then acts as `chat`; `reject` answers 200 `{error}`; `forbidden` 403 `{error}`; `missing`
/// 404 in plain text; `garbage` 200 HTML; `empty` 200 `{}`.
pub async fn start_backend() -> Backend {
    let seen = Arc::new(Seen::default());
    let app = Router::new().route("/send", post(answer)).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Backend { url: format!("http://{addr}/send"), seen }
}

async fn answer(State(seen): State<Arc<Seen>>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_owned());
    seen.auths.lock().unwrap().push(auth);
    let first = seen.received(body["id"].as_str().unwrap_or("")) == 0;
    seen.bodies.lock().unwrap().push(body.clone());
    let error = |code: &str, message: &str| json!({ "error": { "code": code, "message": message } });
    match body["type"].as_str().unwrap_or("") {
        "flaky" if first => {
            seen.apply_once(&body);
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_millis(body["data"]["ms"].as_u64().unwrap_or(0))).await;
            Json(json!({ "result": seen.apply_once(&body) })).into_response()
        }
        "chat" | "flaky" => Json(json!({ "result": seen.apply_once(&body) })).into_response(),
        "reject" => Json(error("nope", "not today")).into_response(),
        "forbidden" => (StatusCode::FORBIDDEN, Json(error("x", "you may not"))).into_response(),
        "missing" => (StatusCode::NOT_FOUND, "no such route").into_response(),
        "garbage" => (StatusCode::OK, "<html>oops</html>").into_response(),
        "empty" => Json(json!({})).into_response(),
        other => (StatusCode::BAD_REQUEST, Json(error("unknown_type", other))).into_response(),
    }
}
