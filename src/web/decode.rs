//! One WebSocket text message into core inputs, using the browser's own `JSON.parse`.
//!
//! Events are not converted at all: the parsed object is handed to subscribers as it is, only
//! its `seq` and `type` are checked. Control frames become the shared `protocol` types; their
//! field names come from `protocol::keys`, which a native test checks against serde.

use super::fields::{boolean, get, string, whole};
use crate::core::Input;
use crate::protocol::{keys, ServerFrame, Welcome};
use js_sys::{Array, JSON};
use wasm_bindgen::JsValue;

/// The inputs one message carries (a frame, or an array of frames), in order.
pub(crate) fn message(gen: u64, text: &str) -> Vec<Input<JsValue>> {
    let parsed = match JSON::parse(text) {
        Ok(v) => v,
        Err(_) => return vec![malformed(gen, format!("frame is not JSON: {}", preview(text)))],
    };
    if Array::is_array(&parsed) {
        Array::from(&parsed).iter().map(|f| frame(gen, f)).collect()
    } else {
        vec![frame(gen, parsed)]
    }
}

fn frame(gen: u64, value: JsValue) -> Input<JsValue> {
    if !value.is_object() {
        return malformed(gen, "frame is not a JSON object".into());
    }
    let Some(op) = get(&value, keys::OP).as_string() else {
        return malformed(gen, "frame has no \"op\" field".into());
    };
    if op == "event" {
        return event(gen, value);
    }
    match control(&op, &value) {
        Ok(frame) => Input::Frame { gen, frame },
        Err(why) => malformed(gen, format!("bad {op} frame: {why}")),
    }
}

fn control(op: &str, v: &JsValue) -> Result<ServerFrame<()>, String> {
    Ok(match op {
        "welcome" => ServerFrame::Welcome(Welcome {
            epoch: string(v, keys::EPOCH)?,
            after: whole(v, keys::AFTER)?,
            resumed: boolean(v, keys::RESUMED)?,
            heartbeat_ms: whole(v, keys::HEARTBEAT_MS)?,
        }),
        "pong" => ServerFrame::Pong { id: whole(v, keys::ID)? },
        "ack" => ServerFrame::Ack { id: string(v, keys::ID)? },
        "nack" => ServerFrame::Nack {
            id: string(v, keys::ID)?,
            code: string(v, keys::CODE)?,
            message: string(v, keys::MESSAGE)?,
        },
        "error" => ServerFrame::Error { code: string(v, keys::CODE)?, message: string(v, keys::MESSAGE)? },
        _ => return Err("unknown op".into()),
    })
}

fn event(gen: u64, value: JsValue) -> Input<JsValue> {
    let checked = whole(&value, keys::SEQ).and_then(|seq| {
        string(&value, keys::TYPE)?;
        if seq == 0 {
            return Err("\"seq\" must be 1 or more".into());
        }
        Ok(seq)
    });
    match checked {
        Ok(seq) => Input::Event { gen, seq, payload: value },
        Err(why) => malformed(gen, format!("bad event frame: {why}")),
    }
}

fn malformed(gen: u64, message: String) -> Input<JsValue> {
    Input::Malformed { gen, message }
}

fn preview(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    let more = if cut.len() < text.len() { "…" } else { "" };
    format!("\"{cut}\"{more}")
}
