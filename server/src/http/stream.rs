//! `POST /http/stream`: the downstream of the HTTP transport. The body is the `hello` frame;
//! the answer streams the frames a socket would get, one message (a frame or an array) per
//! line (NDJSON), the first being `welcome` with the `session` the POSTs name.
//!
//! It is a socket to the rest of the server: it counts as waiting for `hello`, then sits among
//! its user's sockets, and attaches to the hub with the same queue; the socket's writer
//! ([`crate::writer`]) drains that queue into the response through a sink of lines. Instead of
//! a reader, a timer writes a heartbeat (`{"op":"pong","id":0}`) every `heartbeatMs / 2`, ends
//! the stream when the token runs out (last line an `error` `token_expired`) and serves the
//! replays the POSTs held back. The stream ends, and the session with it, on the socket's close
//! paths (1013 overflow, a bad `refresh`, the frame rate), when the client goes away (the body is
//! dropped), and abruptly, with no final line, when a test hook cuts it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::ws::Message;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::Sink;
use serde_json::Value;
use spellwire::protocol::{ClientFrame, Cursor, ServerFrame, CLOSE_TOKEN_EXPIRED};
use tokio::sync::{mpsc, watch};

use super::Session;
use crate::api::ApiError;
use crate::auth::{expires_in_ms, unix_now_ms, Claims};
use crate::conn::{ConnHandle, Ctl, Out};
use crate::frames::encode;
use crate::limits::seats::Seat;
use crate::limits::{instant_at, now_us};
use crate::refresh::{deadline, Wake};
use crate::session::replay;
use crate::AppState;

/// One line of the response body; an error cuts the connection (no final chunk).
type Line = Result<Bytes, std::io::Error>;

/// Lines the writer may run ahead of the client; past that the writer waits (and gives up
/// after [`crate::writer::SEND_TIMEOUT`], ending the stream, as for a stuck socket).
const LINES_AHEAD: usize = 16;

/// Opens a stream: 200 and the lines, or an `ApiError` as a socket's handshake would close it
/// (401 bad token, 400 not a hello, 409 too many sockets, 503 too many waiting or store down).
pub async fn stream(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    if !crate::socket::origin_ok(&state, &headers) {
        return Err(error(StatusCode::FORBIDDEN, "forbidden_origin", "this origin is not allowed"));
    }
    let Some(waiting) = state.seats.wait_for_hello() else {
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, "too_many_waiting", "too many connections are starting here; try again shortly"));
    };
    let (Claims { sub, exp, channels, .. }, cursor) = hello(&state, &body)?;
    drop(waiting);
    let Some(seat) = state.seats.sit(sub) else {
        return Err(error(StatusCode::CONFLICT, "too_many_sockets", "too many connections for this user"));
    };
    let (conn, rx, ctl) = ConnHandle::new();
    conn.set_token_exp(exp);
    let session = Arc::new(Session::new(state.sessions.new_id(), seat.user().to_owned(), conn.clone(), channels));
    let expires = Some(expires_in_ms(exp, unix_now_ms()));
    if let Err(e) = state.hub.attach(seat.user(), cursor.as_ref(), conn, expires).await {
        tracing::warn!("attach {} over HTTP: {e}", seat.user());
        return Err(e.into());
    }
    let (tx, lines) = mpsc::channel(LINES_AHEAD);
    tokio::spawn(run(state, seat, session, (rx, ctl), tx));
    let body = futures_util::stream::unfold(lines, |mut rx| async move { rx.recv().await.map(|l| (l, rx)) });
    let headers = [
        (header::CONTENT_TYPE, "application/x-ndjson"),
        (header::CACHE_CONTROL, "no-store"),
        (header::HeaderName::from_static("x-accel-buffering"), "no"),
    ];
    Ok((headers, Body::from_stream(body)).into_response())
}

/// The hello in the body, its token verified.
fn hello(state: &AppState, body: &[u8]) -> Result<(Claims, Option<Cursor>), ApiError> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::bad("bad_hello", "the body must be a hello frame"))?;
    let Ok(ClientFrame::Hello { token, resume }) = crate::frames::parse(text) else {
        return Err(ApiError::bad("bad_hello", "the body must be a hello frame"));
    };
    state.hooks.count_hello(&token);
    match state.auth.verify(&token) {
        Ok(claims) => Ok((claims, resume)),
        Err(why) => {
            tracing::debug!("HTTP hello refused: {why}");
            Err(error(StatusCode::UNAUTHORIZED, "unauthorized", "the token is not valid"))
        }
    }
}

fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError { status, code, message: message.into() }
}

