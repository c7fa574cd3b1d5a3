//! Which streams' pub/sub channels this node listens to: those its sockets read, and no others.
//!
//! A socket joining a stream calls [`Subscriptions::need`] before the stream's snapshot is
//! read; it returns once Redis confirmed `SUBSCRIBE` for the stream's channel (or at once when
//! the pub/sub connection is down: then the hub's resync after the reconnection covers the
//! socket, see [`crate::hub::backend`]). Channels are dropped only by [`Subscriptions::retain`], which
//! the sweep calls with the streams that still have sockets here. On a new connection
//! [`Subscriptions::install`] subscribes again to every stream wanted.
//!
//! Every `SUBSCRIBE`/`UNSUBSCRIBE` is sent under one async lock, after deciding under the
//! state lock, so a channel dropped by a sweep while a socket joins is subscribed again by the
//! join, never left unsubscribed under it.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use redis::aio::PubSubSink;

use crate::redis_store::keys::events_channel;
use crate::store::StoreError;
use crate::stream::Stream;

/// How long a `SUBSCRIBE` may take before the join is refused as unavailable.
const CONFIRM_WITHIN: Duration = Duration::from_secs(2);
/// Channels per `SUBSCRIBE`/`UNSUBSCRIBE` command when many are sent at once.
const BATCH: usize = 1000;

/// The node's pub/sub channels (one per stream its sockets read).
///
/// ```
/// use spellwire_server::{subscriber::Subscriptions, stream::Stream};
/// let subs = Subscriptions::new("sw");
/// assert_eq!(subs.channel_of(&Stream::Channel("room:1".into())), "sw:ev:c:{room:1}");
/// assert_eq!(subs.listening(), 0);
/// ```
pub struct Subscriptions {
    prefix: String,
    state: Mutex<State>,
    /// Held while a subscription command is decided and sent, so commands never cross.
    commands: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    /// The current connection's command side; `None` while it is down.
    sink: Option<PubSubSink>,
    /// Bumped for each new connection.
    conn: u64,
    /// Channels of the streams sockets here read (or joined since the last sweep).
    wanted: HashSet<String>,
    /// Channels Redis confirmed on the current connection.
    confirmed: HashSet<String>,
}

impl Subscriptions {
    /// No channels yet, under the key prefix `prefix`.
    ///
    /// ```
    /// let subs = spellwire_server::subscriber::Subscriptions::new("sw");
    /// ```
    pub fn new(prefix: &str) -> Self {
        Self { prefix: prefix.to_owned(), state: Mutex::default(), commands: tokio::sync::Mutex::new(()) }
    }

    /// The pub/sub channel of `stream`.
    ///
    /// ```
    /// # use spellwire_server::{subscriber::Subscriptions, stream::Stream};
    /// assert_eq!(Subscriptions::new("sw").channel_of(&Stream::User("ann".into())), "sw:ev:u:{ann}");
    /// ```
    pub fn channel_of(&self, stream: &Stream) -> String {
        events_channel(&self.prefix, stream)
    }

    /// Makes sure this node receives `stream`'s events: returns once Redis confirmed the
    /// subscription, or at once while the connection is down (the resubscription will include
    /// it). An error (the command failed or timed out) means nothing is confirmed.
    ///
    /// ```no_run
    /// # use spellwire_server::{subscriber::Subscriptions, stream::Stream, store::StoreError};
    /// # async fn f(subs: &Subscriptions) -> Result<(), StoreError> {
    /// subs.need(&Stream::Channel("room:1".into())).await?; // now read the snapshot
    /// # Ok(()) }
    /// ```
    pub async fn need(&self, stream: &Stream) -> Result<(), StoreError> {
        let channel = self.channel_of(stream);
        {
            let mut st = self.lock();
            st.wanted.insert(channel.clone());
            if st.sink.is_none() || st.confirmed.contains(&channel) {
                return Ok(());
            }
        }
        let _commands = self.commands.lock().await;
        let (mut sink, conn) = {
            let st = self.lock();
            match &st.sink {
                Some(_) if st.confirmed.contains(&channel) => return Ok(()),
                Some(sink) => (sink.clone(), st.conn),
                None => return Ok(()),
            }
        };
        match tokio::time::timeout(CONFIRM_WITHIN, sink.subscribe(&channel)).await {
            Ok(Ok(())) => {
                let mut st = self.lock();
                if st.conn == conn {
                    st.confirmed.insert(channel);
                }
                Ok(())
            }
            Ok(Err(e)) => Err(e.into()),
            Err(_) => Err(StoreError::Unavailable("pub/sub subscribe timed out".into())),
        }
    }

