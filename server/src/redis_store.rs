//! The shared store for several server processes (`--redis URL`): per-stream logs (a user's
//! personal stream, or a channel) in Redis Streams, the epoch in one key, message ids in one
//! sorted set per user.
//!
//! Keys, under a prefix (`spellwire` by default, `--redis-prefix`); a stream's keys are named by
//! [`keys::stream_key`], with the user or channel as their hash tag:
//! - `{p}:epoch`: the deployment's epoch, created once with `SET NX`. Every script re-asserts
//!   it, so if Redis loses everything the next script creates a new one.
//! - `{p}:u:{user}:meta`, `{p}:c:{channel}:meta`: a hash of `head` (the last seq handed out;
//!   it outlives trimmed entries) and `gen`, the generation of the log. A stream's epoch is
//!   `{deployment epoch}:{gen}:{tag}` ([`Stream::epoch_tag`]: the user, or `#` and the
//!   channel); when the keys expired (or were lost) the next script starts a new log with a
//!   new random `gen`, so a cursor into the old log is refused (`resumed: false`) although
//!   seqs start again at 1.
//! - `{p}:u:{user}:log`, `{p}:c:{channel}:log`: a stream with IDs `{seq}-0`, so `XRANGE` by
//!   seq needs no index. Trimmed by count (`XADD MAXLEN`) and by age (the `t` field, ms of
//!   Redis time), with the limits of the stream: `--retain-*` for users, the channel's
//!   namespace's `--channel-retention` for channels, passed to every script that appends.
//! - `{p}:u:{user}:ids`: the message ids applied (their [`crate::idem::id_hash`]), scored by
//!   the µs they were applied; at most `--ids-per-user` (the oldest go first), none older
//!   than `--ids-ttl-secs`.
//! - `{p}:u:{user}:applied`: the applied messages (for `/test/received`).
//! - `{p}:idem:{key}`: the outcome of a `POST /api/publish` idempotency key.
//! - pub/sub channel [`keys::events_channel`] per stream (`{p}:ev:u:{user}`,
//!   `{p}:ev:c:{channel}`): its events as `{wire id}\n{seq}\n{frame}` ([`keys::wire_id`]).
//!
//! Every key expires: `meta` and `log` the stream's retention period plus two sweep intervals
//! after the last write (refreshed by every write, every new socket, and every sweep of a node
//! holding a socket of the stream, [`RedisStore::keep_alive`]); `ids` and `applied`
//! `--ids-ttl-secs` after the last message applied; `idem` keys after `--idempotency-secs`.
//!
//! Appending and publishing happen in one Lua script: Redis runs scripts one at a time, so
//! publication order is seq order, which the no-gap argument of [`crate::hub::backend`]
//! relies on.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Client, Script};
use serde_json::Value;
use spellwire::protocol::{Cursor, Event, Message};

use crate::idem::{id_hash, IdLimits};
use crate::log::Retention;
use crate::store::{StoreError, APPLIED_CAP};
use crate::stream::Stream;

pub mod keys;
mod publish;
mod wire;

pub use wire::{split_frame, Snapshot};
use wire::{pairs, parse_snapshot};

/// Bound on every command, so a hung Redis turns into a 503 rather than a hung request.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

const COMMON: &str = include_str!("lua/common.lua");

/// The log limits of a channel, by name (`Config::channel_retention_for`).
type ChannelRetention = Arc<dyn Fn(&str) -> Retention + Send + Sync>;

/// Per-stream history in Redis. Cheap to clone (one multiplexed, self-reconnecting connection).
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    conn: ConnectionManager,
    prefix: String,
    retention: Retention,
    channel_retention: ChannelRetention,
    /// How long a stream's `meta` and `log` outlive its retention period after their last
    /// write (ms): two sweep intervals.
    linger_ms: u64,
    ids: IdLimits,
    scripts: Arc<[Script; 5]>,
    applied_cap: usize,
}

/// Indexes into `scripts`.
const APPEND: usize = 0;
const APPLY: usize = 1;
const SNAPSHOT: usize = 2;
const SINCE: usize = 3;
const PUBLISH: usize = 4;

