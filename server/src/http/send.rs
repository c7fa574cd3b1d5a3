//! `POST /http/send`: the upstream of the HTTP transport. Headers `Authorization: Bearer
//! <token>` and `Spellwire-Session: <welcome.session>`; the body is one client frame or an
//! array of them. The answer is a JSON array of the frames that answer them directly, in
//! order: `ack`/`nack`/`retry` per `send`, `pong` per `ping`, `error` `bad_frame` for a frame
//! that cannot be read. `sub`, `unsub`, `replay` and `refresh` are handled as the stream's
//! socket would handle them ([`on_text`]), so their answers go down the stream.
//!
//! | case | answer |
//! |---|---|
//! | no bearer token, a bad one, or one for another user than the stream's | 401 `unauthorized`, nothing applied |
//! | no such session (never, or ended) | 404 `no_session` |
//! | with `--redis`, a session of another node that is gone, and a frame for the stream | 404 `no_session`, nothing applied |
//! | over the session's frame budget | 429 `rate_limited`, the stream ends (4429); frames before were handled |
//! | the store is down | 503 `store_unavailable` (sends before were applied; resending them is harmless) |
//!
//! With `--redis`, sends and pings for a session of another node are handled here for the
//! token's user (the store is shared), and the frames for its stream are handed to that node
//! ([`super::relay`]): any node takes any POST. Sends and pings are then not counted against
//! the session's frame budget (the stream-bound frames are, by the holder).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use spellwire::protocol::{ClientFrame, Message, ServerFrame, CLOSE_RATE_LIMITED};

use super::relay::Forwarded;
use super::{Session, Sessions};
use crate::api::ApiError;
use crate::frames::{bad_frame, encode, parse};
use crate::limits::now_us;
use crate::publish::bearer;
use crate::session::{answer_send, on_text};
use crate::AppState;

/// The header naming the session.
pub const SESSION_HEADER: &str = "spellwire-session";

/// One POSTed frame: its text and what it reads as.
type Posted = (String, Result<ClientFrame<Value>, String>);

/// Handles one POST: see the module's table.
pub async fn send(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    if !crate::socket::origin_ok(&state, &headers) {
        return Err(error(StatusCode::FORBIDDEN, "forbidden_origin", "this origin is not allowed"));
    }
    let user = authorize(&state, &headers)?;
    let id = headers.get(SESSION_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let frames = read(&body)?;
    let answers = match state.sessions.get(id) {
        Some(s) if s.user != user => return Err(unauthorized("the token is for another user than the stream's")),
        Some(s) => local(&state, &s, frames).await?,
        None if state.config.redis.is_some() && !id.is_empty() && !state.sessions.is_ours(id) => {
            elsewhere(&state, id, &user, frames).await?
        }
        None => return Err(no_session()),
    };
    let headers = [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")];
    Ok((headers, format!("[{}]", answers.join(","))).into_response())
}

/// The user of the bearer token.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    let Some(token) = token else { return Err(unauthorized("send the token as Authorization: Bearer <token>")) };
    match state.auth.verify(token) {
        Ok(claims) => Ok(claims.sub),
        Err(why) => {
            tracing::debug!("HTTP send refused: {why}");
            Err(unauthorized("the token is not valid"))
        }
    }
}

/// The body's frames: one JSON object, or an array of them.
fn read(body: &[u8]) -> Result<Vec<Posted>, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::bad("bad_request", format!("the body is not JSON: {e}")))?;
    let values = match value {
        Value::Array(values) => values,
        one => vec![one],
    };
    Ok(values.into_iter().map(|v| v.to_string()).map(|text| (text.clone(), parse(&text))).collect())
}

/// Where a frame is answered.
enum Route {
    /// In the POST's answer, already decided.
    Answer(String),
    /// In the POST's answer, once applied.
    Send(Message<Value>),
    /// On the stream, by the session's socket logic.
    Stream,
}

fn route(frame: Result<ClientFrame<Value>, String>) -> Route {
    match frame {
        Err(why) => Route::Answer(bad_frame(&why)),
        Ok(ClientFrame::Hello { .. }) => Route::Answer(bad_frame("hello is only valid as the body of /http/stream")),
        Ok(ClientFrame::Ping { id }) => Route::Answer(encode(&ServerFrame::Pong { id })),
        Ok(ClientFrame::Send(msg)) => Route::Send(msg),
        Ok(_) => Route::Stream,
    }
}

/// The frames of a session held here, each counted against its frame budget.
async fn local(state: &AppState, s: &Session, frames: Vec<Posted>) -> Result<Vec<String>, ApiError> {
    let mut answers = Vec::new();
    for (text, frame) in frames {
        if !admit(state, s).await {
            return Err(error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many frames; slow down"));
        }
        match route(frame) {
            Route::Answer(answer) => answers.push(answer),
            Route::Send(msg) => answers.push(answer_send(state, &s.user, msg).await?),
            Route::Stream => {
                let mut up = s.upstream.lock().await;
                Box::pin(on_text(state, &s.user, &s.conn, &mut up.me, &text)).await;
            }
        }
    }
    s.wake.notify_one();
    Ok(answers)
}

/// Frames for the stream, handled on it in order (those forwarded by another node,
/// [`super::relay`]); over the budget, the stream closes (4429) and the rest are dropped.
pub(super) async fn on_stream(state: &AppState, s: &Session, frames: Vec<String>) {
    for text in frames {
        if !admit(state, s).await {
            break;
        }
        let mut up = s.upstream.lock().await;
        Box::pin(on_text(state, &s.user, &s.conn, &mut up.me, &text)).await;
    }
    s.wake.notify_one();
}

/// Takes one frame out of the session's budget; over it, closes the stream with 4429.
async fn admit(state: &AppState, s: &Session) -> bool {
    let admitted = s.upstream.lock().await.frames.admit(now_us(), state.config.limits.rate());
    if !admitted {
        s.conn.close(CLOSE_RATE_LIMITED, "too many frames; slow down");
    }
    admitted
}

/// The frames for a session another node holds (`--redis`): those for the stream are published
/// to that node first (404 when no node hears them), then sends and pings are answered here.
async fn elsewhere(state: &AppState, id: &str, user: &str, frames: Vec<Posted>) -> Result<Vec<String>, ApiError> {
    let mut for_stream = Vec::new();
    let mut here = Vec::new();
    for (text, frame) in frames {
        match route(frame) {
            Route::Stream => for_stream.push(text),
            other => here.push(other),
        }
    }
    if !for_stream.is_empty() {
        let Some(relay) = state.sessions.relay() else {
            let message = "this node does not hold the stream; reconnect the stream";
            return Err(error(StatusCode::CONFLICT, "wrong_node", message));
        };
        let f = Forwarded { session: id.to_owned(), user: user.to_owned(), frames: for_stream };
        if !relay.forward(Sessions::node_of(id), &f).await? {
            return Err(no_session());
        }
    }
    let mut answers = Vec::new();
    for r in here {
        match r {
            Route::Answer(answer) => answers.push(answer),
            Route::Send(msg) => answers.push(answer_send(state, user, msg).await?),
            Route::Stream => unreachable!("forwarded above"),
        }
    }
    Ok(answers)
}

fn no_session() -> ApiError {
    error(StatusCode::NOT_FOUND, "no_session", "no such stream here; open a new one")
}

fn unauthorized(message: &str) -> ApiError {
    error(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError { status, code, message: message.into() }
}
