//! The registry of live sockets per user, and the one place events are published.
//!
//! With the memory store, each user has a lock: publishing appends to the store and queues the
//! frame to every socket under that lock; attaching a socket registers it and queues `welcome`
//! plus the replay under the same lock. So an event is either in the replay or delivered live,
//! never both, never neither. With Redis, events come back through pub/sub and the same
//! guarantee rests on per-socket cursors (the argument is in [`crate::fanout`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::Value;
use spellwire::protocol::{Cursor, Message, ServerFrame, Welcome};

use crate::conn::{ConnHandle, Out};
use crate::fanout::Live;
use crate::frames::encode;
use crate::log::Window;
use crate::redis_store::RedisStore;
use crate::store::{Store, StoreError};

mod items;
mod levers;
mod resync;
mod setup;
mod sweep;

pub use sweep::Swept;

/// Where history lives: this process, or Redis shared by several nodes.
pub enum Backend {
    /// In-process; the hub delivers its own events.
    Memory(Arc<dyn Store>),
    /// Shared; events reach sockets through the pub/sub subscriber ([`crate::subscriber`]).
    Redis(Box<RedisStore>),
}

/// Sockets and publishing for all users.
///
/// Per-user state (sockets, and with the memory store the log and message ids) is forgotten
/// once the user has had no socket for a retention period and nothing is retained for them
/// ([`Hub::sweep`]), so memory follows the users of the last few minutes, not every user ever
/// seen.
///
/// ```
/// use spellwire_server::{hub::Hub, store::MemoryStore, log::Retention};
/// use std::{sync::Arc, time::Duration};
/// let store = MemoryStore::new(Retention { max_events: 10, max_age: Duration::from_secs(60) });
/// let hub = Hub::new(Arc::new(store), "e1".into(), 25_000);
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// assert_eq!(hub.publish("ann", "hi".into(), None, serde_json::json!({})).await.unwrap(), (1, 0));
/// # });
/// ```
pub struct Hub {
    backend: Backend,
    epoch: String,
    heartbeat_ms: u64,
    users: Mutex<HashMap<String, Arc<Mutex<Live>>>>,
    /// Bumped at each (re)subscription to Redis pub/sub.
    fanout_gen: AtomicU64,
    /// Whether the pub/sub subscription is believed to be up.
    fanout_up: AtomicBool,
    /// Publish idempotency keys (memory store; Redis keeps its own).
    recent: Mutex<crate::publish::idem::Recent>,
}

impl Hub {
    /// A hub over `store`, whose history belongs to `epoch`.
    pub fn new(store: Arc<dyn Store>, epoch: String, heartbeat_ms: u64) -> Self {
        Self::with_backend(Backend::Memory(store), epoch, heartbeat_ms)
    }

    /// A hub over `backend`; with Redis, `epoch` is the deployment epoch read at startup.
    pub fn with_backend(backend: Backend, epoch: String, heartbeat_ms: u64) -> Self {
        let users = Mutex::new(HashMap::new());
        let (fanout_gen, fanout_up) = (AtomicU64::new(0), AtomicBool::new(false));
        let recent = Mutex::new(crate::publish::idem::Recent::new(crate::publish::idem::MAX_KEYS));
        Self { backend, epoch, heartbeat_ms, users, fanout_gen, fanout_up, recent }
    }

    /// This process's log identity (with Redis: the deployment's, as read at startup).
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The current log identity; with Redis, read now (so a health check sees Redis down).
    pub async fn current_epoch(&self) -> Result<String, StoreError> {
        match &self.backend {
            Backend::Memory(_) => Ok(self.epoch.clone()),
            Backend::Redis(store) => store.epoch().await,
        }
    }

    /// The epoch of one user's log (memory store): this process's epoch, the log's generation
    /// and the user. The user part means a cursor saved by one user (say, before a logout in
    /// the same tab) is never honoured for another; the generation, that a cursor into a log
    /// that was swept is never honoured for the new log that reuses its seqs.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::{hub::Hub, store::MemoryStore, config::Config};
    /// let hub = Hub::new(Arc::new(MemoryStore::new(Config::default().retention())), "e1".into(), 1000);
    /// assert_eq!(hub.user_epoch(3, "ann"), "e1:3:ann");
    /// ```
    pub fn user_epoch(&self, gen: u64, user: &str) -> String {
        format!("{}:{gen}:{user}", self.epoch)
    }

    /// Registers `conn` for `user` and queues `welcome` and the replay to it, atomically with
    /// respect to publishing (with Redis: see [`crate::fanout`] for why there is no gap).
    /// `expires_in_ms` is the time left on the socket's token, told to the client in `welcome`.
    pub async fn attach(self: &Arc<Self>, user: &str, resume: Option<&Cursor>, conn: ConnHandle, expires_in_ms: Option<u64>) -> Result<Welcome, StoreError> {
        let store = match &self.backend {
            Backend::Memory(store) => return Ok(self.attach_memory(store.as_ref(), user, resume, conn, expires_in_ms)),
            Backend::Redis(store) => store,
        };
        let live = self.live(user);
        lock(&live).add_pending(conn.clone());
        let mark = self.fanout_gen.load(Ordering::SeqCst);
        let snap = match store.snapshot(user, resume).await {
            Ok(snap) => snap,
            Err(e) => {
                lock(&live).remove(conn.id);
                return Err(e);
            }
        };
        let welcome = Welcome { expires_in_ms, ..self.welcome(snap.epoch, snap.window, resume) };
        debug_assert_eq!(welcome.after, snap.after, "Lua and Rust resume rules agree");
        let mut l = lock(&live);
        conn.push(Out::frame(encode(&ServerFrame::Welcome(welcome.clone()))));
        conn.push(Out::Frames(snap.frames.into_iter().map(|(_, f)| f).collect()));
        let gap = l.go_live(conn.id, snap.window.head);
        if gap || !self.fanout_steady(mark) {
            self.start_resync(&mut l, user);
        }
        Ok(welcome)
    }

