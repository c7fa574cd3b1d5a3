//! `GET /ws`: one client connection, from `hello` to close.
//!
//! The first frame must be a `hello` within `hello_timeout` (10 s) carrying a valid token. After
//! that, a reader loop answers pings, applies sends, serves replays and takes token refreshes,
//! while the writer task ([`crate::writer`]) drains the socket's queue. The reader also closes
//! the socket when it goes idle (4408) or its token runs out (4419, see [`crate::refresh`]).
//! Malformed frames get an `error` frame and the socket stays open: a client bug should be
//! visible, not turn into a reconnect loop.

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use spellwire::protocol::{self as p, ClientFrame, Cursor};

use tokio::sync::{mpsc, watch};

use crate::auth::{expires_in_ms, unix_now_ms, Claims};
use crate::conn::{ConnHandle, Ctl, Out, CLOSE_OVERLOADED};
use crate::refresh::{deadline, Wake};
use crate::session::on_text;
use crate::AppState;

/// Largest backlog tungstenite may hold when the peer reads slowly.
const MAX_WRITE_BUFFER: usize = 16 << 20;

/// Upgrades to the spellwire protocol, after the origin check.
pub async fn ws(State(state): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !origin_ok(&state, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let max = state.config.max_message_bytes;
    // tungstenite keeps a read buffer of this capacity for the socket's whole life, so it is most
    // of an idle socket's memory. Larger messages still arrive whole (the buffer grows to the
    // frame's length), in reads of at most this size.
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(socket, state))
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
fn serve(socket: WebSocket, state: AppState) -> impl std::future::Future<Output = ()> + Send {
    let setup = Box::pin(setup(socket, state));
    async move {
        let Some((socket, state, user, conn, rx, ctl)) = setup.await else { return };
        let (sink, stream) = socket.split();
        tokio::select! {
            _ = crate::writer::run(sink, rx, ctl) => {}
            _ = read_loop(stream, &state, &user, &conn) => {}
        }
        state.hub.detach(&user, conn.id);
    }
}

/// A welcomed socket: the socket, its user and its queue's ends.
type Ready = (WebSocket, AppState, String, ConnHandle, mpsc::Receiver<Out>, watch::Receiver<Ctl>);

/// Hello, then attach (which queues `welcome`); None when the socket was closed instead.
async fn setup(mut socket: WebSocket, state: AppState) -> Option<Ready> {
    let (Claims { sub: user, exp }, cursor) = Box::pin(handshake(&mut socket, &state)).await?;
    let (conn, rx, ctl) = ConnHandle::new();
    conn.set_token_exp(exp);
    let expires_in_ms = Some(expires_in_ms(exp, unix_now_ms()));
    if let Err(e) = Box::pin(state.hub.attach(&user, cursor.as_ref(), conn.clone(), expires_in_ms)).await {
        tracing::warn!("attach {user}: {e}");
        return Box::pin(close(&mut socket, CLOSE_OVERLOADED, "store unavailable; try again")).await;
    }
    Some((socket, state, user, conn, rx, ctl))
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

/// Reads frames after hello until the socket ends. Closes idle sockets with 4408, sockets
/// whose token ran out with 4419 and oversized messages with 1009 (through the writer, which
/// owns the sending half). The token's end is read again before each wait, so a `refresh`
/// handled in [`on_text`] moves it.
async fn read_loop<S>(mut stream: S, state: &AppState, user: &str, conn: &ConnHandle)
where
    S: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let (idle, leeway) = (state.config.idle_timeout(), state.config.jwt_leeway_secs);
    loop {
        let (at, wake) = deadline(Instant::now(), unix_now_ms(), idle, conn.token_exp(), leeway);
        let msg = match tokio::time::timeout_at(at.into(), stream.next()).await {
            Err(_) if wake == Wake::Expired => {
                conn.close(p::CLOSE_TOKEN_EXPIRED, "token expired");
                // Whatever the client still says (a late refresh) cannot revive the socket.
                while let Some(Ok(_)) = stream.next().await {}
                return;
            }
            Err(_) => {
                conn.close(p::CLOSE_TIMEOUT, "idle");
                continue;
            }
            Ok(None) => return,
            Ok(Some(Err(e))) => {
                if too_big(&e) {
                    conn.close(p::CLOSE_TOO_BIG, "message too big");
                    std::future::pending::<()>().await;
                }
                return;
            }
            Ok(Some(Ok(msg))) => msg,
        };
        on_message(state, user, conn, msg).await;
    }
}

/// One message after hello: text frames go to [`on_text`]; binary ones get an error frame.
async fn on_message(state: &AppState, user: &str, conn: &ConnHandle, msg: Message) {
    match msg {
        Message::Text(t) => Box::pin(on_text(state, user, conn, &t)).await,
        Message::Binary(_) => {
            let why = "binary frames are not supported; send JSON text frames";
            conn.push(Out::frame(crate::frames::bad_frame(why)));
        }
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
    }
}

/// Whether a read error is tungstenite's "message/frame too long".
fn too_big(e: &axum::Error) -> bool {
    use std::error::Error as _;
    matches!(
        e.source().and_then(|s| s.downcast_ref::<tungstenite::Error>()),
        Some(tungstenite::Error::Capacity(_))
    )
}
