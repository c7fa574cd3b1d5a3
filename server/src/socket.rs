//! `GET /ws`: one client connection, from `hello` to close.
//!
//! The first frame must be a `hello` within `hello_timeout` (10 s) carrying a valid token. After
//! that, a reader loop answers pings, applies sends, serves replays and takes token refreshes,
//! while the writer task ([`crate::writer`]) drains the socket's queue. The reader also closes
//! the socket when it goes idle (4408) or its token runs out (4419, see [`crate::refresh`]).
//! Malformed frames get an `error` frame and the socket stays open: a client bug should be
//! visible, not turn into a reconnect loop.
//!
//! Channels: `sub` and `unsub` go to the socket's [`Channels`]; when the socket ends it leaves
//! every channel it read.
//!
//! Limits ([`crate::limits`]): an upgrade while `--max-waiting-hello` sockets are waiting for
//! their `hello` is answered 503; a `hello` for a user who has `--max-sockets-per-user` open
//! sockets is closed with 4409; the reader ([`read`]) closes a socket over its frame rate with
//! 4429 and spaces out its replays.

mod channels;
mod read;

pub use channels::{Asker, Channels};

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use spellwire::protocol::{self as p, ClientFrame, Cursor};

use tokio::sync::{mpsc, watch};

use crate::api::ApiError;
use crate::auth::{expires_in_ms, unix_now_ms, Claims};
use crate::conn::{ConnHandle, Ctl, Out, CLOSE_OVERLOADED};
use crate::limits::seats::{Seat, Waiting};
use crate::limits::CLOSE_TOO_MANY_SOCKETS;
use crate::session::PerSocket;
use crate::AppState;

/// Largest backlog tungstenite may hold when the peer reads slowly.
const MAX_WRITE_BUFFER: usize = 16 << 20;

/// Upgrades to the spellwire protocol, after the origin check (and unless the
/// `refuse-upgrades` test hook is on: 403), when fewer than `--max-waiting-hello` sockets are
/// waiting for their `hello` (503 otherwise).
pub async fn ws(State(state): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !origin_ok(&state, &headers) || state.hooks.refusing_upgrades() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(waiting) = state.seats.wait_for_hello() else {
        return too_many_waiting(&state).into_response();
    };
    let max = state.config.max_message_bytes;
    // tungstenite keeps a read buffer of this capacity for the socket's whole life, so it is most
    // of an idle socket's memory. Larger messages still arrive whole (the buffer grows to the
    // frame's length), in reads of at most this size.
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(socket, state, waiting))
}

/// The 503 for an upgrade over `--max-waiting-hello`.
fn too_many_waiting(state: &AppState) -> ApiError {
    let n = state.config.limits.waiting_hello;
    let message = format!("{n} sockets are already waiting for their hello here; try again shortly");
    ApiError { status: StatusCode::SERVICE_UNAVAILABLE, code: "too_many_waiting", message }
}

/// Whether the request's `Origin` passes `--allow-origin`.
pub fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    state.config.origin_allowed(origin)
}

/// A socket's whole life. Not an `async fn`: that would keep a slot for the `WebSocket` (which
/// moves to the heap when split) for as long as the socket lives. The setup, like the other
/// rarely-running futures below, is boxed: a future is as large as its largest state, and this
/// one should hold only what an idle socket needs.
fn serve(socket: WebSocket, state: AppState, waiting: Waiting) -> impl std::future::Future<Output = ()> + Send {
    let setup = Box::pin(setup(socket, state, waiting));
    async move {
        let Some((socket, state, seat, conn, rx, ctl, granted)) = setup.await else { return };
        let (sink, stream) = socket.split();
        let mut me = PerSocket::new(granted);
        tokio::select! {
            _ = crate::writer::run(sink, rx, ctl) => {}
            _ = read::run(stream, &state, seat.user(), &conn, &mut me) => {}
        }
        me.channels.close(&state, conn.id);
        state.hub.detach(seat.user(), conn.id);
    }
}

