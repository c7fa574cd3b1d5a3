//! The HTTP transport (docs/PROTOCOL.md, "HTTP transport"): the same frames as `/ws` for
//! clients whose WebSocket upgrades are refused or cut, over one long-lived streaming response
//! downstream ([`stream`], `POST /http/stream`) and plain POSTs upstream ([`send`],
//! `POST /http/send`).
//!
//! A stream is a socket to the rest of the server: it holds a seat among its user's sockets, a
//! [`ConnHandle`] registered in the hub, and what a socket's reader keeps ([`PerSocket`]). Its
//! [`Session`] is what the POSTs find it by: the id in `welcome.session`, 128 random bits after
//! this node's id, so a node can tell a session of another node (with `--redis`) from one that
//! ended.

pub mod relay;
pub mod send;
pub mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use tokio::sync::Notify;

use crate::conn::ConnHandle;
use crate::limits::rate::FrameBudget;
use crate::session::PerSocket;

/// The HTTP streams open on this node, by session id.
///
/// ```
/// let s = spellwire_server::http::Sessions::default();
/// let id = s.new_id();
/// assert!(s.is_ours(&id) && s.get(&id).is_none());
/// assert_eq!(id.len(), s.node().len() + 1 + 32);
/// ```
pub struct Sessions {
    node: String,
    by_id: Mutex<HashMap<String, Arc<Session>>>,
    /// With `--redis`: how frames reach a stream another node holds ([`relay`]).
    relay: OnceLock<relay::Relay>,
}

impl Default for Sessions {
    fn default() -> Self {
        Self { node: crate::random::hex_id(4), by_id: Mutex::default(), relay: OnceLock::new() }
    }
}

/// One HTTP stream as its POSTs see it.
pub struct Session {
    /// `welcome.session`.
    pub id: String,
    /// The token's `sub`; a POST must carry a token for the same user.
    pub user: String,
    /// The stream's queue, as the hub knows it.
    pub conn: ConnHandle,
    /// What the socket reader would keep, shared by the POSTs and the stream's timers.
    pub upstream: tokio::sync::Mutex<Upstream>,
    /// Tells the stream's timers that a POST changed something (a replay held back).
    pub wake: Notify,
}

/// A stream's upstream state: its channels, replay gates and grants, and its frame budget.
pub struct Upstream {
    /// As a socket's reader keeps it.
    pub me: PerSocket,
    /// Every POSTed frame counts against it, as a socket's frames do.
    pub frames: FrameBudget,
}

impl Session {
    /// A new stream of `user` on `conn`, whose token grants `granted`.
    pub fn new(id: String, user: String, conn: ConnHandle, granted: Vec<String>) -> Self {
        let upstream = tokio::sync::Mutex::new(Upstream { me: PerSocket::new(granted), frames: FrameBudget::default() });
        Self { id, user, conn, upstream, wake: Notify::new() }
    }
}

impl Sessions {
    /// This node's id, the prefix of every session id it hands out.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// A fresh session id: `{node}-{32 hex digits}`.
    pub fn new_id(&self) -> String {
        format!("{}-{}", self.node, crate::random::hex_id(16))
    }

    /// The node that handed out `id` (its prefix).
    ///
    /// ```
    /// assert_eq!(spellwire_server::http::Sessions::node_of("0a1b2c3d-ff"), "0a1b2c3d");
    /// ```
    pub fn node_of(id: &str) -> &str {
        id.split_once('-').map_or(id, |(node, _)| node)
    }

    /// The relay to other nodes, with `--redis` once [`relay::start`] ran.
    pub fn relay(&self) -> Option<&relay::Relay> {
        self.relay.get()
    }

    /// Whether `id` was handed out by this node (open or not).
    pub fn is_ours(&self, id: &str) -> bool {
        id.strip_prefix(self.node.as_str()).is_some_and(|rest| rest.starts_with('-'))
    }

    /// The open stream named `id`.
    pub fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.lock().get(id).cloned()
    }

    /// Registers `session` until the returned guard is dropped.
    pub fn open(self: &Arc<Self>, session: Arc<Session>) -> Open {
        self.lock().insert(session.id.clone(), session.clone());
        Open { sessions: self.clone(), id: session.id.clone() }
    }

    /// Ends every HTTP stream of `user` abruptly (the `cut-streams` hook); returns how many.
    pub fn cut(&self, user: &str) -> usize {
        let conns: Vec<ConnHandle> = self.lock().values().filter(|s| s.user == user).map(|s| s.conn.clone()).collect();
        conns.iter().for_each(ConnHandle::abort);
        conns.len()
    }

    /// How many streams are open here.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no stream is open here.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Session>>> {
        self.by_id.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A registered session; dropping it forgets the session (its POSTs then get 404).
pub struct Open {
    sessions: Arc<Sessions>,
    id: String,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
    }
}
