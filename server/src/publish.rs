//! `POST /api/publish`: how the application backend puts events into users' streams and
//! channels.
//!
//! The backend authenticates with `Authorization: Bearer <api key>`; nothing else counts (a key
//! in the URL would end up in access logs). A server without an API key answers 503: there is
//! no way to publish through it (dev servers keep the unauthenticated `/api/notify`).
//!
//! ```text
//! POST /api/publish  {"user":"ann","type":"step_completed","topic":"cast:7","data":{"step":2},
//!                     "idempotencyKey":"cast:7:step:2"}          → 200 {"seq":12}
//! POST /api/publish  {"users":["ann","bob"],"type":"t"}          → 200 {"seqs":{"ann":13,"bob":4}}
//! POST /api/publish  {"events":[{"user":"ann","type":"a"},...]}  → 200 {"results":[{"seq":14},...]}
//! POST /api/publish  {"channel":"crew:a","type":"t"}             → 200 {"seq":3}
//! POST /api/publish  {"channels":["crew:a","room:1"],"type":"t"} → 200 {"seqs":{"crew:a":4,"room:1":1}}
//! ```
//!
//! A request is stored whole or not at all: every event is checked first (400), idempotency
//! keys are checked before anything is appended (422 for a key reused with another event), and
//! with Redis the appends run in one script (503 when Redis is down: nothing was stored).

pub mod body;
pub mod idem;

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::api::ApiError;
use crate::config::Config;
use crate::AppState;
use body::{Item, Request};

/// `POST /api/publish`: see the module docs and docs/PROTOCOL.md for the shapes.
pub async fn publish(State(s): State<AppState>, headers: HeaderMap, body: Body) -> Result<Json<Value>, ApiError> {
    authorize(&s.config, &headers)?;
    let bytes = read_body(&headers, body, s.config.max_body_bytes).await?;
    let request = body::parse(&bytes)?;
    let ttl = Duration::from_secs(s.config.idempotency_secs);
    let seqs = s.hub.publish_items(&request.items, ttl).await?;
    Ok(Json(answer(&request, &seqs)))
}

/// Checks the bearer key against `--api-key` in constant time.
fn authorize(config: &Config, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(key) = &config.api_key else {
        let message = "this server has no API key (SPELLWIRE_API_KEY or --api-key-file), so nothing can publish";
        return Err(ApiError { status: StatusCode::SERVICE_UNAVAILABLE, code: "publish_disabled", message: message.into() });
    };
    let presented = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    match presented {
        Some(p) if same_key(p, key) => Ok(()),
        Some(_) => Err(unauthorized("the API key is wrong")),
        None => Err(unauthorized("send the API key as Authorization: Bearer <key>")),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive).
///
/// ```
/// use spellwire_server::publish::bearer;
/// assert_eq!(bearer("Bearer k1"), Some("k1"));
/// assert_eq!(bearer("bearer k1"), Some("k1"));
/// assert_eq!(bearer("Basic k1"), None);
/// ```
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Whether two keys are equal, in time independent of where they differ and of their lengths
/// (both are hashed to 32 bytes first).
///
/// ```
/// assert!(spellwire_server::publish::same_key("s3cret", "s3cret"));
/// assert!(!spellwire_server::publish::same_key("s3cret", "s3cre"));
/// ```
pub fn same_key(presented: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(presented.as_bytes()), Sha256::digest(expected.as_bytes()));
    a.as_slice().ct_eq(b.as_slice()).into()
}

fn unauthorized(message: &str) -> ApiError {
    ApiError { status: StatusCode::UNAUTHORIZED, code: "unauthorized", message: message.into() }
}

/// The body, refused with 413 past `limit` bytes: at once when `Content-Length` says so,
/// otherwise as soon as the bytes read pass it.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large(limit));
    }
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad("bad_request", format!("reading the body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.into())
}

fn too_large(limit: usize) -> ApiError {
    let message = format!("the body is larger than {limit} bytes");
    ApiError { status: StatusCode::PAYLOAD_TOO_LARGE, code: "body_too_large", message }
}

/// The response body: `{seq}` / `{seqs}` per event, inside `{results}` for a batch.
fn answer(request: &Request, seqs: &[Vec<u64>]) -> Value {
    let mut each = request.items.iter().zip(seqs).map(|(item, seqs)| one(item, seqs));
    if request.batch {
        return json!({ "results": each.collect::<Vec<_>>() });
    }
    each.next().unwrap_or(Value::Null)
}

fn one(item: &Item, seqs: &[u64]) -> Value {
    if !item.many {
        return json!({ "seq": seqs.first() });
    }
    let map: Map<String, Value> = item.names().iter().cloned().zip(seqs.iter().map(|s| json!(s))).collect();
    json!({ "seqs": map })
}
