//! Where in-process history lives: each stream's replay log (a user's or a channel's, see
//! [`Stream`]), and each user's idempotency ids and applied messages.
//!
//! The memory backend of the hub ([`crate::hub`]) calls it while holding the stream's lock,
//! which is what keeps replay and live delivery gap-free.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::Value;
use spellwire::protocol::{Event, Message, ServerFrame};

use crate::idem::{IdLimits, IdSet};
use crate::log::{EventLog, Retention, Window};
use crate::stream::Stream;

/// How many applied messages `/test/received` can show per user (both stores).
pub const APPLIED_CAP: usize = 10_000;

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
    /// The store's settings cannot work (a `--redis-prefix` with a brace).
    Invalid(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Unavailable(why) => write!(f, "store unavailable: {why}"),
            StoreError::Invalid(why) => write!(f, "store settings: {why}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<redis::RedisError> for StoreError {
    fn from(e: redis::RedisError) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// Per-stream history operations the hub's memory backend needs.
///
/// ```
/// use spellwire_server::store::{MemoryStore, Store};
/// use spellwire_server::{log::Retention, stream::Stream};
/// let s = MemoryStore::new(Retention { max_events: 10, max_age: std::time::Duration::from_secs(60) });
/// let (seq, frame) = s.append(&Stream::User("ann".into()), "hi".into(), None, serde_json::json!(1));
/// assert_eq!(seq, 1);
/// assert_eq!(&*frame, r#"{"op":"event","seq":1,"type":"hi","data":1}"#);
/// let (_, frame) = s.append(&Stream::Channel("crew:a".into()), "hi".into(), None, serde_json::json!(1));
/// assert_eq!(&*frame, r#"{"op":"event","channel":"crew:a","seq":1,"type":"hi","data":1}"#);
/// ```
pub trait Store: Send + Sync + 'static {
    /// Stores an event in `stream`'s log and returns its seq and serialized `event` frame (with
    /// `channel` set for a channel).
    fn append(&self, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> (u64, Arc<str>);
    /// The generation of `stream`'s log (a new log gets a new one, see [`Store::sweep`])
    /// and its retained range.
    fn window(&self, stream: &Stream) -> (u64, Window);
    /// `(seq, frame)` of every retained event with seq greater than `after`, oldest first.
    fn since(&self, stream: &Stream, after: u64) -> Vec<(u64, Arc<str>)>;
    /// Records `msg` as applied unless its id was seen; true when it is new.
    fn apply_once(&self, user: &str, msg: &Message<Value>) -> bool;
    /// The applied messages, oldest first (for tests).
    fn applied(&self, user: &str) -> Vec<Message<Value>>;
    /// How long an event of a personal log is kept: a user with no socket is forgotten no
    /// sooner.
    fn retention(&self) -> Retention;
    /// How long an event of `stream`'s log is kept (channels may have their own).
    fn retention_of(&self, stream: &Stream) -> Retention;
    /// Forgets every stream for which `keep` is false and nothing is retained at `now` (no
    /// event, no message id); returns how many.
    fn sweep(&self, now: Instant, keep: &dyn Fn(&Stream) -> bool) -> usize;
    /// How many streams (users and channels) the store holds anything for.
    fn users(&self) -> usize;
}

/// In-process store: everything is lost on restart, which is why the epoch changes then.
///
/// Each user's log has a generation, unique within the store, that goes into the log's epoch.
/// A swept user who comes back gets a new log with a new generation, so a cursor into the
/// forgotten log is refused (`resumed: false`) even though seqs start again at 1.
///
/// ```
/// use spellwire_server::store::{MemoryStore, Store};
/// let s = MemoryStore::new(spellwire_server::log::Retention {
///     max_events: 10, max_age: std::time::Duration::from_secs(60) });
/// assert!(s.window(&spellwire_server::stream::Stream::User("nobody".into())).1.is_empty());
/// ```
pub struct MemoryStore {
    retention: Retention,
    channel_retention: Option<ChannelRetention>,
    ids: IdLimits,
    users: Mutex<Users>,
    applied_cap: usize,
}

/// A channel's log limits, by its name.
type ChannelRetention = Box<dyn Fn(&str) -> Retention + Send + Sync>;

#[derive(Default)]
struct Users {
    by_name: HashMap<Stream, UserData>,
    /// The generation the next new log gets.
    next_gen: u64,
}

struct UserData {
    gen: u64,
    log: EventLog,
    /// Absent until the user's first send: most users only receive, and this entry sits
    /// inline in a table sized for the peak number of users (boxed, 100,000 receive-only
    /// users took 59 MB instead of 75 MB, `tests/sweep_rss.rs`).
    sent: Option<Box<Sent>>,
}

/// What a user sent: the ids for idempotency, and the messages for `/test/received`.
struct Sent {
    ids: IdSet,
    applied: VecDeque<Message<Value>>,
}

impl MemoryStore {
    /// An empty store keeping each user's log within `retention`, and the default
    /// [`IdLimits`] for message ids.
    pub fn new(retention: Retention) -> Self {
        let users = Mutex::new(Users { next_gen: 1, ..Users::default() });
        Self { retention, channel_retention: None, ids: IdLimits::default(), users, applied_cap: 0 }
    }

    /// Keeps each channel's log within `by_name(channel)` instead of the personal retention
    /// (the server passes [`crate::config::Config::channel_retention_for`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use spellwire_server::{log::Retention, store::{MemoryStore, Store}, stream::Stream};
    /// let short = Retention { max_events: 1, max_age: Duration::from_secs(5) };
    /// let s = MemoryStore::new(Retention { max_events: 10, max_age: Duration::from_secs(60) })
    ///     .with_channel_retention(move |_| short);
    /// assert_eq!(s.retention_of(&Stream::Channel("room:1".into())), short);
    /// ```
    pub fn with_channel_retention(mut self, by_name: impl Fn(&str) -> Retention + Send + Sync + 'static) -> Self {
        self.channel_retention = Some(Box::new(by_name));
        self
    }

    /// Remembers message ids within `limits` instead of the default.
    ///
    /// ```
    /// use std::time::Duration;
    /// use spellwire_server::{idem::IdLimits, log::Retention, store::{MemoryStore, Store}};
    /// let s = MemoryStore::new(Retention { max_events: 10, max_age: Duration::from_secs(60) })
    ///     .with_ids(IdLimits { per_user: 1, ttl: Duration::from_secs(60) });
    /// let m = |id: &str| spellwire::protocol::Message { id: id.into(), kind: "k".into(), topic: None, data: serde_json::Value::Null };
    /// assert!(s.apply_once("ann", &m("1")));
    /// assert!(s.apply_once("ann", &m("2")));
    /// assert!(s.apply_once("ann", &m("1"))); // forgotten: only one id is kept
    /// ```
    pub fn with_ids(mut self, limits: IdLimits) -> Self {
        self.ids = limits;
        self
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

    /// Runs `f` on `stream`'s data, creating it (with a new generation) if missing.
    fn with<R>(&self, stream: &Stream, f: impl FnOnce(&mut UserData) -> R) -> R {
        let mut users = lock(&self.users);
        let Users { by_name, next_gen } = &mut *users;
        if let Some(data) = by_name.get_mut(stream) {
            return f(data);
        }
        let data = UserData { gen: *next_gen, log: EventLog::new(self.retention_of(stream)), sent: None };
        *next_gen += 1;
        f(by_name.entry(stream.clone()).or_insert(data))
    }

    /// Runs `f` on `stream`'s data if the store has any: reads do not create streams.
    fn with_existing<R: Default>(&self, stream: &Stream, f: impl FnOnce(&mut UserData) -> R) -> R {
        lock(&self.users).by_name.get_mut(stream).map(f).unwrap_or_default()
    }
}

impl Store for MemoryStore {
    fn append(&self, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> (u64, Arc<str>) {
        let channel = stream.channel().map(str::to_owned);
        let render = |seq| encode_event(Event { channel, seq, kind, topic, data });
        self.with(stream, |u| u.log.append(Instant::now(), render))
    }

    fn window(&self, stream: &Stream) -> (u64, Window) {
        self.with(stream, |u| (u.gen, u.log.window_at(Instant::now())))
    }

    fn since(&self, stream: &Stream, after: u64) -> Vec<(u64, Arc<str>)> {
        self.with_existing(stream, |u| {
            let frames = u.log.since(after, Instant::now());
            // Retained seqs are consecutive and end at the head.
            let first = u.log.window().head + 1 - frames.len() as u64;
            (first..).zip(frames).collect()
        })
    }

    fn apply_once(&self, user: &str, msg: &Message<Value>) -> bool {
        self.with(&Stream::User(user.to_owned()), |u| {
            let sent = u.sent.get_or_insert_with(|| Box::new(Sent { ids: IdSet::new(self.ids), applied: VecDeque::new() }));
            if !sent.ids.insert(&msg.id, Instant::now()) {
                return false;
            }
            if self.applied_cap == 0 {
                return true;
            }
            if sent.applied.len() == self.applied_cap {
                sent.applied.pop_front();
            }
            sent.applied.push_back(msg.clone());
            true
        })
    }

    fn applied(&self, user: &str) -> Vec<Message<Value>> {
        self.with_existing(&Stream::User(user.to_owned()), |u| u.sent.as_ref().map(|s| s.applied.iter().cloned().collect()).unwrap_or_default())
    }

    fn retention(&self) -> Retention {
        self.retention
    }

    fn retention_of(&self, stream: &Stream) -> Retention {
        match (stream, &self.channel_retention) {
            (Stream::Channel(name), Some(by_name)) => by_name(name),
            _ => self.retention,
        }
    }

    fn sweep(&self, now: Instant, keep: &dyn Fn(&Stream) -> bool) -> usize {
        let mut users = lock(&self.users);
        let before = users.by_name.len();
        users.by_name.retain(|name, u| keep(name) || u.holds_anything(now));
        shrink(&mut users.by_name);
        before - users.by_name.len()
    }

    fn users(&self) -> usize {
        lock(&self.users).by_name.len()
    }
}

impl UserData {
    /// Whether anything is still retained at `now`: an event of the log or a message id.
    /// (The applied list of the test hooks does not keep a user.)
    fn holds_anything(&mut self, now: Instant) -> bool {
        let ids_left = self.sent.as_mut().is_some_and(|s| {
            s.ids.expire(now);
            !s.ids.is_empty()
        });
        ids_left || !self.log.window_at(now).is_empty()
    }
}

/// Gives memory back after a sweep emptied most of a map: `retain` never shrinks the table,
/// and a table sized for a peak of users would otherwise stay that size.
///
/// ```
/// let mut m: std::collections::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
/// m.retain(|k, _| *k < 10);
/// spellwire_server::store::shrink(&mut m);
/// assert!(m.capacity() < 100);
/// ```
pub fn shrink<K: Eq + std::hash::Hash, V>(map: &mut HashMap<K, V>) {
    if map.capacity() > 64 && map.len() < map.capacity() / 4 {
        map.shrink_to_fit();
    }
}

/// Locks, shrugging off poisoning: a panicked holder leaves plain data, still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Serializes an event as a server frame.
fn encode_event(event: Event<Value>) -> String {
    crate::frames::encode(&ServerFrame::Event(event))
}
