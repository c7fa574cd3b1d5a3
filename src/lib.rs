//! spellwire: a realtime client that does not lose notifications.
pub mod core;
pub mod error;
pub mod options;
pub mod protocol;