/// A welcomed socket: the socket, its user's seat, its queue's ends and its token's `channels`.
type Ready = (WebSocket, AppState, Seat, ConnHandle, mpsc::Receiver<Out>, watch::Receiver<Ctl>, Vec<String>);

/// Hello, a seat among the user's sockets, then attach (which queues `welcome`); None when the
/// socket was closed instead. The socket stops counting as waiting once its handshake is over
/// (a refused one, after the closing handshake: until then it still holds a socket).
async fn setup(mut socket: WebSocket, state: AppState, waiting: Waiting) -> Option<Ready> {
    let hello = Box::pin(handshake(&mut socket, &state)).await;
    drop(waiting);
    let (Claims { sub: user, exp, channels, .. }, cursor) = hello?;
    let Some(seat) = state.seats.sit(user) else {
        let why = "too many connections for this user";
        return Box::pin(close(&mut socket, CLOSE_TOO_MANY_SOCKETS, why)).await;
    };
    let (conn, rx, ctl) = ConnHandle::new();
    conn.set_token_exp(exp);
    let expires_in_ms = Some(expires_in_ms(exp, unix_now_ms()));
    if let Err(e) = Box::pin(state.hub.attach(seat.user(), cursor.as_ref(), conn.clone(), expires_in_ms)).await {
        tracing::warn!("attach {}: {e}", seat.user());
        return Box::pin(close(&mut socket, CLOSE_OVERLOADED, "store unavailable; try again")).await;
    }
    Some((socket, state, seat, conn, rx, ctl, channels))
}

/// What arrived first on a new socket.
enum First {
    Text(String),
    NotText,
    TooBig,
    Gone,
}

/// Waits for a valid hello; closes the socket with the right code otherwise.
async fn handshake(socket: &mut WebSocket, state: &AppState) -> Option<(Claims, Option<Cursor>)> {
    let first = tokio::time::timeout(state.config.hello_timeout, first_message(socket)).await;
    let text = match first {
        Err(_) => return close(socket, p::CLOSE_TIMEOUT, "no hello in time").await,
        Ok(First::Gone) => return None,
        Ok(First::TooBig) => return close(socket, p::CLOSE_TOO_BIG, "message too big").await,
        Ok(First::NotText) => return close(socket, p::CLOSE_PROTOCOL, "expected hello").await,
        Ok(First::Text(t)) => t,
    };
    let Ok(ClientFrame::Hello { token, resume }) = crate::frames::parse(&text) else {
        return close(socket, p::CLOSE_PROTOCOL, "expected hello").await;
    };
    state.hooks.count_hello(&token);
    match state.auth.verify(&token) {
        Ok(claims) => Some((claims, resume)),
        Err(why) => {
            tracing::debug!("hello refused: {why}");
            close(socket, p::CLOSE_UNAUTHORIZED, "unauthorized").await
        }
    }
}

async fn first_message(socket: &mut WebSocket) -> First {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Text(t))) => return First::Text(t.to_string()),
            Some(Ok(Message::Binary(_))) => return First::NotText,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Err(e)) if too_big(&e) => return First::TooBig,
            Some(Ok(Message::Close(_)) | Err(_)) | None => return First::Gone,
        }
    }
}

/// Sends a close frame and waits briefly for the reply, so the TCP close is clean.
async fn close<T>(socket: &mut WebSocket, code: u16, reason: &'static str) -> Option<T> {
    let frame = CloseFrame { code, reason: reason.into() };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        let drain = async { while let Some(Ok(_)) = socket.recv().await {} };
        let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    }
    None
}

/// Whether a read error is tungstenite's "message/frame too long".
fn too_big(e: &axum::Error) -> bool {
    use std::error::Error as _;
    matches!(
        e.source().and_then(|s| s.downcast_ref::<tungstenite::Error>()),
        Some(tungstenite::Error::Capacity(_))
    )
}
