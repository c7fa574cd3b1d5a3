//! The hub's memory backend: logs in this process ([`Store`]), each stream's appends and joins
//! under the stream's lock (the ordering argument is in [`super::backend`]).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::Value;
use spellwire::protocol::{Cursor, Message};

use super::backend::{Backend, Frames, Intro, Position};
use super::{lock, sweep, Hub, Swept};
use crate::conn::{ConnHandle, Out};
use crate::fanout::Live;
use crate::publish::body::Item;
use crate::publish::idem::{PublishError, Recent, MAX_KEYS};
use crate::store::{Store, StoreError};
use crate::stream::Stream;

/// Logs, ids and publish idempotency keys in this process.
///
/// ```
/// use std::sync::Arc;
/// use spellwire_server::{config::Config, hub::{memory::Memory, Hub}, store::MemoryStore};
/// let store = Arc::new(MemoryStore::new(Config::default().retention()));
/// let hub = Hub::with_backend(Box::new(Memory::new(store)), "e1".into(), 1000);
/// assert_eq!(hub.epoch(), "e1");
/// ```
pub struct Memory {
    store: Arc<dyn Store>,
    /// Publish idempotency keys.
    recent: Mutex<Recent>,
}

impl Memory {
    /// A backend over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store, recent: Mutex::new(Recent::new(MAX_KEYS)) }
    }

    /// Joins `conn` to `stream` under the stream's lock.
    fn attach_now(&self, hub: &Hub, stream: &Stream, resume: Option<&Cursor>, conn: ConnHandle, intro: Intro<'_>) -> Position {
        let live = hub.live(stream);
        let mut live = lock(&live);
        let (gen, window) = self.store.window(stream);
        let position = Position::new(hub.stream_epoch(gen, stream), window, resume);
        conn.push(Out::frame(intro(&position)));
        let replay = self.store.since(stream, position.after);
        conn.push(Out::Frames(replay.into_iter().map(|(_, f)| f).collect()));
        live.remove(conn.id);
        live.add_live(conn, window.head);
        position
    }

    /// Appends under the stream's lock and offers the frame to its sockets.
    pub(super) fn publish_now(&self, hub: &Hub, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> (u64, usize) {
        let live = hub.live(stream);
        let mut live = lock(&live);
        publish_locked(self.store.as_ref(), &mut live, stream, kind, topic, data)
    }

    fn apply_now(&self, hub: &Hub, user: &str, msg: Message<Value>) -> bool {
        let stream = Stream::User(user.to_owned());
        let live = hub.live(&stream);
        let mut live = lock(&live);
        if !self.store.apply_once(user, &msg) {
            return false;
        }
        publish_locked(self.store.as_ref(), &mut live, &stream, msg.kind, msg.topic, msg.data);
        true
    }

    /// Holds the streams map throughout, so no stream can be recreated in the hub while its
    /// log is being judged: a stream still in the map keeps its log.
    fn sweep_now(&self, hub: &Hub, now: Instant) -> Swept {
        let mut streams = lock(&hub.streams);
        let live = sweep::forget_idle(&mut streams, now, &|s| self.store.retention_of(s).max_age);
        let stored = self.store.sweep(now, &|s| streams.contains_key(s));
        Swept { live, stored, lost: 0 }
    }
}

/// Appends under the stream's lock and offers the frame to its sockets.
fn publish_locked(store: &dyn Store, live: &mut Live, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> (u64, usize) {
    let (seq, frame) = store.append(stream, kind, topic, data);
    (seq, live.offer(seq, &frame).0)
}

impl Backend for Memory {
    fn current_epoch<'a>(&'a self, hub: &'a Hub) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(std::future::ready(Ok(hub.epoch.clone())))
    }

    fn attach<'a>(&'a self, hub: &'a Arc<Hub>, stream: &'a Stream, resume: Option<&'a Cursor>, conn: ConnHandle, intro: Intro<'a>) -> BoxFuture<'a, Result<Position, StoreError>> {
        Box::pin(std::future::ready(Ok(self.attach_now(hub, stream, resume, conn, intro))))
    }

    fn publish<'a>(&'a self, hub: &'a Hub, stream: &'a Stream, kind: String, topic: Option<String>, data: Value) -> BoxFuture<'a, Result<(u64, usize), StoreError>> {
        Box::pin(std::future::ready(Ok(self.publish_now(hub, stream, kind, topic, data))))
    }

    fn apply<'a>(&'a self, hub: &'a Hub, user: &'a str, msg: Message<Value>) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Ok(self.apply_now(hub, user, msg))))
    }

    fn since<'a>(&'a self, stream: &'a Stream, after: u64) -> BoxFuture<'a, Result<Frames, StoreError>> {
        Box::pin(std::future::ready(Ok(self.store.since(stream, after))))
    }

    fn publish_items<'a>(&'a self, hub: &'a Hub, items: &'a [Item], ttl: Duration) -> BoxFuture<'a, Result<Vec<Vec<u64>>, PublishError>> {
        let mut recent = lock(&self.recent);
        let publish = |stream: &Stream, item: &Item| {
            self.publish_now(hub, stream, item.kind.clone(), item.topic.clone(), item.data.clone()).0
        };
        Box::pin(std::future::ready(super::items::publish_once(&mut recent, items, ttl, &publish)))
    }

    fn sweep<'a>(&'a self, hub: &'a Hub, now: Instant) -> BoxFuture<'a, Result<Swept, StoreError>> {
        Box::pin(std::future::ready(Ok(self.sweep_now(hub, now))))
    }

    fn stored(&self) -> usize {
        self.store.users()
    }

    fn applied<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Vec<Message<Value>>, StoreError>> {
        Box::pin(std::future::ready(Ok(self.store.applied(user))))
    }
}
