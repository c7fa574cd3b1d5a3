//! Typed reads of JS object fields, each failing with a message that names the field.
//!
//! The browser layer reads frames and options with these instead of serde: the browser's
//! `JSON.parse` already did the parsing, and leaving serde out keeps the wasm small.

use js_sys::Reflect;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

thread_local! {
    /// Field names as JS strings, made once: building a JS string from Rust text goes through
    /// a TextDecoder, which costs more than the property read itself on the per-event path.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
}

fn key(name: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, k)) = keys.iter().find(|(n, _)| *n == name) {
            return k.clone();
        }
        let k = JsValue::from_str(name);
        keys.push((name, k.clone()));
        k
    })
}

/// `"name" must be what`.
fn must(name: &str, what: &str) -> String {
    ["\"", name, "\" must be ", what].concat()
}

/// The field's value (`undefined` when absent or unreadable).
pub(crate) fn get(obj: &JsValue, name: &'static str) -> JsValue {
    Reflect::get(obj, &key(name)).unwrap_or(JsValue::UNDEFINED)
}

/// True when the field is absent, `undefined` or `null`.
pub(crate) fn absent(value: &JsValue) -> bool {
    value.is_undefined() || value.is_null()
}

/// A required string field.
pub(crate) fn string(obj: &JsValue, name: &'static str) -> Result<String, String> {
    get(obj, name).as_string().ok_or_else(|| must(name, "a string"))
}

/// An optional string field.
pub(crate) fn opt_string(obj: &JsValue, name: &'static str) -> Result<Option<String>, String> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(None);
    }
    v.as_string().map(Some).ok_or_else(|| must(name, "a string"))
}

/// A required whole number in `0..2^53`.
pub(crate) fn whole(obj: &JsValue, name: &'static str) -> Result<u64, String> {
    match get(obj, name).as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 9.0e15 => Ok(n as u64),
        _ => Err(must(name, "a whole number")),
    }
}

/// An optional number.
pub(crate) fn opt_number(obj: &JsValue, name: &'static str) -> Result<Option<f64>, String> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(None);
    }
    v.as_f64().map(Some).ok_or_else(|| must(name, "a number"))
}

/// An optional boolean.
pub(crate) fn opt_bool(obj: &JsValue, name: &'static str) -> Result<Option<bool>, String> {
    let v = get(obj, name);
    if absent(&v) {
        return Ok(None);
    }
    v.as_bool().map(Some).ok_or_else(|| must(name, "true or false"))
}

/// A required boolean.
pub(crate) fn boolean(obj: &JsValue, name: &'static str) -> Result<bool, String> {
    opt_bool(obj, name)?.ok_or_else(|| must(name, "true or false"))
}
