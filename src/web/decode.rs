//! One WebSocket text message into core inputs, using the browser's own `JSON.parse`.
//!
//! Events are not converted at all: the parsed object is handed to subscribers as it is, only
//! its `seq` is read. Control frames go through the shared serde types of `protocol`.

use crate::core::Input;
use crate::protocol::ServerFrame;
use js_sys::{Array, Reflect, JSON};
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
    let op = Reflect::get(&value, &"op".into()).ok().and_then(|v| v.as_string());
    match op.as_deref() {
        Some("event") => event(gen, value),
        Some(_) => match serde_wasm_bindgen::from_value::<ServerFrame<()>>(value) {
            Ok(frame) => Input::Frame { gen, frame },
            Err(e) => malformed(gen, format!("bad {} frame: {e}", op.unwrap_or_default())),
        },
        None => malformed(gen, "frame has no \"op\" field".into()),
    }
}

fn event(gen: u64, value: JsValue) -> Input<JsValue> {
    let seq = Reflect::get(&value, &"seq".into()).ok().and_then(|v| v.as_f64());
    let kind = Reflect::get(&value, &"type".into()).ok().and_then(|v| v.as_string());
    match (seq, kind) {
        (Some(seq), Some(_)) if seq >= 1.0 && seq.fract() == 0.0 && seq < 9.0e15 => {
            Input::Event { gen, seq: seq as u64, payload: value }
        }
        (Some(_), Some(_)) => malformed(gen, "event \"seq\" must be a positive integer".into()),
        (None, _) => malformed(gen, "event frame is missing \"seq\"".into()),
        (_, None) => malformed(gen, "event frame is missing \"type\"".into()),
    }
}

fn malformed(gen: u64, message: String) -> Input<JsValue> {
    Input::Malformed { gen, message }
}

fn preview(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}
