//! Where per-user history lives: the replay log, the idempotency ids and the applied messages.
//!
//! The hub only talks to the [`Store`] trait, so a shared backend (Redis, for several server
//! processes) can replace [`MemoryStore`] later without touching socket code. The hub calls it
//! while holding the user's lock, which is what keeps replay and live delivery gap-free.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;
use spellwire::protocol::{Event, Message, ServerFrame};

use crate::idem::IdSet;
use crate::log::{EventLog, Retention, Window};

/// How many applied messages `/test/received` can show per user (both stores).
pub const APPLIED_CAP: usize = 10_000;
/// How many message ids per user are remembered for idempotency.
const IDS_CAP: usize = 10_000;

/// Why the shared store could not answer (only the Redis store fails; memory never does).
///
/// ```
/// let e = spellwire_server::store::StoreError::Unavailable("connection refused".into());
/// assert_eq!(e.to_string(), "store unavailable: connection refused");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StoreError {
    /// Redis is down, unreachable, or answered something unexpected.
    Unavailable(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "store unavailable: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// Per-user history operations the hub needs.
///
/// ```
/// use spellwire_server::store::{MemoryStore, Store};
/// use spellwire_server::log::Retention;
/// let s = MemoryStore::new(Retention { max_events: 10, max_age: std::time::Duration::from_secs(60) });
/// let (seq, frame) = s.append("ann", "hi".into(), None, serde_json::json!(1));
/// assert_eq!(seq, 1);
/// assert_eq!(&*frame, r#"{"op":"event","seq":1,"type":"hi","data":1}"#);
/// ```
pub trait Store: Send + Sync + 'static {
    /// Stores an event for `user` and returns its seq and serialized `event` frame.
    fn append(&self, user: &str, kind: String, topic: Option<String>, data: Value) -> (u64, Arc<str>);
    /// The retained range for `user`.
    fn window(&self, user: &str) -> Window;
    /// Serialized frames with seq greater than `after`, oldest first.
    fn since(&self, user: &str, after: u64) -> Vec<Arc<str>>;
    /// Records `msg` as applied unless its id was seen; true when it is new.
    fn apply_once(&self, user: &str, msg: &Message<Value>) -> bool;
    /// The applied messages, oldest first (for tests).
    fn applied(&self, user: &str) -> Vec<Message<Value>>;
}

/// In-process store: everything is lost on restart, which is why the epoch changes then.
///
/// ```
/// use spellwire_server::store::{MemoryStore, Store};
/// let s = MemoryStore::new(spellwire_server::log::Retention {
///     max_events: 10, max_age: std::time::Duration::from_secs(60) });
/// assert!(s.window("nobody").is_empty());
/// ```
pub struct MemoryStore {
    retention: Retention,
    users: Mutex<HashMap<String, UserData>>,
    applied_cap: usize,
}

struct UserData {
    log: EventLog,
    ids: IdSet,
    applied: VecDeque<Message<Value>>,
}

impl MemoryStore {
    /// An empty store keeping each user's log within `retention`.
    pub fn new(retention: Retention) -> Self {
        Self { retention, users: Mutex::new(HashMap::new()), applied_cap: 0 }
    }

    /// Also keeps the last [`APPLIED_CAP`] applied messages per user, for `/test/received`.
    /// Only with `--test-hooks`: in production nothing reads them, and they hold whole payloads.
    ///
    /// ```
    /// use spellwire_server::{log::Retention, store::{MemoryStore, Store}};
    /// let s = MemoryStore::new(Retention { max_events: 10, max_age: std::time::Duration::from_secs(60) });
    /// let m = spellwire::protocol::Message { id: "1".into(), kind: "k".into(), topic: None, data: serde_json::Value::Null };
    /// s.apply_once("ann", &m);
    /// assert!(s.applied("ann").is_empty()); // not kept unless asked
    /// ```
    pub fn keeping_applied(mut self) -> Self {
        self.applied_cap = APPLIED_CAP;
        self
    }

    fn with<R>(&self, user: &str, f: impl FnOnce(&mut UserData) -> R) -> R {
        let mut users = self.users.lock().unwrap_or_else(|e| e.into_inner());
        let data = users.entry(user.to_owned()).or_insert_with(|| UserData {
            log: EventLog::new(self.retention),
            ids: IdSet::new(IDS_CAP),
            applied: VecDeque::new(),
        });
        f(data)
    }
}

impl Store for MemoryStore {
    fn append(&self, user: &str, kind: String, topic: Option<String>, data: Value) -> (u64, Arc<str>) {
        let render = |seq| encode_event(Event { seq, kind, topic, data });
        self.with(user, |u| u.log.append(Instant::now(), render))
    }

    fn window(&self, user: &str) -> Window {
        self.with(user, |u| u.log.window_at(Instant::now()))
    }

    fn since(&self, user: &str, after: u64) -> Vec<Arc<str>> {
        self.with(user, |u| u.log.since(after, Instant::now()))
    }

    fn apply_once(&self, user: &str, msg: &Message<Value>) -> bool {
        self.with(user, |u| {
            if !u.ids.insert(&msg.id) {
                return false;
            }
            if self.applied_cap == 0 {
                return true;
            }
            if u.applied.len() == self.applied_cap {
                u.applied.pop_front();
            }
            u.applied.push_back(msg.clone());
            true
        })
    }

    fn applied(&self, user: &str) -> Vec<Message<Value>> {
        self.with(user, |u| u.applied.iter().cloned().collect())
    }
}

/// Serializes an event as a server frame.
fn encode_event(event: Event<Value>) -> String {
    crate::frames::encode(&ServerFrame::Event(event))
}
