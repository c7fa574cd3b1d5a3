//! The cursor in sessionStorage, so reloading the tab resumes instead of starting over.
//!
//! sessionStorage is per tab: two tabs never share (and never fight over) one cursor.

use crate::protocol::{keys, Cursor};
use js_sys::JSON;

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The storage key for a server URL.
pub(crate) fn key(url: &str) -> String {
    ["spellwire:cursor:", url].concat()
}

/// The saved cursor, if any and readable (a corrupt entry is ignored, not fatal).
pub(crate) fn load(key: &str) -> Option<Cursor> {
    let text = session()?.get_item(key).ok()??;
    let value = JSON::parse(&text).ok()?;
    let epoch = super::fields::string(&value, keys::EPOCH).ok()?;
    let seq = super::fields::whole(&value, keys::SEQ).ok()?;
    Some(Cursor { epoch, seq })
}

/// Saves the cursor; storage may be full or disabled, which only costs the resume on reload.
pub(crate) fn save(key: &str, cursor: &Cursor) {
    let value = super::encode::cursor(cursor);
    if let (Some(store), Ok(text)) = (session(), JSON::stringify(&value)) {
        let _ = store.set_item(key, &String::from(text));
    }
}
