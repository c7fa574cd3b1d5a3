//! One WebSocket text message into core inputs, using the browser's own `JSON.parse`.
//!
//! Events are not converted at all: the parsed object is handed to subscribers as it is, only
//! its `seq` and `type` are checked. Control frames become the shared `protocol` types; their
//! field names come from `protocol::keys`, which a native test checks against serde.

use super::fields::{absent, boolean, get, string, whole};
use crate::core::Input;
use crate::protocol::{keys, ServerFrame, Subscribed, Welcome};
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` on a JS string as it came from the socket (js_sys's version takes a Rust
    /// `&str`, which would copy every message into wasm memory and back).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn parse_js(text: &JsValue) -> Result<JsValue, JsValue>;
}

// The per-event check in one call: reading `op`, `seq` and `type` from Rust took eight calls
// between wasm and JS per event (each read, each type test), the largest cost of the delivery
// path. A value from JSON.parse has no getters, so this cannot throw.
//
// `wsListen` is a WebSocket's JS side: its one handler per event type does what each message
// needs in JS (`data`, its type, `JSON.parse`, `eventSeq`) and calls into Rust once, with the
// frame and its seq, instead of Rust calling out four times per message (bench/cpu.mjs
// --profile). The handlers are listeners (`addEventListener`), not `on*` attributes, which cost
// the browser more per dispatch. What is not a JSON object or array goes to Rust as it came
// (the text, `false` for binary), and the slow path there says what is wrong with it.
#[wasm_bindgen(inline_js = "export function eventSeq(f) {
  return f !== null && typeof f === 'object' && f.op === 'event' && typeof f.type === 'string'
    && Number.isInteger(f.seq) && f.seq > 0 && f.seq < 9e15 ? (f.channel == null ? f.seq : -f.seq) : 0;
}
const attached = new WeakMap();
export function wsListen(ws, cb) {
  const h = [['open', () => cb(NaN, true)], ['close', (e) => cb(NaN, e.code)], ['message', function onMessage(e) {
    const d = e.data;
    if (typeof d !== 'string') return cb(NaN, false);
    let f;
    try { f = JSON.parse(d); } catch (_) { return cb(NaN, d); }
    if (f === null || typeof f !== 'object') return cb(NaN, d);
    cb(Array.isArray(f) ? Infinity : eventSeq(f), f);
  }]];
  for (const [t, f] of h) ws.addEventListener(t, f);
  attached.set(ws, h);
}
export function wsUnlisten(ws) {
  for (const [t, f] of attached.get(ws) || []) ws.removeEventListener(t, f);
}")]
extern "C" {
    /// The seq of a well-formed event frame (`op` "event", a string `type`, a whole `seq` from 1
    /// to below 9e15, the range `fields::whole` accepts), negated when the event has a
    /// `channel` (so a personal event still costs one call), or 0 for anything else, which then
    /// takes the slow path and its precise message.
    #[wasm_bindgen(js_name = eventSeq)]
    fn event_seq(frame: &JsValue) -> f64;
    /// Attaches a socket's handlers; `cb(code, value)` gets each event (see [`parsed`] and
    /// `socket::Socket::open` for what the pair means).
    #[wasm_bindgen(js_name = wsListen)]
    pub(crate) fn listen(ws: &web_sys::WebSocket, cb: &JsValue);
    /// Detaches what [`listen`] attached.
    #[wasm_bindgen(js_name = wsUnlisten)]
    pub(crate) fn unlisten(ws: &web_sys::WebSocket);
}

/// The inputs of a message `JSON.parse` made an object or array of: `code` is its
/// [`event_seq`] (a single frame), or infinite for an array of frames.
pub(crate) fn parsed(gen: u64, code: f64, value: JsValue) -> Vec<Input<JsValue>> {
    if code.is_infinite() {
        // A loop, not `.map(..).collect()`: less wasm. No Array.from copy.
        let frames = value.unchecked_into::<Array>();
        let mut inputs = Vec::with_capacity(frames.length() as usize);
        for f in frames.iter() {
            inputs.push(frame(gen, f));
        }
        return inputs;
    }
    vec![frame_with(gen, code, value)]
}

/// The inputs one message (a JS string) carries: a frame, or an array of frames, in order.
pub(crate) fn message(gen: u64, text: &JsValue) -> Vec<Input<JsValue>> {
    let value = match parse_js(text) {
        Ok(v) => v,
        Err(_) => {
            let text = text.as_string().unwrap_or_default();
            return vec![malformed(gen, ["frame is not JSON: ", &preview(&text)].concat())];
        }
    };
    if Array::is_array(&value) {
        parsed(gen, f64::INFINITY, value)
    } else {
        vec![frame(gen, value)]
    }
}

fn frame(gen: u64, value: JsValue) -> Input<JsValue> {
    frame_with(gen, event_seq(&value), value)
}

/// [`frame`], its [`event_seq`] already known.
fn frame_with(gen: u64, seq: f64, value: JsValue) -> Input<JsValue> {
    if seq > 0.0 {
        return Input::Event { gen, seq: seq as u64, payload: value }; // the hot path
    }
    if seq < 0.0 {
        let Some(channel) = get(&value, keys::CHANNEL).as_string() else {
            return malformed(gen, "bad event frame: \"channel\" must be a string".into());
        };
        return Input::ChannelEvent { gen, channel, seq: -seq as u64, payload: value };
    }
    if !value.is_object() {
        return malformed(gen, "frame is not a JSON object".into());
    }
    let Some(op) = get(&value, keys::OP).as_string() else {
        return malformed(gen, "frame has no \"op\" field".into());
    };
    if op == "event" {
        return bad_event(gen, &value);
    }
    match control(&op, &value) {
        Ok(frame) => Input::Frame { gen, frame },
        Err(why) => malformed(gen, ["bad ", &op, " frame: ", &why].concat()),
    }
}

fn control(op: &str, v: &JsValue) -> Result<ServerFrame<JsValue>, String> {
    Ok(match op {
        "welcome" => ServerFrame::Welcome(Welcome {
            epoch: string(v, keys::EPOCH)?,
            after: whole(v, keys::AFTER)?,
            resumed: boolean(v, keys::RESUMED)?,
            heartbeat_ms: whole(v, keys::HEARTBEAT_MS)?,
            head: if absent(&get(v, keys::HEAD)) { 0 } else { whole(v, keys::HEAD)? },
            expires_in_ms: opt_whole(v, keys::EXPIRES_IN_MS)?,
        }),
        "subscribed" => ServerFrame::Subscribed(Subscribed {
            channel: string(v, keys::CHANNEL)?,
            epoch: string(v, keys::EPOCH)?,
            after: whole(v, keys::AFTER)?,
            resumed: boolean(v, keys::RESUMED)?,
            head: opt_whole(v, keys::HEAD)?.unwrap_or(0),
        }),
        "refused" => ServerFrame::Refused {
            channel: string(v, keys::CHANNEL)?,
            code: string(v, keys::CODE)?,
            message: string(v, keys::MESSAGE)?,
        },
        "pong" => ServerFrame::Pong { id: whole(v, keys::ID)? },
        "ack" => {
            let result = get(v, keys::RESULT);
            ServerFrame::Ack { id: string(v, keys::ID)?, result: (!result.is_undefined()).then_some(result) }
        }
        "retry" => ServerFrame::Retry {
            id: string(v, keys::ID)?,
            code: string(v, keys::CODE)?,
            message: string(v, keys::MESSAGE)?,
        },
        "refreshed" => ServerFrame::Refreshed { expires_in_ms: opt_whole(v, keys::EXPIRES_IN_MS)? },
        "nack" => ServerFrame::Nack {
            id: string(v, keys::ID)?,
            code: string(v, keys::CODE)?,
            message: string(v, keys::MESSAGE)?,
        },
        "error" => ServerFrame::Error { code: string(v, keys::CODE)?, message: string(v, keys::MESSAGE)? },
        _ => return Err("unknown op".into()),
    })
}

/// A whole number field that may be absent (or null).
fn opt_whole(v: &JsValue, name: &'static str) -> Result<Option<u64>, String> {
    if absent(&get(v, name)) {
        return Ok(None);
    }
    whole(v, name).map(Some)
}

/// Why an event frame that [`event_seq`] refused is malformed.
fn bad_event(gen: u64, value: &JsValue) -> Input<JsValue> {
    let kind_is_string = get(value, keys::TYPE).is_string();
    let why = match whole(value, keys::SEQ) {
        Err(why) => why,
        Ok(_) if !kind_is_string => "\"type\" must be a string".into(),
        Ok(_) => "\"seq\" must be 1 or more".into(), // the one case left: seq 0
    };
    malformed(gen, ["bad event frame: ", &why].concat())
}

fn malformed(gen: u64, message: String) -> Input<JsValue> {
    Input::Malformed { gen, message }
}

fn preview(text: &str) -> String {
    let cut = crate::core::text::prefix(text, 60);
    let more = if cut.len() < text.len() { "…" } else { "" };
    ["\"", cut, "\"", more].concat()
}
