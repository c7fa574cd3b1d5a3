//! Client frames to text with the browser's `JSON.stringify` (no serde in the wasm).
//!
//! Field names come from `protocol::keys`, checked natively against the serde types.

use super::convert::{describe, object, set};
use crate::protocol::{keys, ClientFrame, Cursor};
use js_sys::JSON;
use wasm_bindgen::JsValue;

fn n(v: u64) -> JsValue {
    JsValue::from_f64(v as f64)
}

/// A cursor as a JS object `{ epoch, seq }`.
pub(crate) fn cursor(c: &Cursor) -> JsValue {
    object(&[(keys::EPOCH, c.epoch.as_str().into()), (keys::SEQ, n(c.seq))])
}

/// Text of a control frame the core asked for (hello, ping, replay, refresh).
pub(crate) fn control(frame: &ClientFrame<()>) -> Result<String, String> {
    let value = match frame {
        ClientFrame::Hello { token, resume } => {
            let frame = object(&[(keys::OP, "hello".into()), (keys::TOKEN, token.as_str().into())]);
            if let Some(c) = resume {
                set(&frame, keys::RESUME, &cursor(c));
            }
            frame
        }
        ClientFrame::Ping { id } => object(&[(keys::OP, "ping".into()), (keys::ID, n(*id))]),
        ClientFrame::Replay { after, channel } => {
            let frame = object(&[(keys::OP, "replay".into()), (keys::AFTER, n(*after))]);
            if let Some(c) = channel {
                set(&frame, keys::CHANNEL, &c.as_str().into());
            }
            frame
        }
        ClientFrame::Sub { channel, resume } => {
            let frame = object(&[(keys::OP, "sub".into()), (keys::CHANNEL, channel.as_str().into())]);
            if let Some(c) = resume {
                set(&frame, keys::RESUME, &cursor(c));
            }
            frame
        }
        ClientFrame::Unsub { channel } => object(&[(keys::OP, "unsub".into()), (keys::CHANNEL, channel.as_str().into())]),
        ClientFrame::Refresh { token } => object(&[(keys::OP, "refresh".into()), (keys::TOKEN, token.as_str().into())]),
        ClientFrame::Send(_) => return Err("send frames are encoded by encode::message".into()),
    };
    stringify(&value)
}

/// Text of a `send` frame; `data` must be JSON-encodable (`undefined` becomes `null`).
pub(crate) fn message(id: &str, kind: &str, topic: Option<&str>, data: JsValue) -> Result<String, String> {
    if kind.is_empty() || crate::core::text::prefix(kind, 64).len() < kind.len() {
        return Err(["event type must be 1 to 64 characters, got \"", kind, "\""].concat());
    }
    if data.is_function() || data.is_symbol() {
        // JSON.stringify would drop it without a word and the server would see null.
        return Err("data must be JSON-encodable; functions and symbols are not".into());
    }
    let data = if data.is_undefined() { JsValue::NULL } else { data };
    let frame = object(&[(keys::OP, "send".into()), (keys::ID, id.into()), (keys::TYPE, kind.into())]);
    if let Some(t) = topic {
        set(&frame, keys::TOPIC, &t.into());
    }
    set(&frame, keys::DATA, &data);
    stringify(&frame)
}

fn stringify(value: &JsValue) -> Result<String, String> {
    let text = JSON::stringify(value).map_err(|e| ["data cannot be encoded as JSON: ", &describe(&e)].concat())?;
    Ok(String::from(text))
}
