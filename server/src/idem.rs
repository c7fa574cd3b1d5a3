//! Bounded memory of message ids already applied, so a resent `send` is acked but not applied
//! twice. Ids are forgotten when they expire or, past the per-user cap, oldest first: a client
//! resends what is still in its outbox (at most `MAX_QUEUE_LIMIT` messages), not older ones.
//!
//! Ids are kept as 128-bit hashes: a message id is any string up to the frame limit, and a
//! fixed-size hash makes each remembered id cost the same whatever its length. The Redis store
//! keeps the same hashes ([`id_hash`]), as members of one sorted set per user.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How many message ids are remembered per user, and for how long.
///
/// ```
/// let l = spellwire_server::idem::IdLimits::default();
/// assert_eq!((l.per_user, l.ttl.as_secs()), (10_000, 86_400));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct IdLimits {
    /// At most this many ids per user (`--ids-per-user`); the oldest go first.
    pub per_user: usize,
    /// An id is forgotten this long after its message was applied (`--ids-ttl-secs`).
    pub ttl: Duration,
}

impl Default for IdLimits {
    fn default() -> Self {
        Self { per_user: 10_000, ttl: Duration::from_secs(86_400) }
    }
}

/// The 128-bit hash an id is remembered by (the first half of its SHA-256).
///
/// ```
/// let h = spellwire_server::idem::id_hash("m-1");
/// assert_eq!(h, spellwire_server::idem::id_hash("m-1"));
/// assert_ne!(h, spellwire_server::idem::id_hash("m-2"));
/// ```
pub fn id_hash(id: &str) -> u128 {
    let digest = Sha256::digest(id.as_bytes());
    let mut half = [0; 16];
    half.copy_from_slice(&digest[..16]);
    u128::from_be_bytes(half)
}

/// The ids of one user applied within the last `ttl`, at most `cap` of them. Time is passed
/// in, so expiry is tested without sleeping.
///
/// ```
/// use std::time::{Duration, Instant};
/// use spellwire_server::idem::{IdLimits, IdSet};
/// let mut ids = IdSet::new(IdLimits { per_user: 2, ttl: Duration::from_secs(60) });
/// let t = Instant::now();
/// assert!(ids.insert("a", t));
/// assert!(!ids.insert("a", t)); // a resend
/// ids.insert("b", t);
/// ids.insert("c", t); // "a" is forgotten: over the cap
/// assert!(ids.insert("a", t));
/// ids.expire(t + Duration::from_secs(61));
/// assert!(ids.is_empty());
/// ```
#[derive(Debug)]
pub struct IdSet {
    limits: IdLimits,
    /// When each id was applied, oldest first (so also expiry order).
    order: VecDeque<(Instant, u128)>,
    seen: HashSet<u128>,
}

impl IdSet {
    /// An empty set within `limits` (a cap of at least one).
    pub fn new(limits: IdLimits) -> Self {
        let limits = IdLimits { per_user: limits.per_user.max(1), ..limits };
        Self { limits, order: VecDeque::new(), seen: HashSet::new() }
    }

    /// Remembers `id`, applied at `now`; true when it was not already remembered (apply it),
    /// false for a resend.
    pub fn insert(&mut self, id: &str, now: Instant) -> bool {
        self.expire(now);
        let hash = id_hash(id);
        if self.seen.contains(&hash) {
            return false;
        }
        if self.order.len() == self.limits.per_user {
            self.forget_oldest();
        }
        self.order.push_back((now, hash));
        self.seen.insert(hash);
        true
    }

    /// Forgets the ids applied more than `ttl` before `now`.
    pub fn expire(&mut self, now: Instant) {
        while self.order.front().is_some_and(|&(at, _)| now.saturating_duration_since(at) > self.limits.ttl) {
            self.forget_oldest();
        }
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn forget_oldest(&mut self) {
        if let Some((_, old)) = self.order.pop_front() {
            self.seen.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(cap: usize, secs: u64) -> IdSet {
        IdSet::new(IdLimits { per_user: cap, ttl: Duration::from_secs(secs) })
    }

    #[test]
    fn remembers_up_to_cap() {
        let mut s = set(3, 60);
        let t = Instant::now();
        let fresh: Vec<bool> = ["a", "b", "a", "c", "d", "a", "d"].iter().map(|i| s.insert(i, t)).collect();
        assert_eq!(fresh, [true, true, false, true, true, true, false]);
        assert_eq!(s.order.len(), 3);
    }

    #[test]
    fn ids_expire_after_ttl_and_not_before() {
        let mut s = set(10, 5);
        let t = Instant::now();
        s.insert("a", t);
        s.insert("b", t + Duration::from_secs(3));
        assert!(!s.insert("a", t + Duration::from_secs(5)), "still within 5 s");
        assert!(s.insert("a", t + Duration::from_secs(6)), "expired: applied again");
        assert!(!s.insert("b", t + Duration::from_secs(8)));
        s.expire(t + Duration::from_secs(12));
        assert!(s.is_empty());
    }
}
