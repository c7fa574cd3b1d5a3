//! The reading half of a welcomed socket: frames in until the socket ends, under its limits.
//!
//! It closes idle sockets with 4408, sockets whose token ran out with 4419, oversized messages
//! with 1009 and sockets over their frame rate with 4429 (through the writer, which owns the
//! sending half). Every message counts against the rate, control frames included: a ping flood
//! costs the server a pong each. The frame that goes over is not handled, so a `send` in it is
//! not acked and the client sends it again after reconnecting; everything before it was.

use std::time::Instant;

use axum::extract::ws::Message;
use futures_util::{Stream, StreamExt};
use spellwire::protocol as p;

use crate::auth::unix_now_ms;
use crate::conn::{ConnHandle, Out};
use crate::limits::rate::FrameBudget;
use crate::limits::{instant_at, now_us};
use crate::refresh::{deadline, Wake};
use crate::session::{on_text, replay, PerSocket};
use crate::AppState;

/// Reads `user`'s socket until it ends; `me` is what the socket keeps between frames (its
/// channels, what its token grants).
pub(super) async fn run<S>(stream: S, state: &AppState, user: &str, conn: &ConnHandle, me: &mut PerSocket)
where
    S: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    let frames = FrameBudget::default();
    Reader { state, user, conn, frames, me }.read(stream).await;
}

/// One socket's reader: its frame budget (a few integers) and the socket's state.
struct Reader<'a> {
    state: &'a AppState,
    user: &'a str,
    conn: &'a ConnHandle,
    frames: FrameBudget,
    me: &'a mut PerSocket,
}

/// What may end a wait for the next frame, other than a frame.
#[derive(Debug, Clone, Copy)]
enum Timer {
    /// Idle or token expiry (see [`deadline`]).
    Token(Wake),
    /// A held-back replay is due ([`crate::limits::replay::Replays::due`]).
    Replay,
}

impl Reader<'_> {
    async fn read<S>(&mut self, mut stream: S)
    where
        S: Stream<Item = Result<Message, axum::Error>> + Unpin,
    {
        loop {
            let (at, timer) = self.next_timer();
            let msg = match tokio::time::timeout_at(at.into(), stream.next()).await {
                Err(_) if self.on_timer(timer).await => continue,
                Err(_) => return drain(stream).await,
                Ok(None) => return,
                Ok(Some(Err(e))) => return self.on_error(&e).await,
                Ok(Some(Ok(msg))) => msg,
            };
            if !self.frames.admit(now_us(), self.state.config.limits.rate()) {
                self.conn.close(p::CLOSE_RATE_LIMITED, "too many frames; slow down");
                return drain(stream).await;
            }
            self.on_message(msg).await;
        }
    }

    /// The earliest of: the idle timeout, the token's end (both read again before each wait, so
    /// a `refresh` moves the latter), a held-back replay.
    fn next_timer(&self) -> (Instant, Timer) {
        let config = &self.state.config;
        let (idle, leeway) = (config.idle_timeout(), config.jwt_leeway_secs);
        let (at, wake) = deadline(Instant::now(), unix_now_ms(), idle, self.conn.token_exp(), leeway);
        match self.me.replays.due().map(instant_at) {
            Some(due) if due < at => (due, Timer::Replay),
            _ => (at, Timer::Token(wake)),
        }
    }

    /// Acts on a timer; false when nothing more the client says counts.
    async fn on_timer(&mut self, timer: Timer) -> bool {
        match timer {
            Timer::Replay => {
                let interval = self.state.config.limits.replay_interval_us();
                for (channel, after) in self.me.replays.take_due(now_us(), interval) {
                    Box::pin(replay(self.state, self.user, self.conn, channel.as_deref(), after)).await;
                }
                true
            }
            Timer::Token(Wake::Idle) => {
                self.conn.close(p::CLOSE_TIMEOUT, "idle");
                true
            }
            Timer::Token(Wake::Expired) => {
                // Whatever the client still says (a late refresh) cannot revive the socket.
                self.conn.close(p::CLOSE_TOKEN_EXPIRED, "token expired");
                false
            }
        }
    }

    /// A read error: 1009 for an oversized message, then waits for the writer to end things.
    async fn on_error(&self, e: &axum::Error) {
        if super::too_big(e) {
            self.conn.close(p::CLOSE_TOO_BIG, "message too big");
            std::future::pending::<()>().await;
        }
    }

    /// One message: text frames go to [`on_text`]; binary ones get an error frame.
    async fn on_message(&mut self, msg: Message) {
        let (state, user, conn) = (self.state, self.user, self.conn);
        match msg {
            Message::Text(t) => Box::pin(on_text(state, user, conn, self.me, &t)).await,
            Message::Binary(_) => {
                let why = "binary frames are not supported; send JSON text frames";
                conn.push(Out::frame(crate::frames::bad_frame(why)));
            }
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => {}
        }
    }
}

/// Reads and ignores the rest, so the client's close reply is seen (the writer, closing, ends
/// the socket after a grace period).
async fn drain<S>(mut stream: S)
where
    S: Stream<Item = Result<Message, axum::Error>> + Unpin,
{
    while let Some(Ok(_)) = stream.next().await {}
}
