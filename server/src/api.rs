//! The JSON HTTP API: health, and in `--dev` login and notify (spells live in
//! [`crate::spells`]).
//!
//! Every bad input answers 400 with `{"error": {"code", "message"}}`, including bodies that
//! are not JSON at all, so a client has one error shape to handle; a body over
//! `--max-body-bytes` answers 413 `body_too_large` in the same shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use spellwire::protocol::check_channel;

use crate::auth::{expires_in_ms, unix_now, unix_now_ms, valid_user};
use crate::session::MAX_TYPE_CHARS;
use crate::store::StoreError;
use crate::stream::Stream;
use crate::AppState;

/// An API error: HTTP status plus a machine code and a human message.
///
/// ```
/// let e = spellwire_server::api::ApiError::bad("bad_user", "no");
/// assert_eq!(e.status.as_u16(), 400);
/// ```
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status to answer with.
    pub status: StatusCode,
    /// Machine-readable code, e.g. `bad_user`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl ApiError {
    /// A 400 with this code and message.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }
}

/// The store (Redis) could not take the event: 503 `store_unavailable`; nothing was stored.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = StatusCode::SERVICE_UNAVAILABLE;
        Self { status, code: "store_unavailable", message: e.to_string() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

/// A JSON body whose problems are [`ApiError`]s (400) instead of axum's plain-text ones.
///
/// Unlike `Json`, it does not insist on `Content-Type: application/json`: a `fetch` that
/// forgot the header should still work against a dev server.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => too_large(),
            _ => ApiError::bad("bad_request", e.body_text()),
        })?;
        serde_json::from_slice(&body)
            .map(ApiJson)
            .map_err(|e| ApiError::bad("bad_request", format!("body is not the expected JSON: {e}")))
    }
}

/// The 413 for a body over the limit the router sets (`--max-body-bytes`).
fn too_large() -> ApiError {
    let message = "the body is larger than this server accepts (--max-body-bytes)".into();
    ApiError { status: StatusCode::PAYLOAD_TOO_LARGE, code: "body_too_large", message }
}

/// Checks a user name, as an API error.
pub fn check_user(user: &str) -> Result<(), ApiError> {
    if valid_user(user) {
        return Ok(());
    }
    Err(ApiError::bad("bad_user", "user must be 1 to 64 characters of A-Z a-z 0-9 _ . : -"))
}

/// Body of `POST /api/login`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Login {
    user: String,
    /// Token lifetime in seconds, 1..=86400 (default `--token-ttl-secs`): tests ask for short
    /// ones to see expiry and refresh.
    #[serde(default)]
    ttl_secs: Option<u64>,
    /// The token's `channels` claim (exact names and `namespace:*`); absent or null: the
    /// demo's namespaces, `["crew:*","room:*","run:*"]`.
    #[serde(default)]
    channels: Option<Vec<String>>,
}

/// `POST /api/login {user, ttlSecs?, channels?}` → `{token, expiresInMs}` (`--dev` only): an
/// HS256 JWT for any name, of the kind a real backend signs, so the socket checks it the same
/// way. `channels` becomes the token's `channels` claim (at most 256 exact channel names or
/// `namespace:*`; a malformed entry answers 400 `bad_channels`); without it the token grants
/// the demo's namespaces, `["crew:*","room:*","run:*"]`, and `[]` grants none.
pub async fn login(State(s): State<AppState>, ApiJson(b): ApiJson<Login>) -> Result<Json<Value>, ApiError> {
    const DEMO_CHANNELS: [&str; 3] = ["crew:*", "room:*", "run:*"];
    check_user(&b.user)?;
    let ttl = b.ttl_secs.unwrap_or(s.config.token_ttl_secs);
    if !(1..=86_400).contains(&ttl) {
        return Err(ApiError::bad("bad_ttl", "ttlSecs must be 1 to 86400"));
    }
    let channels = b.channels.unwrap_or_else(|| DEMO_CHANNELS.map(String::from).to_vec());
    crate::grants::check_grants(&channels).map_err(|why| ApiError::bad("bad_channels", why))?;
    let exp = unix_now() + ttl;
    let Some(token) = s.auth.issue_with(&b.user, exp, &channels) else {
        let (status, message) = (StatusCode::INTERNAL_SERVER_ERROR, "no HS256 key to sign with".into());
        return Err(ApiError { status, code: "no_key", message });
    };
    Ok(Json(json!({ "token": token, "expiresInMs": expires_in_ms(exp, unix_now_ms()) })))
}

/// Body of `POST /api/notify`: `user` or `channel`, not both.
#[derive(Deserialize)]
pub struct Notify {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    data: Value,
}

/// `POST /api/notify {user | channel, type, topic?, data?}` → `{seq, delivered}`; 503 when
/// Redis is down. The topic is held to `--max-topic-chars`, as in a socket's `send`; a bad
/// channel name is a 422 `bad_channel` naming the rule.
///
/// `delivered` counts this node's sockets that took the event (memory store), or, with
/// Redis, the nodes subscribed to the stream's events (only they know their sockets).
pub async fn notify(State(s): State<AppState>, ApiJson(b): ApiJson<Notify>) -> Result<Json<Value>, ApiError> {
    let stream = match (b.user, b.channel) {
        (Some(user), None) => {
            check_user(&user)?;
            Stream::User(user)
        }
        (None, Some(channel)) => {
            check_channel(&channel).map_err(|why| ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "bad_channel", message: why.into() })?;
            Stream::Channel(channel)
        }
        (Some(_), Some(_)) => return Err(ApiError::bad("bad_request", "give user or channel, not both")),
        (None, None) => return Err(ApiError::bad("bad_user", "user (or channel) is required")),
    };
    let chars = b.kind.chars().count();
    if chars == 0 || chars > MAX_TYPE_CHARS {
        return Err(ApiError::bad("bad_type", "type must be 1 to 64 characters"));
    }
    let limit = s.config.limits.topic_chars;
    if b.topic.as_deref().is_some_and(|t| t.chars().count() > limit) {
        return Err(ApiError::bad("bad_topic", format!("topic must be at most {limit} characters")));
    }
    let (seq, delivered) = s.hub.publish_to(&stream, b.kind, b.topic, b.data).await?;
    Ok(Json(json!({ "seq": seq, "delivered": delivered })))
}

/// `GET /api/health` → `{ok: true, epoch}`; with Redis, 503 while Redis is unreachable (so a
/// load balancer can stop sending new sockets here).
pub async fn health(State(s): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "ok": true, "epoch": s.hub.current_epoch().await? })))
}

/// Any other `/api/*` path, and `/test/*` without `--test-hooks`.
pub async fn not_found() -> ApiError {
    let message = "no such route";
    ApiError { status: StatusCode::NOT_FOUND, code: "not_found", message: message.into() }
}
