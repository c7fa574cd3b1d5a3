//! The registry of live sockets per stream (a user's personal stream or a channel), and the
//! one place events are published.
//!
//! The hub keeps, per [`Stream`], the sockets of this node that read it ([`Live`]); where the
//! logs live is its [`Backend`]: [`memory::Memory`] or [`redis::Redis`]. Why no socket sees a
//! gap or an overlap, for both, is in [`backend`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde_json::Value;
use spellwire::protocol::{Cursor, Message, ServerFrame, Welcome};

use crate::conn::{ConnHandle, Out};
use crate::fanout::Live;
use crate::frames::encode;
use crate::log::Window;
use crate::store::{Store, StoreError};
use crate::stream::Stream;

pub mod backend;
mod channels;
mod items;
mod levers;
pub mod memory;
pub mod redis;
mod resync;
mod setup;
mod sweep;

pub use backend::{Backend, Position};
pub use sweep::Swept;

/// Sockets and publishing for all streams.
///
/// Per-stream state (sockets, and with the memory store the log and message ids) is forgotten
/// once the stream has had no socket for a retention period and nothing is retained for it
/// ([`Hub::sweep`]), so memory follows the users and channels of the last few minutes, not
/// every one ever seen.
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
    backend: Box<dyn Backend>,
    epoch: String,
    heartbeat_ms: u64,
    streams: Mutex<HashMap<Stream, Arc<Mutex<Live>>>>,
    /// Bumped at each (re)subscription to Redis pub/sub.
    fanout_gen: AtomicU64,
    /// Whether the pub/sub subscription is believed to be up.
    fanout_up: AtomicBool,
}

impl Hub {
    /// A hub over the memory `store`, whose history belongs to `epoch`.
    pub fn new(store: Arc<dyn Store>, epoch: String, heartbeat_ms: u64) -> Self {
        Self::with_backend(Box::new(memory::Memory::new(store)), epoch, heartbeat_ms)
    }

    /// A hub over `backend`; with Redis, `epoch` is the deployment epoch read at startup.
    pub fn with_backend(backend: Box<dyn Backend>, epoch: String, heartbeat_ms: u64) -> Self {
        let streams = Mutex::new(HashMap::new());
        let (fanout_gen, fanout_up) = (AtomicU64::new(0), AtomicBool::new(false));
        Self { backend, epoch, heartbeat_ms, streams, fanout_gen, fanout_up }
    }

    /// This process's log identity (with Redis: the deployment's, as read at startup).
    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The current log identity; with Redis, read now (so a health check sees Redis down).
    pub async fn current_epoch(&self) -> Result<String, StoreError> {
        self.backend.current_epoch(self).await
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

    /// The epoch of any stream's log (memory store): `{epoch}:{gen}:{tag}`, the tag being the
    /// user or `#` and the channel ([`Stream::epoch_tag`]).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::{hub::Hub, store::MemoryStore, config::Config, stream::Stream};
    /// let hub = Hub::new(Arc::new(MemoryStore::new(Config::default().retention())), "e1".into(), 1000);
    /// assert_eq!(hub.stream_epoch(4, &Stream::Channel("crew:a".into())), "e1:4:#crew:a");
    /// ```
    pub fn stream_epoch(&self, gen: u64, stream: &Stream) -> String {
        format!("{}:{gen}:{}", self.epoch, stream.epoch_tag())
    }

    /// Registers `conn` for `user` and queues `welcome` and the replay to it, atomically with
    /// respect to publishing ([`backend`] says why there is no gap). `expires_in_ms` is the time
    /// left on the socket's token, told to the client in `welcome`.
    pub async fn attach(self: &Arc<Self>, user: &str, resume: Option<&Cursor>, conn: ConnHandle, expires_in_ms: Option<u64>) -> Result<Welcome, StoreError> {
        let heartbeat_ms = self.heartbeat_ms;
        let welcome = move |p: &Position| Welcome {
            epoch: p.epoch.clone(),
            after: p.after,
            resumed: p.resumed,
            heartbeat_ms,
            head: p.head,
            expires_in_ms,
        };
        let intro = move |p: &Position| encode(&ServerFrame::Welcome(welcome(p)));
        let stream = Stream::User(user.to_owned());
        let p = self.backend.attach(self, &stream, resume, conn, &intro).await?;
        Ok(welcome(&p))
    }

    /// Forgets the socket `id` of `user`; the user's state stays at least a retention period.
    pub fn detach(&self, user: &str, id: u64) {
        self.leave(&Stream::User(user.to_owned()), id);
    }

    /// Forgets the socket `id` on `stream`, noting when a stream's last socket left.
    pub(crate) fn leave(&self, stream: &Stream, id: u64) {
        if let Some(live) = self.existing(stream) {
            let mut live = lock(&live);
            live.remove(id);
            live.left_at = Some(Instant::now());
        }
    }

    /// Stores an event and queues it to every socket of `user`: `(seq, reached)`, where
    /// `reached` counts sockets (memory) or nodes subscribed to the stream's pub/sub channel (Redis).
    pub async fn publish(&self, user: &str, kind: String, topic: Option<String>, data: Value) -> Result<(u64, usize), StoreError> {
        self.publish_to(&Stream::User(user.to_owned()), kind, topic, data).await
    }

    /// Stores an event in `stream`'s log and queues it to every socket reading it, as
    /// [`Hub::publish`] does for a user.
    pub async fn publish_to(&self, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> Result<(u64, usize), StoreError> {
        self.backend.publish(self, stream, kind, topic, data).await
    }

    /// Applies a client message once per id: records it and publishes it back to the user.
    /// Returns false for a resend (already applied, on any node).
    pub async fn apply(&self, user: &str, msg: Message<Value>) -> Result<bool, StoreError> {
        self.backend.apply(self, user, msg).await
    }

    /// Queues every retained event after `after` to one socket (the `replay` op).
    pub async fn replay_to(&self, user: &str, after: u64, conn: &ConnHandle) -> Result<(), StoreError> {
        self.replay_stream(&Stream::User(user.to_owned()), after, conn).await
    }

    /// Queues every retained event of `stream` after `after` to one socket.
    pub async fn replay_stream(&self, stream: &Stream, after: u64, conn: &ConnHandle) -> Result<(), StoreError> {
        let frames = self.backend.since(stream, after).await?;
        conn.push(Out::Frames(frames.into_iter().map(|(_, f)| f).collect()));
        Ok(())
    }

    /// The state of `stream`, created if missing.
    fn live(&self, stream: &Stream) -> Arc<Mutex<Live>> {
        if let Some(live) = lock(&self.streams).get(stream) {
            return live.clone();
        }
        lock(&self.streams).entry(stream.clone()).or_default().clone()
    }

    /// The state of `stream` if there is any: what only looks or removes creates nothing.
    fn existing(&self, stream: &Stream) -> Option<Arc<Mutex<Live>>> {
        lock(&self.streams).get(stream).cloned()
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