impl RedisStore {
    /// Connects to `url`; fails when Redis cannot be reached now, or `prefix` holds a brace.
    /// Keys live a retention period plus 20 s, ids within the default [`IdLimits`], and
    /// channels keep `retention` too, until [`RedisStore::expiring`] and
    /// [`RedisStore::with_channel_retention`] say otherwise.
    pub async fn connect(url: &str, prefix: &str, retention: Retention) -> Result<Self, StoreError> {
        keys::check_prefix(prefix).map_err(StoreError::Invalid)?;
        let client = Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(RESPONSE_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        let script = |body: &str| Script::new(&format!("{COMMON}\n{body}"));
        let scripts = [
            script(include_str!("lua/append.lua")),
            script(include_str!("lua/apply.lua")),
            script(include_str!("lua/snapshot.lua")),
            script(include_str!("lua/since.lua")),
            script(include_str!("lua/publish.lua")),
        ];
        let (prefix, ids) = (prefix.to_owned(), IdLimits::default());
        let channel_retention: ChannelRetention = Arc::new(move |_: &str| retention);
        let linger_ms = 20_000;
        let scripts = Arc::new(scripts);
        Ok(Self { client, conn, prefix, retention, channel_retention, linger_ms, ids, scripts, applied_cap: 0 })
    }

    /// Lets a user's `meta` and `log` live `key_ttl` after their last write (a channel's: as
    /// much longer than its retention period as `key_ttl` is than the users'), and keeps
    /// message ids within `ids`.
    pub fn expiring(mut self, key_ttl: Duration, ids: IdLimits) -> Self {
        self.linger_ms = millis(key_ttl.saturating_sub(self.retention.max_age));
        self.ids = IdLimits { per_user: ids.per_user.max(1), ..ids };
        self
    }

    /// Keeps each channel's log by `limits(channel)` (its namespace's `--channel-retention`).
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, config::Config, store::StoreError};
    /// # async fn f() -> Result<(), StoreError> {
    /// let config = Config::default();
    /// let store = RedisStore::connect("redis://127.0.0.1", "sw", config.retention()).await?;
    /// let store = store.with_channel_retention(move |name| config.channel_retention_for(name));
    /// # Ok(()) }
    /// ```
    pub fn with_channel_retention(mut self, limits: impl Fn(&str) -> Retention + Send + Sync + 'static) -> Self {
        self.channel_retention = Arc::new(limits);
        self
    }

    /// How long the personal streams' events are kept.
    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// How long `stream`'s events are kept.
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// let max_age = store.retention_of(&Stream::Channel("room:1".into())).max_age;
    /// # Ok(()) }
    /// ```
    pub fn retention_of(&self, stream: &Stream) -> Retention {
        match stream {
            Stream::User(_) => self.retention,
            Stream::Channel(name) => (self.channel_retention)(name),
        }
    }

    /// Also keeps the last applied messages per user in `{p}:u:{user}:applied`, for
    /// `/test/received`; only with `--test-hooks` (nothing else reads them).
    pub fn keeping_applied(mut self) -> Self {
        self.applied_cap = APPLIED_CAP;
        self
    }

    /// The client, for the pub/sub connection.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The pub/sub channel of `stream`'s events ([`keys::events_channel`]).
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// assert!(store.events_channel(&Stream::User("ann".into())).ends_with(":ev:u:{ann}"));
    /// # Ok(()) }
    /// ```
    pub fn events_channel(&self, stream: &Stream) -> String {
        keys::events_channel(&self.prefix, stream)
    }

    /// The deployment epoch, created if missing.
    pub async fn epoch(&self) -> Result<String, StoreError> {
        let key = format!("{}:epoch", self.prefix);
        let mut conn = self.conn.clone();
        let _: () = redis::cmd("SET").arg(&key).arg(crate::random::hex_id(8)).arg("NX").query_async(&mut conn).await?;
        Ok(redis::cmd("GET").arg(&key).query_async(&mut conn).await?)
    }