/// A stream's life after `welcome` was queued: the writer and the timers until one of the
/// ends; then it leaves its channels and the hub, and frees its session and seat.
async fn run(state: AppState, seat: Seat, session: Arc<Session>, (rx, ctl): (mpsc::Receiver<Out>, watch::Receiver<Ctl>), tx: mpsc::Sender<Line>) {
    let open = state.sessions.open(session.clone());
    let control = ctl.clone();
    let sink = Box::pin(lines_sink(tx.clone(), session.id.clone()));
    tokio::select! {
        _ = crate::writer::run(sink, rx, ctl) => {}
        _ = timers(&state, &session) => {}
        _ = tx.closed() => {}
    }
    drop(open);
    if *control.borrow() == Ctl::Abort {
        let _ = tx.try_send(Err(std::io::Error::other("stream cut")));
    }
    session.upstream.lock().await.me.channels.close(&state, session.conn.id);
    state.hub.detach(seat.user(), session.conn.id);
}

/// Heartbeats, the token's end and held-back replays; returns never (the writer ends the
/// stream after a close).
async fn timers(state: &AppState, s: &Session) {
    let beat = Duration::from_millis((state.config.heartbeat_ms / 2).max(1));
    let mut next_beat = Instant::now() + beat;
    loop {
        let now = Instant::now();
        let (leeway, exp) = (state.config.jwt_leeway_secs, s.conn.token_exp());
        let (token_at, wake) = deadline(now, unix_now_ms(), next_beat.saturating_duration_since(now), exp, leeway);
        let due = s.upstream.lock().await.me.replays.due().map(instant_at);
        let at = due.map_or(token_at, |due| due.min(token_at));
        tokio::select! {
            () = tokio::time::sleep_until(at.into()) => {}
            () = s.wake.notified() => continue,
        }
        let now = Instant::now();
        if due.is_some_and(|due| due <= now) {
            serve_replays(state, s).await;
        }
        match wake {
            _ if now < token_at => {}
            Wake::Expired => {
                // Whatever the client still says (a late refresh) cannot revive the stream.
                s.conn.close(CLOSE_TOKEN_EXPIRED, "token expired");
                return std::future::pending().await;
            }
            Wake::Idle => {
                s.conn.push(Out::frame(encode(&ServerFrame::Pong { id: 0 })));
                next_beat = now + beat;
            }
        }
    }
}

/// Serves the replays whose gate has opened, as a socket's reader does.
async fn serve_replays(state: &AppState, s: &Session) {
    let interval = state.config.limits.replay_interval_us();
    let due = s.upstream.lock().await.me.replays.take_due(now_us(), interval);
    for (channel, after) in due {
        Box::pin(replay(state, &s.user, &s.conn, channel.as_deref(), after)).await;
    }
}

/// The writer's messages as lines: the first `welcome` gains the session id; a close after the
/// token ran out adds the `token_expired` line, then any close ends the body.
fn lines_sink(tx: mpsc::Sender<Line>, session: String) -> impl Sink<Message, Error = ()> {
    futures_util::sink::unfold((tx, Some(session)), |(tx, mut session), msg: Message| async move {
        match msg {
            Message::Text(t) => {
                let text = match session.take() {
                    Some(id) if t.as_str().contains(WELCOME) => with_session(t.as_str(), &id),
                    other => {
                        session = other;
                        t.as_str().to_owned()
                    }
                };
                put(&tx, text).await?;
                Ok((tx, session))
            }
            Message::Close(Some(frame)) if frame.code == CLOSE_TOKEN_EXPIRED => {
                let (code, message) = ("token_expired".into(), "the token expired without a refresh; reconnect with a fresh one".into());
                put(&tx, encode(&ServerFrame::<Value>::Error { code, message })).await?;
                Err(())
            }
            Message::Close(_) => Err(()),
            _ => Ok((tx, session)),
        }
    })
}

const WELCOME: &str = r#"{"op":"welcome""#;

/// `text` (a welcome, alone or first in an array) with `"session":id` as the welcome's
/// second field.
///
/// ```
/// use spellwire_server::http::stream::with_session;
/// assert_eq!(with_session(r#"[{"op":"welcome","after":0},{"op":"event"}]"#, "n-1"), r#"[{"op":"welcome","session":"n-1","after":0},{"op":"event"}]"#);
/// ```
pub fn with_session(text: &str, id: &str) -> String {
    text.replacen(WELCOME, &format!(r#"{WELCOME},"session":"{id}""#), 1)
}

async fn put(tx: &mpsc::Sender<Line>, mut text: String) -> Result<(), ()> {
    text.push('\n');
    tx.send(Ok(Bytes::from(text))).await.map_err(|_| ())
}
