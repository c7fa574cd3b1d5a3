//! The cursors in sessionStorage, so reloading the tab resumes instead of starting over: the
//! personal stream's under `spellwire:cursor:<url>`, the channels' under
//! `spellwire:channels:<url>` as `{ "crew:a": { epoch, seq }, ... }`.
//!
//! sessionStorage is per tab: two tabs never share (and never fight over) one cursor.

use crate::protocol::{keys, Cursor};
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// sessionStorage, for the `getItem` below.
    type Store;
    /// `storage.getItem(key)` as the JS string (or null) it is: it goes straight to
    /// `JSON.parse` instead of being copied into wasm memory and back (web_sys's `get_item`).
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item(this: &Store, key: &str) -> Result<JsValue, JsValue>;
    /// `storage.setItem(key, text)` with the text as the JS string `JSON.stringify` made
    /// (web_sys's `set_item` takes Rust text: a copy into wasm memory and back).
    #[wasm_bindgen(method, catch, js_name = setItem)]
    fn set_item(this: &Store, key: &str, text: &JsValue) -> Result<(), JsValue>;
}

fn session() -> Option<web_sys::Storage> {
    super::window()?.session_storage().ok()?
}

/// The storage keys for a server URL: the personal cursor's and the channels'.
pub(crate) fn keys(url: &str) -> (String, String) {
    (["spellwire:cursor:", url].concat(), ["spellwire:channels:", url].concat())
}

fn load_json(key: &str) -> Option<JsValue> {
    let text = session()?.unchecked_into::<Store>().get_item(key).ok().filter(|t| !t.is_null())?;
    super::decode::parse_js(&text).ok() // the socket's JSON.parse: one import for both
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

/// Hands each saved channel cursor to `restore` (unreadable entries are skipped).
pub(crate) fn load_channels(key: &str, mut restore: impl FnMut(String, Cursor)) {
    let Some(saved) = load_json(key).filter(JsValue::is_object) else { return };
    for name in Object::keys(saved.unchecked_ref::<Object>()).iter() {
        let cursor = Reflect::get(&saved, &name).ok().and_then(|c| cursor_of(&c));
        if let (Some(name), Some(cursor)) = (name.as_string(), cursor) {
            restore(name, cursor);
        }
    }
}

fn save_json(key: &str, value: &JsValue) {
    if let (Some(store), Ok(text)) = (session(), JSON::stringify(value)) {
        let _ = store.unchecked_into::<Store>().set_item(key, &text);
    }
}

/// Saves the cursor; storage may be full or disabled, which only costs the resume on reload.
pub(crate) fn save(key: &str, cursor: &Cursor) {
    save_json(key, &super::encode::cursor(cursor));
}

/// Saves the channel cursors, like [`save`].
pub(crate) fn save_channels<'a>(key: &str, cursors: impl Iterator<Item = (&'a str, Cursor)>) {
    let saved = Object::new();
    for (name, cursor) in cursors {
        super::convert::set(&saved, name, &super::encode::cursor(&cursor));
    }
    save_json(key, &saved);
}
