//! The cursor in sessionStorage, so reloading the tab resumes instead of starting over.
//!
//! sessionStorage is per tab: two tabs never share (and never fight over) one cursor.

use crate::protocol::Cursor;
use js_sys::JSON;
use wasm_bindgen::JsValue;

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The storage key for a server URL.
pub(crate) fn key(url: &str) -> String {
    format!("spellwire:cursor:{url}")
}

/// The saved cursor, if any and readable (a corrupt entry is ignored, not fatal).
pub(crate) fn load(key: &str) -> Option<Cursor> {
    let text = session()?.get_item(key).ok()??;
    let value = JSON::parse(&text).ok()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// Saves the cursor; storage may be full or disabled, which only costs the resume on reload.
pub(crate) fn save(key: &str, cursor: &Cursor) {
    let value = super::convert::object(&[
        ("epoch", JsValue::from_str(&cursor.epoch)),
        ("seq", JsValue::from_f64(cursor.seq as f64)),
    ]);
    if let (Some(store), Ok(text)) = (session(), JSON::stringify(&value)) {
        let _ = store.set_item(key, &String::from(text));
    }
}
