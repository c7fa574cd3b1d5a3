//! spellwire: a realtime client that does not lose notifications.
//!
//! One client per page, created at load: it reconnects with backoff and jitter, measures
//! latency with a heartbeat judged by wall-clock time, queues sends while offline and resends
//! them until acked, and resumes the event stream after any gap so every event reaches its
//! subscribers once, in order.
//!
//! ```js
//! import init, { Client } from 'spellwire';
//! await init();
//! const client = Client.shared({ url: 'ws://127.0.0.1:8080/ws', token: 'T' });
//! client.on('state', (s) => console.log(s.state, s.latencyMs));
//! const off = client.subscribe('cast:42', (evt) => console.log(evt.seq, evt.type, evt.data));
//! const leave = client.channel('crew:alpha', (evt) => console.log(evt.channel, evt.seq, evt.data));
//! await client.send('chat', { text: 'hi' }, { topic: 'room:1' });
//! ```
//!
//! Modules: [`core`] is the sans-IO brain (plain Rust, tested natively); [`protocol`] holds the
//! wire frames shared with `spellwire-server`; `web` (wasm32 only, the default `web` feature) is the
//! browser shell with the JavaScript `Client` and the Rust `RustClient`.
#![deny(missing_docs)]

pub mod core;
pub mod error;
pub mod options;
pub mod protocol;
#[cfg(all(target_arch = "wasm32", feature = "web"))]
pub mod web;