    fn attach_memory(&self, store: &dyn Store, user: &str, resume: Option<&Cursor>, conn: ConnHandle, expires_in_ms: Option<u64>) -> Welcome {
        let live = self.live(user);
        let mut live = lock(&live);
        let (gen, window) = store.window(user);
        let welcome = Welcome { expires_in_ms, ..self.welcome(self.user_epoch(gen, user), window, resume) };
        conn.push(Out::frame(encode(&ServerFrame::Welcome(welcome.clone()))));
        conn.push(Out::Frames(store.since(user, welcome.after).into()));
        live.add_live(conn, window.head);
        welcome
    }

    fn welcome(&self, epoch: String, window: Window, resume: Option<&Cursor>) -> Welcome {
        let (after, resumed) = resume_point(&epoch, window, resume);
        Welcome {
            epoch,
            after,
            resumed,
            heartbeat_ms: self.heartbeat_ms,
            head: window.head,
            expires_in_ms: None,
        }
    }

    /// Forgets the socket `id` of `user`; the user's state stays at least a retention period.
    pub fn detach(&self, user: &str, id: u64) {
        if let Some(live) = self.existing(user) {
            let mut live = lock(&live);
            live.remove(id);
            live.left_at = Some(Instant::now());
        }
    }

    /// Stores an event and queues it to every socket of `user`: `(seq, reached)`, where
    /// `reached` counts sockets (memory) or nodes subscribed to the event channel (Redis).
    pub async fn publish(&self, user: &str, kind: String, topic: Option<String>, data: Value) -> Result<(u64, usize), StoreError> {
        match &self.backend {
            Backend::Memory(store) => {
                let live = self.live(user);
                let mut live = lock(&live);
                Ok(publish_locked(store.as_ref(), &mut live, user, kind, topic, data))
            }
            Backend::Redis(store) => store.append(user, kind, topic, data).await,
        }
    }

    /// Applies a client message once per id: records it and publishes it back to the user.
    /// Returns false for a resend (already applied, on any node).
    pub async fn apply(&self, user: &str, msg: Message<Value>) -> Result<bool, StoreError> {
        match &self.backend {
            Backend::Memory(store) => {
                let live = self.live(user);
                let mut live = lock(&live);
                if !store.apply_once(user, &msg) {
                    return Ok(false);
                }
                publish_locked(store.as_ref(), &mut live, user, msg.kind, msg.topic, msg.data);
                Ok(true)
            }
            Backend::Redis(store) => Ok(store.apply(user, &msg).await?.is_some()),
        }
    }

    /// Queues every retained event after `after` to one socket (the `replay` op).
    pub async fn replay_to(&self, user: &str, after: u64, conn: &ConnHandle) -> Result<(), StoreError> {
        let frames = match &self.backend {
            Backend::Memory(store) => store.since(user, after),
            Backend::Redis(store) => store.since(user, after).await?.into_iter().map(|(_, f)| f).collect(),
        };
        conn.push(Out::Frames(frames.into()));
        Ok(())
    }

    /// The state of `user`, created if missing.
    fn live(&self, user: &str) -> Arc<Mutex<Live>> {
        lock(&self.users).entry(user.to_owned()).or_default().clone()
    }

    /// The state of `user` if there is any: what only looks or removes creates nothing.
    fn existing(&self, user: &str) -> Option<Arc<Mutex<Live>>> {
        lock(&self.users).get(user).cloned()
    }
}

/// Appends under the user's lock and offers the frame to its sockets (memory store).
fn publish_locked(store: &dyn Store, live: &mut Live, user: &str, kind: String, topic: Option<String>, data: Value) -> (u64, usize) {
    let (seq, frame) = store.append(user, kind, topic, data);
    (seq, live.offer(seq, &frame).0)
}

/// Where replay starts, and whether the client's cursor was honoured.
///
/// A cursor is honoured when it has this epoch and `first - 1 <= seq <= head`; otherwise the
/// whole retained log is replayed (so a brand-new client gets what was stored while it had no
/// socket).
///
/// ```
/// use spellwire::protocol::Cursor;
/// use spellwire_server::{hub::resume_point, log::Window};
/// let w = Window { first: 5, head: 9 };
/// let c = Cursor { epoch: "e".into(), seq: 7 };
/// assert_eq!(resume_point("e", w, Some(&c)), (7, true));
/// assert_eq!(resume_point("other", w, Some(&c)), (4, false));
/// assert_eq!(resume_point("e", w, None), (4, false));
/// ```
pub fn resume_point(epoch: &str, window: Window, cursor: Option<&Cursor>) -> (u64, bool) {
    match cursor {
        Some(c) if c.epoch == epoch && window.first - 1 <= c.seq && c.seq <= window.head => {
            (c.seq, true)
        }
        _ => (window.first - 1, false),
    }
}

/// Locks, shrugging off poisoning: a panicked holder leaves plain data, still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_rule_edges() {
        let w = Window { first: 5, head: 9 };
        let at = |seq| resume_point("e", w, Some(&Cursor { epoch: "e".into(), seq }));
        assert_eq!(at(4), (4, true));
        assert_eq!(at(9), (9, true));
        assert_eq!(at(3), (4, false)); // fell out of the window
        assert_eq!(at(10), (4, false)); // from the future: not ours
        let empty = Window { first: 1, head: 0 };
        assert_eq!(resume_point("e", empty, Some(&Cursor { epoch: "e".into(), seq: 0 })), (0, true));
    }
}
