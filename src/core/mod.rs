//! The sans-IO core: plain Rust, no `web_sys`, no clock, no randomness of its own.
//!
//! The browser layer (or a test) feeds [`Input`]s stamped with the time and carries out the
//! [`Output`]s it gets back; it asks [`Core::next_wake`] when to call again. Because nothing
//! here touches a socket or a timer, `cargo test` drives whole reconnect storms in
//! microseconds, and user callbacks never run while the core is borrowed.
//!
//! ```
//! use spellwire::core::{Core, Input, Output, Phase};
//! use spellwire::options::Options;
//! let mut core: Core<&str> = Core::new(Options::new("ws://127.0.0.1:8080/ws"), None, 42);
//! let out = core.handle(0.0, Input::Connect);
//! assert!(matches!(out[0], Output::FetchToken { gen: 1 }));
//! assert_eq!(core.phase(), Phase::Connecting);
//! ```

mod attempt;
pub mod backoff;
pub mod channels;
mod hints;
pub mod liveness;
mod machine;
pub mod outbox;
mod renew;
mod reply;
mod send;
pub mod rng;
pub mod seq;
pub mod text;
mod transport;
mod types;

pub use machine::Core;
pub use renew::renew_after;
pub use types::{Input, Output, Phase, StateInfo, Stats};
