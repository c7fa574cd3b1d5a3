//! The cursors in sessionStorage, so reloading the tab resumes instead of starting over: the
//! personal stream's under `spellwire:cursor:<url>`, the channels' under
//! `spellwire:channels:<url>` as `{ "crew:a": { epoch, seq }, ... }`.
//!
//! sessionStorage is per tab: two tabs never share (and never fight over) one cursor.

use crate::protocol::{keys, Cursor};
use js_sys::{Array, Object, JSON};
use wasm_bindgen::{JsCast, JsValue};

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The storage keys for a server URL: the personal cursor's and the channels'.
pub(crate) fn keys(url: &str) -> (String, String) {
    (["spellwire:cursor:", url].concat(), ["spellwire:channels:", url].concat())
}

fn load_json(key: &str) -> Option<JsValue> {
    let text = session()?.get_item(key).ok()??;
    JSON::parse(&text).ok()
}

fn cursor_of(value: &JsValue) -> Option<Cursor> {
    let epoch = super::fields::string(value, keys::EPOCH).ok()?;
    let seq = super::fields::whole(value, keys::SEQ).ok()?;
    Some(Cursor { epoch, seq })
}

/// The saved cursor, if any and readable (a corrupt entry is ignored, not fatal).
pub(crate) fn load(key: &str) -> Option<Cursor> {
    cursor_of(&load_json(key)?)
}

/// The saved channel cursors (unreadable entries are skipped).
pub(crate) fn load_channels(key: &str) -> Vec<(String, Cursor)> {
    let Some(saved) = load_json(key).filter(JsValue::is_object) else { return Vec::new() };
    let entries = Object::entries(saved.unchecked_ref());
    let entry = |pair: JsValue| {
        let pair: Array = pair.unchecked_into();
        Some((pair.get(0).as_string()?, cursor_of(&pair.get(1))?))
    };
    entries.iter().filter_map(entry).collect()
}

fn save_json(key: &str, value: &JsValue) {
    if let (Some(store), Ok(text)) = (session(), JSON::stringify(value)) {
        let _ = store.set_item(key, &String::from(text));
    }
}

/// Saves the cursor; storage may be full or disabled, which only costs the resume on reload.
pub(crate) fn save(key: &str, cursor: &Cursor) {
    save_json(key, &super::encode::cursor(cursor));
}

/// Saves the channel cursors, like [`save`].
pub(crate) fn save_channels(key: &str, cursors: &[(String, Cursor)]) {
    let fields: Vec<(&str, JsValue)> = cursors.iter().map(|(n, c)| (n.as_str(), super::encode::cursor(c))).collect();
    save_json(key, &super::convert::object(&fields));
}
