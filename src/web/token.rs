//! Where the hello frame's token comes from: a fixed string or a (possibly async) function.

use super::convert::describe;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A future of a token, or of the reason it could not be had.
pub(crate) type TokenFuture = Pin<Box<dyn Future<Output = Result<String, String>>>>;

/// The token source: asked before every attempt, and once more after a 4401.
#[derive(Clone)]
pub enum TokenSource {
    /// The same token every time.
    Fixed(String),
    /// Called before each attempt (refreshes an expired token).
    Dynamic(Rc<dyn Fn() -> TokenFuture>),
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
            .map_err(|_| "token must be a string or a function returning one".to_string())?;
        Ok(TokenSource::Dynamic(Rc::new(move || Box::pin(call(f.clone())))))
    }

    /// Starts fetching a token.
    pub(crate) fn fetch(&self) -> TokenFuture {
        match self {
            TokenSource::Fixed(s) => {
                let s = s.clone();
                Box::pin(async move { Ok(s) })
            }
            TokenSource::Dynamic(f) => f(),
        }
    }
}

async fn call(f: js_sys::Function) -> Result<String, String> {
    let returned = f.call0(&JsValue::NULL).map_err(|e| format!("token function threw: {}", describe(&e)))?;
    let value = match returned.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|e| format!("token promise rejected: {}", describe(&e)))?,
        Err(value) => value,
    };
    value.as_string().ok_or_else(|| "token function must return a string".to_string())
}
