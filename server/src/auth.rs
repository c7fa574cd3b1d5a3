//! Login tokens: `base64url("<expiry>:<user>") "." base64url(HMAC-SHA256(secret, payload))`.
//!
//! Development only: `/api/login` hands a token to anyone who names a user, there is no
//! password. What it does show is the real shape: the token travels in the `hello` frame (not
//! the URL, where proxies log it) and the server checks signature and expiry on every connect.
//! Time is passed in as unix seconds so expiry is testable.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Issues and checks tokens with one secret.
///
/// ```
/// use spellwire_server::auth::Auth;
/// let auth = Auth::new(b"k".to_vec(), 60);
/// let t = auth.issue("ann", 1000);
/// assert_eq!(auth.verify(&t, 1059).as_deref(), Some("ann"));
/// assert_eq!(auth.verify(&t, 1061), None); // expired
/// ```
#[derive(Debug, Clone)]
pub struct Auth {
    secret: Vec<u8>,
    ttl_secs: u64,
}

impl Auth {
    /// Tokens signed with `secret`, valid for `ttl_secs`.
    pub fn new(secret: Vec<u8>, ttl_secs: u64) -> Self {
        Self { secret, ttl_secs }
    }

    /// A token for `user`, issued at `now` (unix seconds).
    pub fn issue(&self, user: &str, now: u64) -> String {
        let payload = format!("{}:{user}", now + self.ttl_secs);
        let sig = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!("{}.{}", B64.encode(payload), B64.encode(sig))
    }

    /// The user a token names, if its signature is right and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: u64) -> Option<String> {
        let (payload, sig) = token.split_once('.')?;
        let payload = B64.decode(payload).ok()?;
        let sig = B64.decode(sig).ok()?;
        self.mac(&payload).verify_slice(&sig).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let (expiry, user) = payload.split_once(':')?;
        (expiry.parse::<u64>().ok()? >= now).then(|| user.to_owned())
    }

    fn mac(&self, payload: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(payload);
        mac
    }
}

/// Whether `user` is an acceptable user name: 1..=64 of `[A-Za-z0-9_.:-]`.
///
/// ```
/// use spellwire_server::auth::valid_user;
/// assert!(valid_user("ann.b:1-x_y"));
/// assert!(!valid_user(""));
/// assert!(!valid_user("a b"));
/// ```
pub fn valid_user(user: &str) -> bool {
    (1..=64).contains(&user.len())
        && user.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// Current unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_tampering_and_other_secrets() {
        let a = Auth::new(b"one".to_vec(), 60);
        let b = Auth::new(b"two".to_vec(), 60);
        let t = a.issue("ann", 0);
        assert_eq!(b.verify(&t, 0), None);
        let (_, sig) = t.split_once('.').unwrap();
        let forged = format!("{}.{sig}", B64.encode("60:bob"));
        assert_eq!(a.verify(&forged, 0), None);
        for junk in ["", ".", "x.y", "nodot"] {
            assert_eq!(a.verify(junk, 0), None);
        }
    }
}
