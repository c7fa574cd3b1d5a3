//! The registry of live sockets per user, and the one place events are published.
//!
//! Each user has a lock. Publishing appends to the store and queues the frame to every socket
//! under that lock; attaching a socket registers it and queues `welcome` plus the replay under
//! the same lock. So an event is either in the replay or delivered live, never both, never
//! neither.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use spellwire::protocol::{Cursor, Message, ServerFrame, Welcome};

use crate::conn::{ConnHandle, Out};
use crate::frames::encode;
use crate::log::Window;
use crate::store::Store;

/// Live state of one user: its sockets and test-hook switches.
#[derive(Default)]
struct Live {
    conns: Vec<ConnHandle>,
    mute_pongs_until: Option<Instant>,
}

/// Sockets and publishing for all users.
///
/// ```
/// use spellwire_server::{hub::Hub, store::MemoryStore, log::Retention};
/// use std::{sync::Arc, time::Duration};
/// let store = MemoryStore::new(Retention { max_events: 10, max_age: Duration::from_secs(60) });
/// let hub = Hub::new(Arc::new(store), "e1".into(), 25_000);
/// assert_eq!(hub.publish("ann", "hi".into(), None, serde_json::json!({})), (1, 0));
/// ```
pub struct Hub {
    store: Arc<dyn Store>,
    epoch: String,
    heartbeat_ms: u64,
    users: Mutex<HashMap<String, Arc<Mutex<Live>>>>,
}

impl Hub {
    /// A hub over `store`, whose history belongs to `epoch`.
    pub fn new(store: Arc<dyn Store>, epoch: String, heartbeat_ms: u64) -> Self {
        Self { store, epoch, heartbeat_ms, users: Mutex::new(HashMap::new()) }
    }

    /// This process's log identity.
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The epoch of one user's log: the process epoch plus the user, so a cursor saved by one
    /// user (say, before a logout in the same tab) is never honoured for another.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::{hub::Hub, store::MemoryStore, config::Config};
    /// let hub = Hub::new(Arc::new(MemoryStore::new(Config::default().retention())), "e1".into(), 1000);
    /// assert_eq!(hub.user_epoch("ann"), "e1:ann");
    /// ```
    pub fn user_epoch(&self, user: &str) -> String {
        format!("{}:{user}", self.epoch)
    }

    /// Registers `conn` for `user` and queues `welcome` and the replay to it, atomically with
    /// respect to publishing.
    pub fn attach(&self, user: &str, resume: Option<&Cursor>, conn: ConnHandle) -> Welcome {
        let live = self.live(user);
        let mut live = lock(&live);
        let epoch = self.user_epoch(user);
        let (after, resumed) = resume_point(&epoch, self.store.window(user), resume);
        let welcome = Welcome {
            epoch,
            after,
            resumed,
            heartbeat_ms: self.heartbeat_ms,
        };
        conn.push(Out::frame(encode(&ServerFrame::Welcome(welcome.clone()))));
        conn.push(Out::Frames(self.store.since(user, after)));
        live.conns.push(conn);
        welcome
    }

    /// Forgets the socket `id` of `user`.
    pub fn detach(&self, user: &str, id: u64) {
        lock(&self.live(user)).conns.retain(|c| c.id != id);
    }

    /// Stores an event and queues it to every socket of `user`: `(seq, sockets reached)`.
    pub fn publish(&self, user: &str, kind: String, topic: Option<String>, data: Value) -> (u64, usize) {
        let live = self.live(user);
        let mut live = lock(&live);
        self.publish_locked(&mut live, user, kind, topic, data)
    }

    fn publish_locked(&self, live: &mut Live, user: &str, kind: String, topic: Option<String>, data: Value) -> (u64, usize) {
        let (seq, frame) = self.store.append(user, kind, topic, data);
        live.conns.retain(|c| c.push(Out::Frame(frame.clone())));
        (seq, live.conns.len())
    }

    /// Applies a client message once per id: records it and publishes it back to the user.
    /// Returns false for a resend (already applied).
    pub fn apply(&self, user: &str, msg: Message<Value>) -> bool {
        let live = self.live(user);
        let mut live = lock(&live);
        if !self.store.apply_once(user, &msg) {
            return false;
        }
        self.publish_locked(&mut live, user, msg.kind, msg.topic, msg.data);
        true
    }

    /// Queues every retained event after `after` to one socket (the `replay` op).
    pub fn replay_to(&self, user: &str, after: u64, conn: &ConnHandle) {
        let live = self.live(user);
        let _held = lock(&live);
        conn.push(Out::Frames(self.store.since(user, after)));
    }

    /// Aborts every socket of `user`; returns how many.
    pub fn drop_user(&self, user: &str) -> usize {
        let live = self.live(user);
        let conns = std::mem::take(&mut lock(&live).conns);
        conns.iter().for_each(ConnHandle::abort);
        conns.len()
    }

    /// Black-holes every socket of `user` (see [`ConnHandle::silence`]) and forgets them, so
    /// events go only to the log until the client notices and reconnects; returns how many.
    pub fn blackhole_user(&self, user: &str) -> usize {
        let live = self.live(user);
        let conns = std::mem::take(&mut lock(&live).conns);
        conns.iter().for_each(ConnHandle::silence);
        conns.len()
    }

    /// Queues `text` verbatim to every socket of `user`; returns how many took it.
    pub fn send_raw(&self, user: &str, text: &str) -> usize {
        let live = self.live(user);
        let live = lock(&live);
        live.conns.iter().filter(|c| c.push(Out::Raw(text.to_owned()))).count()
    }

    /// Stops answering pings from `user` for `dur`.
    pub fn mute_pongs(&self, user: &str, dur: Duration) {
        lock(&self.live(user)).mute_pongs_until = Some(Instant::now() + dur);
    }

    /// Whether pings from `user` go unanswered right now.
    pub fn pongs_muted(&self, user: &str) -> bool {
        lock(&self.live(user)).mute_pongs_until.is_some_and(|t| Instant::now() < t)
    }

    /// The messages applied for `user`, oldest first.
    pub fn applied(&self, user: &str) -> Vec<Message<Value>> {
        self.store.applied(user)
    }

    fn live(&self, user: &str) -> Arc<Mutex<Live>> {
        lock(&self.users).entry(user.to_owned()).or_default().clone()
    }
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
