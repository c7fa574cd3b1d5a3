//! Rust values to the plain JS objects the API documents.

use crate::core::{StateInfo, Stats};
use crate::error::Error;
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

/// A plain object from `(key, value)` pairs.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj.into()
}

fn opt_f64(v: Option<f64>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_f64)
}

/// `{ state, attempt, nextRetryMs, latencyMs, reason, transport }`.
pub(crate) fn state(s: &StateInfo) -> JsValue {
    object(&[
        ("state", s.phase.as_str().into()),
        ("attempt", s.attempt.into()),
        ("nextRetryMs", opt_f64(s.next_retry_ms)),
        ("latencyMs", opt_f64(s.latency_ms)),
        ("reason", s.reason.as_deref().map_or(JsValue::NULL, JsValue::from_str)),
        ("transport", s.transport.as_str().into()),
    ])
}

/// `{ delivered, replayed, duplicates, gaps, resets, reconnects, badFrames, acked, rejected,
/// retried, refreshes, stray, refused, queued, transport }`.
pub(crate) fn stats(s: &Stats, queued: usize) -> JsValue {
    let n = |v: u64| JsValue::from_f64(v as f64);
    object(&[
        ("delivered", n(s.delivered)),
        ("replayed", n(s.replayed)),
        ("duplicates", n(s.duplicates)),
        ("gaps", n(s.gaps)),
        ("resets", n(s.resets)),
        ("reconnects", n(s.reconnects)),
        ("badFrames", n(s.bad_frames)),
        ("acked", n(s.acked)),
        ("rejected", n(s.rejected)),
        ("retried", n(s.retried)),
        ("refreshes", n(s.refreshes)),
        ("stray", n(s.stray)),
        ("refused", n(s.refused)),
        ("queued", n(queued as u64)),
        ("transport", s.transport.as_str().into()),
    ])
}

/// A JS `Error` with `name = "SpellwireError"` and a `code`, so `e.code` can be branched on and
/// rejections still carry a stack.
pub(crate) fn error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("SpellwireError");
    let _ = Reflect::set(&err, &"code".into(), &e.code.as_str().into());
    err.into()
}

/// [`error`] with one more string property (a refused channel's `channel`).
pub(crate) fn error_with(e: &Error, key: &str, value: &str) -> JsValue {
    let err = error(e);
    let _ = Reflect::set(&err, &JsValue::from_str(key), &value.into());
    err
}

/// The text of whatever JS threw, for error messages.
pub(crate) fn describe(thrown: &JsValue) -> String {
    if let Some(err) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    thrown.as_string().unwrap_or_else(|| String::from("a non-Error value"))
}

use wasm_bindgen::JsCast;
