//! Random identifiers: the log epoch, cast ids and the default token secret.

use rand::Rng;

/// `n` random bytes.
///
/// ```
/// assert_eq!(spellwire_server::random::bytes(4).len(), 4);
/// ```
pub fn bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0; n];
    rand::rng().fill(&mut v[..]);
    v
}

/// A random lowercase hex id of `n` bytes (2n characters).
///
/// ```
/// let id = spellwire_server::random::hex_id(6);
/// assert_eq!(id.len(), 12);
/// ```
pub fn hex_id(n: usize) -> String {
    bytes(n).iter().map(|b| format!("{b:02x}")).collect()
}
