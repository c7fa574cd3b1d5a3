//! The hub's side of the `/test/*` hooks ([`crate::hooks`]): break a user's sockets on purpose,
//! and look at what was applied. None of these creates state for a user it does not know, so
//! poking at made-up names costs nothing.

use std::time::{Duration, Instant};

use serde_json::Value;
use spellwire::protocol::Message;

use super::{lock, Hub};
use crate::stream::Stream;
use crate::conn::{ConnHandle, Out};
use crate::store::StoreError;

impl Hub {
    /// Aborts every socket of `user`; returns how many.
    pub fn drop_user(&self, user: &str) -> usize {
        let conns = self.take_sockets(user);
        conns.iter().for_each(ConnHandle::abort);
        conns.len()
    }

    /// Black-holes every socket of `user` (see [`ConnHandle::silence`]) and forgets them, so
    /// events go only to the log until the client notices and reconnects; returns how many.
    pub fn blackhole_user(&self, user: &str) -> usize {
        let conns = self.take_sockets(user);
        conns.iter().for_each(ConnHandle::silence);
        conns.len()
    }

    /// Queues `text` verbatim to every socket of `user`; returns how many took it.
    pub fn send_raw(&self, user: &str, text: &str) -> usize {
        let Some(live) = self.existing(&Stream::User(user.to_owned())) else { return 0 };
        let live = lock(&live);
        live.conns().filter(|c| c.push(Out::Raw(text.into()))).count()
    }

    /// Stops answering pings from `user` for `dur`.
    pub fn mute_pongs(&self, user: &str, dur: Duration) {
        lock(&self.live(&Stream::User(user.to_owned()))).mute_pongs_until = Some(Instant::now() + dur);
    }

    /// Whether pings from `user` go unanswered right now.
    pub fn pongs_muted(&self, user: &str) -> bool {
        let Some(live) = self.existing(&Stream::User(user.to_owned())) else { return false };
        let muted = lock(&live).mute_pongs_until.is_some_and(|t| Instant::now() < t);
        muted
    }

    /// The messages applied for `user`, oldest first.
    pub async fn applied(&self, user: &str) -> Result<Vec<Message<Value>>, StoreError> {
        self.backend.applied(user).await
    }

    /// The users this node holds state for (sockets, or events within a retention period)
    /// whose name starts with `prefix`, sorted (the `broadcast` test hook).
    pub fn users_with_prefix(&self, prefix: &str) -> Vec<String> {
        let streams = lock(&self.streams);
        let names = streams.keys().filter_map(|s| match s {
            Stream::User(user) => Some(user),
            Stream::Channel(_) => None,
        });
        let mut users: Vec<String> = names.filter(|u| u.starts_with(prefix)).cloned().collect();
        drop(streams);
        users.sort();
        users
    }

    /// Removes every socket of `user`, noting when they left.
    fn take_sockets(&self, user: &str) -> Vec<ConnHandle> {
        let Some(live) = self.existing(&Stream::User(user.to_owned())) else { return Vec::new() };
        let mut live = lock(&live);
        live.left_at = Some(Instant::now());
        live.take()
    }
}
