//! One WebSocket text message into core inputs, using the browser's own `JSON.parse`.
//!
//! Events are not converted at all: the parsed object is handed to subscribers as it is, only
//! its `seq` and `type` are checked. Control frames become the shared `protocol` types; their
//! field names come from `protocol::keys`, which a native test checks against serde.

use super::fields::{absent, boolean, get, get_by, string, whole, whole_value};
use crate::core::Input;
use crate::protocol::{keys, ServerFrame, Welcome};
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string as it came from the socket (js_sys's version takes a Rust
    /// `&str`, which would copy every message into wasm memory and back).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// The inputs one message (a JS string) carries: a frame, or an array of frames, in order.
pub(crate) fn message(gen: u64, text: &JsValue) -> Vec<Input<JsValue>> {
    let parsed = match parse_js(text) {
        Ok(v) => v,
        Err(_) => {
            let text = text.as_string().unwrap_or_default();
            return vec![malformed(gen, ["frame is not JSON: ", &preview(&text)].concat())];
        }
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
    let op = HOT.with(|hot| get_by(&value, &hot.op));
    if HOT.with(|hot| op == hot.event) {
        return event(gen, value); // the hot path: compared in JS, no string copied into wasm
    }
    let Some(op) = op.as_string() else {
        return malformed(gen, "frame has no \"op\" field".into());
    };
    match control(&op, &value) {
        Ok(frame) => Input::Frame { gen, frame },
        Err(why) => malformed(gen, ["bad ", &op, " frame: ", &why].concat()),
    }
}

fn control(op: &str, v: &JsValue) -> Result<ServerFrame<()>, String> {
    Ok(match op {
        "welcome" => ServerFrame::Welcome(Welcome {
            epoch: string(v, keys::EPOCH)?,
            after: whole(v, keys::AFTER)?,
            resumed: boolean(v, keys::RESUMED)?,
            heartbeat_ms: whole(v, keys::HEARTBEAT_MS)?,
            head: if absent(&get(v, keys::HEAD)) { 0 } else { whole(v, keys::HEAD)? },
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

/// What every event is read with, made once: the names `op`, `seq`, `type` and the value
/// `"event"` as JS strings. Plain thread-locals, no cache to search or value to clone: the
/// per-event reads are the delivery path's main cost in wasm.
struct Hot {
    op: JsValue,
    seq: JsValue,
    kind: JsValue,
    event: JsValue,
}

thread_local! {
    static HOT: Hot = Hot {
        op: JsValue::from_str(keys::OP),
        seq: JsValue::from_str(keys::SEQ),
        kind: JsValue::from_str(keys::TYPE),
        event: JsValue::from_str("event"),
    };
}

fn event(gen: u64, value: JsValue) -> Input<JsValue> {
    let (seq, kind) = HOT.with(|hot| (get_by(&value, &hot.seq), get_by(&value, &hot.kind)));
    let checked = whole_value(&seq, keys::SEQ).and_then(|seq| {
        if !kind.is_string() {
            return Err("\"type\" must be a string".into());
        }
        if seq == 0 {
            return Err("\"seq\" must be 1 or more".into());
        }
        Ok(seq)
    });
    match checked {
        Ok(seq) => Input::Event { gen, seq, payload: value },
        Err(why) => malformed(gen, ["bad event frame: ", &why].concat()),
    }
}

fn malformed(gen: u64, message: String) -> Input<JsValue> {
    Input::Malformed { gen, message }
}

fn preview(text: &str) -> String {
    let cut = crate::core::text::prefix(text, 60);
    let more = if cut.len() < text.len() { "…" } else { "" };
    ["\"", cut, "\"", more].concat()
}
