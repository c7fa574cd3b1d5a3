//! The hub's Redis backend: logs shared by every node, events back through pub/sub, on one
//! pub/sub channel per stream this node's sockets read ([`Subscriptions`]). The ordering
//! argument is in [`super::backend`].

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde_json::Value;
use spellwire::protocol::{Cursor, Message};

use super::backend::{Backend, Frames, Intro, Position};
use super::{lock, setup, sweep, Hub, Swept};
use crate::config::Config;
use crate::subscriber::{self, Subscriptions};
use crate::conn::{ConnHandle, Out, CLOSE_OVERLOADED};
use crate::publish::body::Item;
use crate::publish::idem::PublishError;
use crate::redis_store::{RedisStore, Snapshot};
use crate::store::StoreError;
use crate::stream::Stream;

/// Pauses before reading a log again after a failed read ([`Redis::since_again`]).
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

/// Logs in Redis, shared by the nodes of a deployment.
///
/// ```no_run
/// # async fn run() -> Result<(), spellwire_server::store::StoreError> {
/// let hub = spellwire_server::hub::Hub::on_redis("redis://127.0.0.1", &Default::default()).await?;
/// # Ok(()) }
/// ```
pub struct Redis {
    store: RedisStore,
    /// The pub/sub channels this node listens to.
    subs: Arc<Subscriptions>,
}

impl Hub {
    /// A hub over the Redis at `url`: connects, reads the deployment epoch, opens the pub/sub
    /// connection (streams are subscribed as sockets join them, see [`super::backend`]) and
    /// starts the subscriber and the sweeper. A stream's keys live its retention period (a
    /// channel's: its namespace's `--channel-retention`) plus two sweep intervals after their
    /// last write, or after the last sweep that found a socket here.
    pub async fn on_redis(url: &str, config: &Config) -> Result<Arc<Hub>, StoreError> {
        let key_ttl = config.retention().max_age + 2 * config.sweep_interval;
        let store = RedisStore::connect(url, &config.redis_prefix, config.retention()).await?;
        let channels = config.clone();
        let mut store = store
            .expiring(key_ttl, setup::id_limits(config))
            .with_channel_retention(move |name| channels.channel_retention_for(name));
        if config.test_hooks {
            store = store.keeping_applied();
        }
        let epoch = store.epoch().await?;
        let (client, subs) = (store.client().clone(), Arc::new(Subscriptions::new(&config.redis_prefix)));
        let first = subscriber::subscribe(&client, &subs).await?;
        let backend = Redis { store, subs: subs.clone() };
        let hub = Arc::new(Hub::with_backend(Box::new(backend), epoch, config.heartbeat_ms));
        tokio::spawn(subscriber::run(client, subs, Arc::downgrade(&hub), first));
        setup::start_sweeping(&hub, config.sweep_interval);
        Ok(hub)
    }
}

impl Redis {
    async fn attach_now(&self, hub: &Arc<Hub>, stream: &Stream, resume: Option<&Cursor>, conn: ConnHandle, intro: Intro<'_>) -> Result<Position, StoreError> {
        let live = hub.live(stream);
        {
            let mut l = lock(&live);
            l.remove(conn.id);
            l.add_pending(conn.clone());
        }
        let mark = hub.fanout_gen.load(Ordering::SeqCst);
        let snap = match self.snapshot(stream, resume).await {
            Ok(snap) => snap,
            Err(e) => {
                lock(&live).remove(conn.id);
                return Err(e);
            }
        };
        let position = Position::new(snap.epoch, snap.window, resume);
        debug_assert_eq!(position.after, snap.after, "Lua and Rust resume rules agree");
        let mut l = lock(&live);
        conn.push(Out::frame(intro(&position)));
        conn.push(Out::Frames(snap.frames.into_iter().map(|(_, f)| f).collect()));
        let gap = l.go_live(conn.id, snap.window.head);
        if gap || !hub.fanout_steady(mark) {
            hub.start_resync(&mut l, stream);
        }
        Ok(position)
    }

