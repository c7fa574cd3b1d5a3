//! The browser shell around the core: it owns the WebSocket (or the HTTP link), the timer and the window
//! listeners, feeds the core, and carries out what it returns. Only compiled for wasm32.
//!
//! Two faces share one driver: [`client::Client`] for JavaScript and [`rust_api::RustClient`]
//! for Rust front ends (Leptos, Yew, Dioxus).

/// The allocator: talc instead of Rust's default dlmalloc, a few KB less wasm for the same job
/// (the client allocates little: frames stay JS objects, only ids and messages are Rust text).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub mod client;
mod convert;
mod decode;
mod dispatch;
mod driver;
mod encode;
mod fields;
mod http;
mod js_options;
mod listeners;
mod promise;
pub mod rust_api;
mod socket;
mod storage;
mod token;
mod typescript;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The page's `window`, `None` where there is none (a worker): read as the global it is.
    /// `web_sys::window()` finds it through js_sys's search for the global object (four
    /// imports, a cached object and an `instanceof Window` test), which costs more wasm and glue.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<web_sys::Window>;
}

/// The page's `window` (see [`WINDOW`]).
pub(crate) fn window() -> Option<web_sys::Window> {
    WINDOW.with(Clone::clone)
}
