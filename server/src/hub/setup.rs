//! Building a hub from the settings: its memory store, and the sweeper that forgets idle
//! streams ([`super::sweep`]). The Redis hub is built in [`super::redis`].

use std::sync::Arc;
use std::time::Duration;

use super::{memory::Memory, sweep, Hub};
use crate::config::Config;
use crate::idem::IdLimits;
use crate::random;
use crate::store::MemoryStore;

impl Hub {
    /// A hub over a memory store with `config`'s retention and id limits, and a new random
    /// epoch, swept every `config.sweep_interval` (when built inside a Tokio runtime; outside
    /// one, as in a doctest, nothing is swept).
    ///
    /// ```
    /// let hub = spellwire_server::hub::Hub::in_memory(&Default::default());
    /// assert_eq!(hub.epoch().len(), 16);
    /// ```
    pub fn in_memory(config: &Config) -> Arc<Hub> {
        let channels = config.clone();
        let mut store = MemoryStore::new(config.retention())
            .with_ids(id_limits(config))
            .with_channel_retention(move |name| channels.channel_retention_for(name));
        if config.test_hooks {
            store = store.keeping_applied();
        }
        let hub = Arc::new(Hub::with_backend(Box::new(Memory::new(Arc::new(store))), random::hex_id(8), config.heartbeat_ms));
        start_sweeping(&hub, config.sweep_interval);
        hub
    }
}

/// The message-id limits of `config`.
pub(super) fn id_limits(config: &Config) -> IdLimits {
    IdLimits { per_user: config.ids_per_user, ttl: Duration::from_secs(config.ids_ttl_secs) }
}

/// Sweeps `hub` every `every` from a Tokio task, when there is a runtime.
pub(super) fn start_sweeping(hub: &Arc<Hub>, every: Duration) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => drop(rt.spawn(sweep::run(Arc::downgrade(hub), every))),
        Err(_) => tracing::warn!("no Tokio runtime: idle users will not be swept"),
    }
}
