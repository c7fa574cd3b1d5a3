//! Forgetting streams, so memory follows the users and channels of the last retention period
//! and not every one ever seen.
//!
//! A stream's state on this node (a user's, or a channel's) is dropped once it has had no
//! socket for a retention period (`--retain-secs`, or the channel's `--channel-retention`) and
//! nothing else holds it ([`Live::idle`]); with the memory store, its log and message ids go
//! too once nothing in them is retained. Entries are only removed while the streams map is
//! locked and nobody holds a clone: every operation on a stream goes through the map first, so
//! an operation in flight keeps its stream, and one that starts later creates a fresh entry
//! (and, with the memory store, a log of a new generation, hence a new epoch).
//!
//! With Redis there is nothing to drop from the store: its per-user keys expire by themselves.
//! Instead each sweep keeps alive the keys of the users with a socket here, and closes (1013)
//! the sockets of a user whose log was found gone, since their cursors point into it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::{lock, Hub};
use crate::fanout::Live;
use crate::store::{shrink, StoreError};
use crate::stream::Stream;

/// What one sweep did.
///
/// ```
/// let s = spellwire_server::hub::Swept::default();
/// assert_eq!((s.live, s.stored, s.lost), (0, 0, 0));
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Users whose socket registry was dropped.
    pub live: usize,
    /// Users whose log and ids were dropped (memory store).
    pub stored: usize,
    /// Users whose Redis log had expired under their sockets (now closed).
    pub lost: usize,
}

impl Hub {
    /// Forgets the streams idle at `now` (see the module docs); with Redis, keeps alive the
    /// keys of users with sockets here. The sweeper calls it every `--sweep-interval-ms`.
    ///
    /// ```
    /// # use std::{sync::Arc, time::{Duration, Instant}};
    /// # use spellwire_server::{hub::Hub, store::{MemoryStore, Store}, log::Retention};
    /// let store = Arc::new(MemoryStore::new(Retention { max_events: 10, max_age: Duration::from_secs(60) }));
    /// let hub = Hub::new(store.clone(), "e1".into(), 1000);
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// hub.publish("ann", "hi".into(), None, serde_json::json!({})).await.unwrap();
    /// hub.sweep(Instant::now()).await.unwrap();
    /// assert_eq!(store.users(), 1, "the event is retained for 60 s");
    /// let swept = hub.sweep(Instant::now() + Duration::from_secs(61)).await.unwrap();
    /// assert_eq!((swept.stored, store.users(), hub.live_users()), (1, 0, 0));
    /// # });
    /// ```
    pub async fn sweep(&self, now: Instant) -> Result<Swept, StoreError> {
        let swept = self.backend.sweep(self, now).await?;
        if swept.live + swept.stored >= GIVE_BACK_AFTER {
            tokio::task::spawn_blocking(give_back).await.ok();
        }
        Ok(swept)
    }

    /// How many streams (users and channels) this node keeps socket state for (sockets, or
    /// recently had one).
    pub fn live_users(&self) -> usize {
        lock(&self.streams).len()
    }

    /// How many streams the memory store holds a log or message ids for (with Redis, 0: those
    /// live in Redis, and expire there).
    pub fn stored_users(&self) -> usize {
        self.backend.stored()
    }
}

/// Drops the idle entries nobody else holds, each judged against its stream's `linger`;
/// returns how many.
pub(super) fn forget_idle(streams: &mut HashMap<Stream, Arc<Mutex<Live>>>, now: Instant, linger: &dyn Fn(&Stream) -> Duration) -> usize {
    let before = streams.len();
    streams.retain(|s, live| Arc::strong_count(live) > 1 || !lock(live).idle(now, linger(s)));
    shrink(streams);
    before - streams.len()
}

/// Sweeps that forget at least this many users hand freed memory back to the system.
const GIVE_BACK_AFTER: usize = 1024;

/// Hands freed memory back to the system. glibc keeps freed small blocks for reuse and on its
/// own returns only the top of its heaps: after forgetting 100,000 users, 60% of what they had
/// cost stayed resident; `malloc_trim` returns the free pages from anywhere in the heaps (99%
/// back, in about 30 ms for 80 MB; `tests/sweep_rss.rs`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim takes glibc's own arena locks and only releases pages no allocation
    // holds; it has no preconditions.
    unsafe { malloc_trim(0) };
}

/// Other allocators (and libcs) give memory back by their own rules.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back() {}

/// Sweeps `hub` every `every`, the first time `every` after the start, until it is dropped.
pub(super) async fn run(hub: Weak<Hub>, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(hub) = hub.upgrade() else { return };
        match hub.sweep(Instant::now()).await {
            Ok(swept) if swept != Swept::default() => tracing::debug!("swept {swept:?}"),
            Ok(_) => {}
            Err(e) => tracing::warn!("sweep: {e}"),
        }
    }
}
