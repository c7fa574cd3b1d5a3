//! spellwire
pub mod protocol;
