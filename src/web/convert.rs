//! Rust values to the plain JS objects the API documents.

use crate::core::{StateInfo, Stats};
use crate::error::Error;
use js_sys::Object;
use wasm_bindgen::prelude::*;

/// A plain object from `(key, value)` pairs.
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        set(&obj, key, value);
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

#[wasm_bindgen]
extern "C" {
    /// `Reflect.set` of a number, the key passed as Rust text: no `JsValue` is made for either
    /// (which cost `stats()` about 0.7 KB of wasm). A plain object's set cannot throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    fn set_number(obj: &Object, key: &str, value: f64);
    /// `Reflect.set` with the key passed as Rust text, for the same reason; only ever used on
    /// plain objects and errors, whose sets cannot throw (js_sys's wraps every call in a catch).
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub(crate) fn set(obj: &JsValue, key: &str, value: &JsValue);
}

/// `{ delivered, replayed, duplicates, gaps, resets, reconnects, badFrames, acked, rejected,
/// retried, refreshes, stray, refused, queued, transport }`.
pub(crate) fn stats(s: &Stats, queued: usize) -> JsValue {
    let obj = Object::new();
    set_number(&obj, "delivered", s.delivered as f64);
    set_number(&obj, "replayed", s.replayed as f64);
    set_number(&obj, "duplicates", s.duplicates as f64);
    set_number(&obj, "gaps", s.gaps as f64);
    set_number(&obj, "resets", s.resets as f64);
    set_number(&obj, "reconnects", s.reconnects as f64);
    set_number(&obj, "badFrames", s.bad_frames as f64);
    set_number(&obj, "acked", s.acked as f64);
    set_number(&obj, "rejected", s.rejected as f64);
    set_number(&obj, "retried", s.retried as f64);
    set_number(&obj, "refreshes", s.refreshes as f64);
    set_number(&obj, "stray", s.stray as f64);
    set_number(&obj, "refused", s.refused as f64);
    set_number(&obj, "queued", queued as f64);
    set(&obj, "transport", &s.transport.as_str().into());
    obj.into()
}

/// A JS `Error` with `name = "SpellwireError"` and a `code`, so `e.code` can be branched on and
/// rejections still carry a stack.
pub(crate) fn error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("SpellwireError");
    set(&err, "code", &e.code.as_str().into());
    err.into()
}

/// [`error`] with one more string property (a refused channel's `channel`).
pub(crate) fn error_with(e: &Error, key: &str, value: &str) -> JsValue {
    let err = error(e);
    set(&err, key, &value.into());
    err
}

/// The text of whatever JS threw, for error messages.
pub(crate) fn describe(thrown: &JsValue) -> String {
    if let Some(err) = thrown.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    thrown.as_string().unwrap_or_else(|| String::from("a non-Error value"))
}