    /// Subscribes to `stream`'s events (confirmed), then reads its snapshot.
    async fn snapshot(&self, stream: &Stream, resume: Option<&Cursor>) -> Result<Snapshot, StoreError> {
        self.subs.need(stream).await?;
        self.store.snapshot(stream, resume).await
    }

    /// The log after `after`, asked again after a short pause when the first try fails: the
    /// first command after Redis came back fails on the connection that broke (the connection
    /// manager reconnects then), and the resync that follows a pub/sub reconnection has no
    /// other chance to fetch what was published while this node was not listening.
    async fn since_again(&self, stream: &Stream, after: u64) -> Result<Frames, StoreError> {
        for pause in RETRY_PAUSES {
            match self.store.since(stream, after).await {
                Ok(frames) => return Ok(frames),
                Err(e) => tracing::debug!("reading {stream:?} after {after}: {e}; again in {pause:?}"),
            }
            tokio::time::sleep(pause).await;
        }
        self.store.since(stream, after).await
    }

    async fn sweep_now(&self, hub: &Hub, now: Instant) -> Result<Swept, StoreError> {
        let live = {
            let mut streams = lock(&hub.streams);
            sweep::forget_idle(&mut streams, now, &|s| self.store.retention_of(s).max_age)
        };
        let holding = || -> Vec<Stream> {
            let streams = lock(&hub.streams);
            streams.iter().filter(|(_, l)| !lock(l).is_empty()).map(|(s, _)| s.clone()).collect()
        };
        if let Err(e) = self.subs.retain(holding).await {
            tracing::warn!("pub/sub: unsubscribing streams without sockets here: {e}");
        }
        let lost = self.store.keep_alive(&holding()).await?;
        for stream in &lost {
            if let Some(l) = hub.existing(stream) {
                lock(&l).conns().for_each(|c| c.close(CLOSE_OVERLOADED, "your log expired; resume from your cursor"));
            }
        }
        Ok(Swept { live, stored: 0, lost: lost.len() })
    }
}

impl Backend for Redis {
    fn current_epoch<'a>(&'a self, _hub: &'a Hub) -> BoxFuture<'a, Result<String, StoreError>> {
        Box::pin(self.store.epoch())
    }

    fn attach<'a>(&'a self, hub: &'a Arc<Hub>, stream: &'a Stream, resume: Option<&'a Cursor>, conn: ConnHandle, intro: Intro<'a>) -> BoxFuture<'a, Result<Position, StoreError>> {
        Box::pin(self.attach_now(hub, stream, resume, conn, intro))
    }

    fn publish<'a>(&'a self, _hub: &'a Hub, stream: &'a Stream, kind: String, topic: Option<String>, data: Value) -> BoxFuture<'a, Result<(u64, usize), StoreError>> {
        Box::pin(async move { self.store.append(stream, kind, topic, data).await })
    }

    fn apply<'a>(&'a self, _hub: &'a Hub, user: &'a str, msg: Message<Value>) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { Ok(self.store.apply(user, &msg).await?.is_some()) })
    }

    fn since<'a>(&'a self, stream: &'a Stream, after: u64) -> BoxFuture<'a, Result<Frames, StoreError>> {
        Box::pin(self.since_again(stream, after))
    }

    fn publish_items<'a>(&'a self, _hub: &'a Hub, items: &'a [Item], ttl: Duration) -> BoxFuture<'a, Result<Vec<Vec<u64>>, PublishError>> {
        Box::pin(async move {
            self.store.publish_items(items, ttl.as_secs().max(1)).await
        })
    }

    fn sweep<'a>(&'a self, hub: &'a Hub, now: Instant) -> BoxFuture<'a, Result<Swept, StoreError>> {
        Box::pin(self.sweep_now(hub, now))
    }

    fn stored(&self) -> usize {
        0
    }

    fn applied<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Vec<Message<Value>>, StoreError>> {
        Box::pin(self.store.applied(user))
    }
}