    /// Stores and publishes an event: `(seq, nodes that received the publication)`.
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// let (seq, nodes) = store.append(&Stream::Channel("run:42".into()), "step".into(), None, 2.into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn append(&self, stream: &Stream, kind: String, topic: Option<String>, data: Value) -> Result<(u64, usize), StoreError> {
        let mut inv = self.invocation(APPEND, stream);
        self.event_args(&mut inv, stream, kind, topic, data);
        let (seq, nodes): (u64, usize) = inv.invoke_async(&mut self.conn.clone()).await?;
        Ok((seq, nodes))
    }

    /// Applies `msg` once per id across all nodes: its seq, or `None` for a resend.
    pub async fn apply(&self, user: &str, msg: &Message<Value>) -> Result<Option<u64>, StoreError> {
        let stream = Stream::User(user.to_owned());
        let mut inv = self.invocation(APPLY, &stream);
        inv.key(self.user_key(user, "ids")).key(self.user_key(user, "applied"));
        self.event_args(&mut inv, &stream, msg.kind.clone(), msg.topic.clone(), msg.data.clone());
        let json = serde_json::to_string(msg).unwrap_or_default();
        inv.arg(format!("{:032x}", id_hash(&msg.id))).arg(millis(self.ids.ttl)).arg(self.ids.per_user);
        inv.arg(json).arg(self.applied_cap);
        let (seq, _): (u64, usize) = inv.invoke_async(&mut self.conn.clone()).await?;
        Ok((seq > 0).then_some(seq))
    }

    /// Window, resume point and replay for a socket presenting `cursor`, in one script.
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// let snap = store.snapshot(&Stream::Channel("run:42".into()), None).await?;
    /// assert!(snap.epoch.ends_with(":#run:42"));
    /// # Ok(()) }
    /// ```
    pub async fn snapshot(&self, stream: &Stream, cursor: Option<&Cursor>) -> Result<Snapshot, StoreError> {
        let mut inv = self.invocation(SNAPSHOT, stream);
        let (c_epoch, c_seq) = cursor.map_or(("", 0), |c| (c.epoch.as_str(), c.seq));
        let tag = stream.epoch_tag();
        inv.arg(c_epoch).arg(c_seq).arg(&tag);
        let reply: Vec<String> = inv.invoke_async(&mut self.conn.clone()).await?;
        parse_snapshot(&tag, reply).ok_or_else(|| StoreError::Unavailable("malformed snapshot reply".into()))
    }

    /// Retained frames with seq greater than `after`, oldest first.
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// let frames = store.since(&Stream::User("ann".into()), 7).await?;
    /// # Ok(()) }
    /// ```
    pub async fn since(&self, stream: &Stream, after: u64) -> Result<Vec<(u64, Arc<str>)>, StoreError> {
        let mut inv = self.invocation(SINCE, stream);
        inv.arg(after);
        let reply: Vec<String> = inv.invoke_async(&mut self.conn.clone()).await?;
        Ok(pairs(&reply))
    }

    /// Keeps the `meta` and `log` of `streams` (those with a socket on this node) another key
    /// lifetime, in pipelines of 500; returns the streams whose `meta` was gone: their log
    /// expired or was lost under their sockets, whose cursors now point into a log that is no
    /// more.
    ///
    /// ```no_run
    /// # use spellwire_server::{redis_store::RedisStore, stream::Stream, store::StoreError};
    /// # async fn f(store: &RedisStore) -> Result<(), StoreError> {
    /// let lost = store.keep_alive(&[Stream::User("ann".into())]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn keep_alive(&self, streams: &[Stream]) -> Result<Vec<Stream>, StoreError> {
        let mut lost = Vec::new();
        for chunk in streams.chunks(500) {
            let mut pipe = redis::pipe();
            for stream in chunk {
                let ttl = self.key_ttl_ms(stream);
                pipe.cmd("PEXPIRE").arg(self.stream_key(stream, "meta")).arg(ttl);
                pipe.cmd("PEXPIRE").arg(self.stream_key(stream, "log")).arg(ttl).ignore();
            }
            let found: Vec<i64> = pipe.query_async(&mut self.conn.clone()).await?;
            lost.extend(chunk.iter().zip(found).filter(|(_, f)| *f == 0).map(|(s, _)| s.clone()));
        }
        Ok(lost)
    }

    /// The messages applied for `user`, oldest first.
    pub async fn applied(&self, user: &str) -> Result<Vec<Message<Value>>, StoreError> {
        let key = self.user_key(user, "applied");
        let raw: Vec<String> = redis::cmd("LRANGE").arg(key).arg(0).arg(-1).query_async(&mut self.conn.clone()).await?;
        Ok(raw.iter().filter_map(|m| serde_json::from_str(m).ok()).collect())
    }

    /// A script call with the keys and arguments every script shares (see common.lua).
    fn invocation(&self, which: usize, stream: &Stream) -> redis::ScriptInvocation<'_> {
        let mut inv = self.scripts[which].prepare_invoke();
        inv.key(format!("{}:epoch", self.prefix)).key(self.stream_key(stream, "meta")).key(self.stream_key(stream, "log"));
        inv.arg(crate::random::hex_id(8));
        self.limit_args(&mut inv, stream);
        inv
    }

    /// `stream`'s max events, max age and key lifetime (ARGV[2..=4] of a one-stream script).
    fn limit_args(&self, inv: &mut redis::ScriptInvocation<'_>, stream: &Stream) {
        let retention = self.retention_of(stream);
        inv.arg(retention.max_events.max(1)).arg(millis(retention.max_age)).arg(self.key_ttl_ms(stream));
    }

    /// How long `stream`'s keys live after their last write (ms).
    fn key_ttl_ms(&self, stream: &Stream) -> u64 {
        millis(self.retention_of(stream).max_age).saturating_add(self.linger_ms).max(1)
    }

    /// The arguments of `append()` in common.lua: the frame around its seq, the stream's
    /// pub/sub channel and wire id.
    fn event_args(&self, inv: &mut redis::ScriptInvocation<'_>, stream: &Stream, kind: String, topic: Option<String>, data: Value) {
        let channel = stream.channel().map(str::to_owned);
        let (before, after) = split_frame(Event { channel, seq: 0, kind, topic, data });
        inv.arg(before).arg(after).arg(self.events_channel(stream)).arg(keys::wire_id(stream));
    }

    fn stream_key(&self, stream: &Stream, what: &str) -> String {
        keys::stream_key(&self.prefix, stream, what)
    }

    fn user_key(&self, user: &str, what: &str) -> String {
        keys::user_key(&self.prefix, user, what)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
