//! What the server does with each text frame after `hello`.

use serde_json::Value;
use spellwire::protocol::{ClientFrame, Message, ServerFrame};

use crate::conn::{ConnHandle, Out};
use crate::frames::{bad_frame, encode, parse};
use crate::AppState;

/// Longest accepted message `type`, in characters.
pub const MAX_TYPE_CHARS: usize = 64;

/// Handles one text frame from an authenticated socket; replies go through `conn`'s queue.
pub fn on_text(state: &AppState, user: &str, conn: &ConnHandle, text: &str) {
    let reply = match parse(text) {
        Err(why) => Some(bad_frame(&why)),
        Ok(ClientFrame::Hello { .. }) => Some(bad_frame("hello is only valid as the first frame")),
        Ok(ClientFrame::Ping { id }) => {
            (!state.hub.pongs_muted(user)).then(|| encode(&ServerFrame::Pong { id }))
        }
        Ok(ClientFrame::Send(msg)) => Some(on_send(state, user, msg)),
        Ok(ClientFrame::Replay { after }) => {
            state.hub.replay_to(user, after, conn);
            None
        }
    };
    if let Some(reply) = reply {
        conn.push(Out::frame(reply));
    }
}

/// Validates and applies a message; returns the `ack` or `nack` frame.
fn on_send(state: &AppState, user: &str, msg: Message<Value>) -> String {
    if let Err(why) = check(&msg) {
        let (id, code, message) = (msg.id, "bad_message".into(), why);
        return encode(&ServerFrame::Nack { id, code, message });
    }
    let id = msg.id.clone();
    state.hub.apply(user, msg);
    encode(&ServerFrame::Ack { id })
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