    /// Stops listening to every stream `holding` does not name (the sweep passes those with a
    /// socket here). `holding` is asked under the state lock, so a socket that registered
    /// itself before its [`Subscriptions::need`] found the channel confirmed is always in it.
    ///
    /// ```no_run
    /// # use spellwire_server::{subscriber::Subscriptions, stream::Stream, store::StoreError};
    /// # async fn f(subs: &Subscriptions) -> Result<(), StoreError> {
    /// subs.retain(|| vec![Stream::User("ann".into())]).await?; // drops every other stream
    /// # Ok(()) }
    /// ```
    pub async fn retain(&self, holding: impl FnOnce() -> Vec<Stream>) -> Result<(), StoreError> {
        let _commands = self.commands.lock().await;
        let (sink, dropped) = {
            let mut st = self.lock();
            let keep: HashSet<String> = holding().iter().map(|s| self.channel_of(s)).collect();
            let dropped: Vec<String> = st.confirmed.difference(&keep).cloned().collect();
            st.confirmed.retain(|c| keep.contains(c));
            st.wanted = keep;
            (st.sink.clone(), dropped)
        };
        let Some(mut sink) = sink else { return Ok(()) };
        for chunk in dropped.chunks(BATCH) {
            let unsub = tokio::time::timeout(CONFIRM_WITHIN, sink.unsubscribe(chunk));
            unsub.await.map_err(|_| StoreError::Unavailable("pub/sub unsubscribe timed out".into()))??;
        }
        Ok(())
    }

    /// Adopts a new connection: subscribes to every wanted channel, confirmed before this
    /// returns (including channels wanted meanwhile); then the hub re-reads those streams
    /// ([`crate::hub::Hub::fanout_up`]).
    ///
    /// ```no_run
    /// # async fn f(client: redis::Client, subs: &spellwire_server::subscriber::Subscriptions) -> Result<(), spellwire_server::store::StoreError> {
    /// let (sink, stream) = client.get_async_pubsub().await?.split();
    /// subs.install(sink).await?;
    /// # Ok(()) }
    /// ```
    pub async fn install(&self, mut sink: PubSubSink) -> Result<(), StoreError> {
        let _commands = self.commands.lock().await;
        self.lost();
        let mut done: HashSet<String> = HashSet::new();
        loop {
            let todo: Vec<String> = {
                let mut st = self.lock();
                let todo: Vec<String> = st.wanted.difference(&done).cloned().collect();
                if todo.is_empty() {
                    st.conn += 1;
                    st.sink = Some(sink);
                    st.confirmed = done;
                    return Ok(());
                }
                todo
            };
            for chunk in todo.chunks(BATCH) {
                let sub = tokio::time::timeout(CONFIRM_WITHIN, sink.subscribe(chunk));
                sub.await.map_err(|_| StoreError::Unavailable("pub/sub resubscribe timed out".into()))??;
            }
            done.extend(todo);
        }
    }

    /// The connection broke: nothing is confirmed until the next [`Subscriptions::install`].
    ///
    /// ```
    /// let subs = spellwire_server::subscriber::Subscriptions::new("sw");
    /// subs.lost();
    /// assert_eq!(subs.listening(), 0);
    /// ```
    pub fn lost(&self) {
        let mut st = self.lock();
        st.sink = None;
        st.confirmed.clear();
    }

    /// How many channels Redis confirmed on the current connection.
    ///
    /// ```
    /// assert_eq!(spellwire_server::subscriber::Subscriptions::new("sw").listening(), 0);
    /// ```
    pub fn listening(&self) -> usize {
        self.lock().confirmed.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
