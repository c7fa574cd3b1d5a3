//! Where the hello frame's token comes from: a fixed string or a (possibly async) function.

use super::convert::describe;
use super::promise::on_settled;
use wasm_bindgen::{JsCast, JsValue};

/// The token source: asked before every attempt, and once more after a 4401.
#[derive(Clone)]
pub enum TokenSource {
    /// The same token every time.
    Fixed(String),
    /// Called before each attempt (refreshes an expired token); may return a promise.
    Dynamic(js_sys::Function),
}

impl TokenSource {
    /// Reads `options.token`: a string, a function returning a string or a promise of one, or
    /// nothing (an empty token: the server decides).
    pub(crate) fn from_js(value: JsValue) -> Result<Self, String> {
        if value.is_undefined() || value.is_null() {
            return Ok(TokenSource::Fixed(String::new()));
        }
        if let Some(s) = value.as_string() {
            return Ok(TokenSource::Fixed(s));
        }
        let f: js_sys::Function = value
            .dyn_into()
            .map_err(|_| String::from("token must be a string or a function returning one"))?;
        Ok(TokenSource::Dynamic(f))
    }

    /// Whether two sources give the same token: equal strings, or the very same function
    /// (`===`). Two functions cannot be compared by what they would return, so a new arrow
    /// function counts as another token source, even with the same body.
    pub(crate) fn same_as(&self, other: &TokenSource) -> bool {
        match (self, other) {
            (TokenSource::Fixed(a), TokenSource::Fixed(b)) => a == b,
            (TokenSource::Dynamic(f), TokenSource::Dynamic(g)) => JsValue::from(f) == JsValue::from(g),
            _ => false,
        }
    }

    /// Fetches a token and hands it (or why it could not be had) to `done`, in a later
    /// microtask: the token function never runs inside the driver's own call.
    pub(crate) fn fetch(&self, done: impl FnOnce(Result<String, String>) + 'static) {
        let source = self.clone();
        on_settled(&JsValue::UNDEFINED, move |_| match source {
            TokenSource::Fixed(s) => done(Ok(s)),
            TokenSource::Dynamic(f) => match f.call0(&JsValue::NULL) {
                Ok(returned) => on_settled(&returned, move |settled| done(token(settled))),
                Err(e) => done(Err(["token function threw: ", &describe(&e)].concat())),
            },
        });
    }
}

fn token(settled: Result<JsValue, JsValue>) -> Result<String, String> {
    let value = settled.map_err(|e| ["token promise rejected: ", &describe(&e)].concat())?;
    value.as_string().ok_or_else(|| "token function must return a string".into())
}
