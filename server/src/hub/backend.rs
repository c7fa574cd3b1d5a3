//! What a hub needs from where history lives, and why no socket sees a gap or an overlap.
//!
//! [`Backend`] has two implementations: [`super::memory::Memory`] (this process) and
//! [`super::redis::Redis`] (a Redis shared by several nodes). The hub keeps, per stream (a
//! user's personal stream or a channel, [`Stream`]), the sockets reading it on this node
//! ([`crate::fanout::Live`]); a backend stores the log and decides how a new socket joins the
//! live flow.
//!
//! # No gap, no overlap
//!
//! A socket that joins a stream (`hello` for the personal stream, `sub` for a channel) gets its
//! first frame (`welcome` or `subscribed`), then the replay `after+1 ..= head`, then live events
//! from `head+1`: each event exactly once, in seq order.
//!
//! **Memory.** Each stream has a lock (its `Live` behind a mutex). Publishing appends to the
//! store and offers the frame to the stream's sockets under that lock; joining reads the window,
//! queues the first frame and the replay, and registers the socket under the same lock. So
//! every event was appended either before the join (in the replay) or after it (offered live),
//! never both, never neither. Nothing else is needed: a socket never sees a gap.
//!
//! **Redis.** Events reach a node over pub/sub, and a join's replay comes from a snapshot
//! script. Both are ordered by Redis, which runs one script at a time; appending and publishing
//! (on the stream's own pub/sub channel) are one script, so a node subscribed to a stream
//! receives its events in seq order. A node is subscribed only to the streams its sockets read
//! ([`crate::subscriber::Subscriptions`]). A joining socket:
//!
//! 1. is registered as *pending*: live events that arrive from now on are queued, in order;
//! 2. makes sure the node is subscribed to the stream's channel, and waits until Redis
//!    confirmed `SUBSCRIBE` (at once when it already was; `Subscriptions::need`). A sweep drops
//!    a channel only when no socket, pending ones included, is registered on the stream at that
//!    moment, and a later `need` subscribes again, so the subscription outlasts step 3;
//! 3. gets the snapshot (window, resume point, replay up to `head`). The confirmation came
//!    before the snapshot request was sent, so Redis ran `SUBSCRIBE` before the snapshot, and
//!    every event with seq > `head` was published after both: it reaches this node, in order,
//!    queued in step 1 or later;
//! 4. goes live: first frame, the replay, then the queued events with seq > `head` (those
//!    `<= head` were in the replay), and from then on each event with `seq == last + 1`
//!    ([`crate::fanout::Live::offer`]).
//!
//! If the subscription breaks (Redis restart, network), events may be missed: an event with
//! `seq > last + 1` is never forwarded; it marks a gap, and the hub re-reads the log from the
//! lowest `last` ([`super::Hub::deliver_to`], `resync`; offering is idempotent, so reading too
//! much is harmless). A socket that joined while the connection was down (step 2 returns at
//! once then) finds the subscription unsteady after its snapshot and is resynced the same way.
//! After a reconnection the node first subscribes again to every stream wanted, confirmed, and
//! only then ([`super::Hub::fanout_up`]) re-reads every stream with sockets here, so each event
//! is in that read or arrives after it; a sweep that finds a log expired under its sockets
//! closes them (1013).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::Value;
use spellwire::protocol::{Cursor, Message};

use super::{Hub, Swept};
use crate::conn::ConnHandle;
use crate::log::Window;
use crate::publish::body::Item;
use crate::publish::idem::PublishError;
use crate::store::StoreError;
use crate::stream::Stream;

/// Where a joining socket starts reading a log: the answer's `epoch`, `after`, `resumed`, `head`.
///
/// ```
/// use spellwire_server::{hub::Position, log::Window};
/// let p = Position::new("e1:1:ann".into(), Window { first: 3, head: 9 }, None);
/// assert_eq!((p.after, p.resumed, p.head), (2, false, 9));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The log's epoch.
    pub epoch: String,
    /// The replay starts after this seq.
    pub after: u64,
    /// Whether the client's cursor was honoured ([`super::resume_point`]).
    pub resumed: bool,
    /// The newest seq when the socket joined.
    pub head: u64,
}

impl Position {
    /// The position for a socket presenting `cursor` to the log `epoch` holding `window`.
    pub fn new(epoch: String, window: Window, cursor: Option<&Cursor>) -> Self {
        let (after, resumed) = super::resume_point(&epoch, window, cursor);
        Self { epoch, after, resumed, head: window.head }
    }
}

/// Retained events as `(seq, frame)`, oldest first.
pub type Frames = Vec<(u64, Arc<str>)>;

/// Renders the first frame a joining socket gets (`welcome` or `subscribed`), from its position.
pub type Intro<'a> = &'a (dyn Fn(&Position) -> String + Send + Sync);

/// The operations whose work differs between the memory store and Redis (see the module docs
/// for the ordering each keeps). Every method gets the hub, for its per-stream socket registry.
///
/// ```
/// use std::sync::Arc;
/// use spellwire_server::{config::Config, hub::{memory::Memory, Backend}, store::MemoryStore};
/// let backend: Box<dyn Backend> = Box::new(Memory::new(Arc::new(MemoryStore::new(Config::default().retention()))));
/// assert_eq!(backend.stored(), 0);
/// ```
pub trait Backend: Send + Sync + 'static {
    /// The deployment's epoch as of now (memory: the process's; Redis: read, so a health check
    /// sees Redis down).
    fn current_epoch<'a>(&'a self, hub: &'a Hub) -> BoxFuture<'a, Result<String, StoreError>>;

    /// Registers `conn` on `stream` and queues `intro`'s frame, then the replay after the
    /// cursor, atomically with respect to publishing. A socket already registered on the
    /// stream is registered once.
    fn attach<'a>(&'a self, hub: &'a Arc<Hub>, stream: &'a Stream, resume: Option<&'a Cursor>, conn: ConnHandle, intro: Intro<'a>) -> BoxFuture<'a, Result<Position, StoreError>>;

    /// Stores an event in `stream`'s log and delivers it: `(seq, reached)`, where `reached`
    /// counts sockets (memory) or nodes subscribed to the stream's pub/sub channel (Redis).
    fn publish<'a>(&'a self, hub: &'a Hub, stream: &'a Stream, kind: String, topic: Option<String>, data: Value) -> BoxFuture<'a, Result<(u64, usize), StoreError>>;

    /// Applies a client message of `user` once per id (records it and publishes it back to the
    /// user); false for a resend.
    fn apply<'a>(&'a self, hub: &'a Hub, user: &'a str, msg: Message<Value>) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// `(seq, frame)` of every retained event of `stream` after `after`, oldest first.
    fn since<'a>(&'a self, stream: &'a Stream, after: u64) -> BoxFuture<'a, Result<Frames, StoreError>>;

    /// Stores a publish request whole or not at all ([`Hub::publish_items`]).
    fn publish_items<'a>(&'a self, hub: &'a Hub, items: &'a [Item], ttl: Duration) -> BoxFuture<'a, Result<Vec<Vec<u64>>, PublishError>>;

    /// Forgets the streams idle at `now` ([`super::sweep`]).
    fn sweep<'a>(&'a self, hub: &'a Hub, now: Instant) -> BoxFuture<'a, Result<Swept, StoreError>>;

    /// How many streams this process stores a log or ids for (Redis: 0, they live there).
    fn stored(&self) -> usize;

    /// The messages applied for `user`, oldest first (test hooks).
    fn applied<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Vec<Message<Value>>, StoreError>>;
}
