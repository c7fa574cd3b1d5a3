//! What the server does with each text frame after `hello`.

use serde_json::Value;
use spellwire::protocol::{ClientFrame, Message, ServerFrame};

use crate::conn::{ConnHandle, Out, CLOSE_OVERLOADED};
use crate::frames::{bad_frame, encode, parse};
use crate::AppState;

/// Longest accepted message `type`, in characters.
pub const MAX_TYPE_CHARS: usize = 64;

/// Handles one text frame from an authenticated socket; replies go through `conn`'s queue.
///
/// When the store is unavailable (Redis down), a `send` is neither acked nor nacked: the
/// socket is closed with 1013, and the client resends the message after reconnecting.
pub async fn on_text(state: &AppState, user: &str, conn: &ConnHandle, text: &str) {
    let reply = match parse(text) {
        Err(why) => Some(bad_frame(&why)),
        Ok(ClientFrame::Hello { .. }) => Some(bad_frame("hello is only valid as the first frame")),
        Ok(ClientFrame::Ping { id }) => {
            (!state.hub.pongs_muted(user)).then(|| encode(&ServerFrame::Pong { id }))
        }
        Ok(ClientFrame::Refresh { token }) => crate::refresh::on_refresh(state, user, conn, &token),
        Ok(ClientFrame::Send(msg)) => on_send(state, user, conn, msg).await,
        Ok(ClientFrame::Replay { after }) => {
            // On failure the client's gap timer replaces the socket; nothing to add here.
            let _ = state.hub.replay_to(user, after, conn).await;
            None
        }
    };
    if let Some(reply) = reply {
        conn.push(Out::frame(reply));
    }
}

/// Validates a message, then applies it here (the store's ids make a resend harmless) or,
/// with `--proxy-url`, hands it to the backend ([`crate::proxy`]). Returns the `ack` or `nack`
/// frame; none when the proxy answers later, or when the store failed (the socket is closing).
async fn on_send(state: &AppState, user: &str, conn: &ConnHandle, msg: Message<Value>) -> Option<String> {
    if let Err(why) = check(&msg) {
        let (id, code, message) = (msg.id, "bad_message".into(), why);
        return Some(encode(&ServerFrame::Nack { id, code, message }));
    }
    if let Some(proxy) = &state.proxy {
        proxy.submit(user, conn, msg);
        return None;
    }
    let id = msg.id.clone();
    if let Err(e) = state.hub.apply(user, msg).await {
        tracing::warn!("send from {user}: {e}");
        conn.close(CLOSE_OVERLOADED, "store unavailable; resend after reconnecting");
        return None;
    }
    Some(encode(&ServerFrame::Ack { id, result: None }))
}

/// Why a message cannot be applied, if it cannot.
///
/// ```
/// use spellwire::protocol::Message;
/// use spellwire_server::session::check;
/// let m = |t: &str| Message { id: "1".into(), kind: t.into(), topic: None, data: serde_json::Value::Null };
/// assert!(check(&m("chat")).is_ok());
/// assert!(check(&m("")).is_err());
/// assert!(check(&m(&"x".repeat(65))).is_err());
/// ```
pub fn check(msg: &Message<Value>) -> Result<(), String> {
    let chars = msg.kind.chars().count();
    if chars == 0 {
        return Err("type must not be empty".into());
    }
    if chars > MAX_TYPE_CHARS {
        return Err(format!("type is {chars} characters; the limit is {MAX_TYPE_CHARS}"));
    }
    Ok(())
}
