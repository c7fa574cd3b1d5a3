//! The browser shell around the core: it owns the WebSocket, the timer and the window
//! listeners, feeds the core, and carries out what it returns. Only compiled for wasm32.
//!
//! Two faces share one driver: [`client::Client`] for JavaScript and [`rust_api::RustClient`]
//! for Rust front ends (Leptos, Yew, Dioxus).

pub mod client;
mod convert;
mod decode;
mod dispatch;
mod driver;
mod encode;
mod fields;
mod js_options;
mod listeners;
mod promise;
pub mod rust_api;
mod socket;
mod storage;
mod token;
mod typescript;
