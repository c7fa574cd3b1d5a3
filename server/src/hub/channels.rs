//! Channels in the hub: a channel is a [`Stream::Channel`], joined by any number of sockets of
//! any users, with its own log, seqs and epoch. Joining one is the same join as the personal
//! stream's `welcome` ([`super::backend`]), with `subscribed` as the first frame.

use std::sync::Arc;

use serde_json::Value;
use spellwire::protocol::{Cursor, ServerFrame, Subscribed};

use super::backend::Position;
use super::{lock, Hub};
use crate::conn::ConnHandle;
use crate::frames::encode;
use crate::store::StoreError;
use crate::stream::Stream;

impl Hub {
    /// Registers `conn` on `channel` and queues `subscribed` and the replay after `resume`,
    /// atomically with respect to publishing. A socket already on the channel stays registered
    /// once, and is answered again from the given cursor. The name is not checked here
    /// ([`crate::grants::may_subscribe`] does it first).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::{hub::Hub, conn::ConnHandle};
    /// let hub = Arc::new(Hub::new(Arc::new(spellwire_server::store::MemoryStore::new(spellwire_server::config::Config::default().retention())), "e1".into(), 1000));
    /// let (conn, _rx, _ctl) = ConnHandle::new();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let s = hub.subscribe("crew:a", None, conn.clone()).await.unwrap();
    /// assert_eq!((s.epoch.as_str(), s.after, s.resumed), ("e1:1:#crew:a", 0, false));
    /// assert_eq!(hub.channel_sockets("crew:a"), 1);
    /// hub.unsubscribe("crew:a", conn.id);
    /// assert_eq!(hub.channel_sockets("crew:a"), 0);
    /// # });
    /// ```
    pub async fn subscribe(self: &Arc<Self>, channel: &str, resume: Option<&Cursor>, conn: ConnHandle) -> Result<Subscribed, StoreError> {
        let subscribed = |p: &Position| Subscribed {
            channel: channel.to_owned(),
            epoch: p.epoch.clone(),
            after: p.after,
            resumed: p.resumed,
            head: p.head,
        };
        let intro = |p: &Position| encode(&ServerFrame::<Value>::Subscribed(subscribed(p)));
        let stream = Stream::Channel(channel.to_owned());
        let p = self.backend.attach(self, &stream, resume, conn, &intro).await?;
        Ok(subscribed(&p))
    }

    /// Stops delivering `channel` to the socket `id` and forgets it there; the channel's state
    /// on this node goes at a later sweep, once it has had no socket for its retention period.
    pub fn unsubscribe(&self, channel: &str, id: u64) {
        self.leave(&Stream::Channel(channel.to_owned()), id);
    }

    /// Stores an event in `channel`'s log and queues it to every socket on the channel:
    /// `(seq, reached)` as [`Hub::publish`] counts them.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::hub::Hub;
    /// let hub = Hub::new(Arc::new(spellwire_server::store::MemoryStore::new(spellwire_server::config::Config::default().retention())), "e1".into(), 1000);
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let data = serde_json::json!(null);
    /// assert_eq!(hub.publish_channel("room:1", "t".into(), None, data.clone()).await.unwrap(), (1, 0));
    /// assert_eq!(hub.publish("ann", "t".into(), None, data).await.unwrap(), (1, 0), "its own seqs");
    /// # });
    /// ```
    pub async fn publish_channel(&self, channel: &str, kind: String, topic: Option<String>, data: Value) -> Result<(u64, usize), StoreError> {
        self.publish_to(&Stream::Channel(channel.to_owned()), kind, topic, data).await
    }

    /// Queues every retained event of `channel` after `after` to one socket (a `replay` with
    /// `channel`).
    pub async fn replay_channel(&self, channel: &str, after: u64, conn: &ConnHandle) -> Result<(), StoreError> {
        self.replay_stream(&Stream::Channel(channel.to_owned()), after, conn).await
    }

    /// How many sockets of this node are on `channel` (0 when the hub holds nothing for it).
    pub fn channel_sockets(&self, channel: &str) -> usize {
        let Some(live) = self.existing(&Stream::Channel(channel.to_owned())) else { return 0 };
        let n = lock(&live).conns().count();
        n
    }
}
