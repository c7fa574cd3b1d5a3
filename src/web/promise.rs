//! Waiting for a JS value to settle without Rust futures: one self-freeing closure handed to
//! `Promise.allSettled(...).then`, which keeps wasm-bindgen-futures' executor out of the wasm.

use super::fields::get;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `promise.then(f)` with a plain JS function (js_sys's `then` wants a Rust closure it
    /// keeps; ours frees itself after its one call).
    type Thenable;
    #[wasm_bindgen(method)]
    fn then(this: &Thenable, callback: &JsValue) -> JsValue;
}

// A promise and the two functions that settle it. js_sys's `Promise::new` takes a Rust closure
// for the executor, which costs an invoke export in the wasm and a trampoline in the glue.
#[wasm_bindgen(inline_js = "export function deferred() {
  let settle;
  const promise = new Promise((resolve, reject) => { settle = [resolve, reject]; });
  return [promise, ...settle];
}")]
extern "C" {
    #[wasm_bindgen(js_name = deferred)]
    fn deferred_js() -> Array;
}

/// A new pending promise, its `resolve` and its `reject`.
pub(crate) fn deferred() -> (Promise, Function, Function) {
    let parts = deferred_js();
    (parts.get(0).unchecked_into(), parts.get(1).unchecked_into(), parts.get(2).unchecked_into())
}

/// Calls `done` with `Ok(value)` or `Err(reason)` once `value` (a promise or a plain value)
/// settles: always later, in a microtask, never from inside the caller.
pub(crate) fn on_settled(value: &JsValue, done: impl FnOnce(Result<JsValue, JsValue>) + 'static) {
    settled(value, Box::new(done))
}

/// [`on_settled`] with `done` boxed: one copy of the JS callback and its shims in the wasm,
/// however many callers (each instance of a generic one cost about 0.4 KB).
fn settled(value: &JsValue, done: Box<dyn FnOnce(Result<JsValue, JsValue>)>) {
    let callback = Closure::once_into_js(move |results: JsValue| {
        let outcome = Array::from(&results).get(0);
        if get(&outcome, "status").as_string().as_deref() == Some("fulfilled") {
            done(Ok(get(&outcome, "value")))
        } else {
            done(Err(get(&outcome, "reason")))
        }
    });
    Promise::all_settled(&Array::of1(value)).unchecked_ref::<Thenable>().then(&callback);
}
