//! What a publish `idempotencyKey` remembers: the event's fingerprint and the seqs it got.
//!
//! A backend retries a publish whose answer it lost; the retry must get the first answer and
//! store nothing. Keys are remembered for `--idempotency-secs` (600 s), in this process
//! ([`Recent`]) or in Redis (`{prefix}:idem:{key}`, written by `lua/publish.lua` in the same
//! script that appends, so two identical publishes racing on two nodes store one event).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use axum::http::StatusCode;

use crate::api::ApiError;
use crate::store::StoreError;

/// Most keys kept in memory; past it the oldest is forgotten before its time (and logged),
/// so a flood of keys costs bounded memory rather than the whole process.
pub const MAX_KEYS: usize = 100_000;

/// The first outcome of a key: which event it stored, and the seqs it got (one per user).
/// Redis keeps the same two things as the string `{fingerprint} {seq},{seq}...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// [`crate::publish::body::Item::fingerprint`] of the event.
    pub fingerprint: String,
    /// Its seqs, in the order of its users.
    pub seqs: Vec<u64>,
}

/// Reads `1,2,3` (as `lua/publish.lua` answers); None if any part is not a number.
///
/// ```
/// use spellwire_server::publish::idem::parse_seqs;
/// assert_eq!(parse_seqs("3,9"), Some(vec![3, 9]));
/// assert_eq!(parse_seqs("3,x"), None);
/// ```
pub fn parse_seqs(csv: &str) -> Option<Vec<u64>> {
    csv.split(',').map(|s| s.parse().ok()).collect()
}

/// Why a publish stored nothing.
#[derive(Debug)]
pub enum PublishError {
    /// The store (Redis) is unavailable: 503.
    Store(StoreError),
    /// The key of the request's event number `.0` was used for a different event: 422.
    KeyReused(usize),
}

impl From<StoreError> for PublishError {
    fn from(e: StoreError) -> Self {
        PublishError::Store(e)
    }
}

impl From<PublishError> for ApiError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Store(e) => e.into(),
            PublishError::KeyReused(i) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "idempotency_key_reused",
                message: format!("event {i}: its idempotencyKey was used recently for a different event"),
            },
        }
    }
}

/// Recently used keys in this process, forgotten when they expire or when [`MAX_KEYS`] newer
/// ones arrive. Time is passed in, so tests need no clock.
///
/// ```
/// use std::time::{Duration, Instant};
/// use spellwire_server::publish::idem::{Recent, Record};
/// let mut recent = Recent::new(10);
/// let t0 = Instant::now();
/// let r = Record { fingerprint: "f".into(), seqs: vec![1] };
/// recent.insert("k".into(), r.clone(), t0 + Duration::from_secs(600));
/// assert_eq!(recent.get("k", t0), Some(&r));
/// assert_eq!(recent.get("k", t0 + Duration::from_secs(600)), None); // expired
/// ```
#[derive(Debug)]
pub struct Recent {
    cap: usize,
    records: HashMap<String, (Record, Instant)>,
    /// Keys in insertion order with their expiry; every key shares one lifetime, so this is
    /// also expiry order.
    order: VecDeque<(Instant, String)>,
}

impl Recent {
    /// An empty memory of at most `cap` keys (at least one).
    pub fn new(cap: usize) -> Self {
        Self { cap: cap.max(1), records: HashMap::new(), order: VecDeque::new() }
    }

    /// The record of `key` if it has not expired at `now`.
    pub fn get(&mut self, key: &str, now: Instant) -> Option<&Record> {
        self.expire(now);
        self.records.get(key).map(|(r, _)| r)
    }

    /// Remembers `key` until `expires`, forgetting the oldest key if full.
    pub fn insert(&mut self, key: String, record: Record, expires: Instant) {
        while self.records.len() >= self.cap {
            let Some((at, old)) = self.order.pop_front() else { break };
            if self.records.get(&old).is_some_and(|(_, e)| *e == at) {
                tracing::warn!("idempotency memory full: forgetting key {old:?} before it expires");
                self.records.remove(&old);
            }
        }
        self.order.push_back((expires, key.clone()));
        self.records.insert(key, (record, expires));
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, key)) = self.order.front() {
            if *at > now {
                return;
            }
            // A key re-inserted after expiring has a newer entry further back; keep it.
            if self.records.get(key).is_some_and(|(_, e)| e == at) {
                self.records.remove(key);
            }
            self.order.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{Recent, Record};

    fn rec(seq: u64) -> Record {
        Record { fingerprint: "f".into(), seqs: vec![seq] }
    }

    #[test]
    fn keys_expire_in_order_and_the_cap_holds() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut r = Recent::new(3);
        r.insert("a".into(), rec(1), t0 + s(10));
        r.insert("b".into(), rec(2), t0 + s(20));
        assert_eq!(r.get("a", t0 + s(9)).map(|r| r.seqs[0]), Some(1));
        assert_eq!(r.get("a", t0 + s(10)), None);
        assert_eq!(r.get("b", t0 + s(10)).map(|r| r.seqs[0]), Some(2));
        r.insert("a".into(), rec(3), t0 + s(30));
        r.insert("c".into(), rec(4), t0 + s(40));
        r.insert("d".into(), rec(5), t0 + s(50)); // full: "b" goes early
        assert_eq!(r.len(), 3);
        assert_eq!(r.get("b", t0 + s(11)), None);
        assert_eq!(r.get("a", t0 + s(29)).map(|r| r.seqs[0]), Some(3));
    }
}
