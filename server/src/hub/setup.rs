//! Building a hub from the settings: its store, the Redis subscriber, and the sweeper that
//! forgets idle users ([`super::sweep`]).

use std::sync::Arc;
use std::time::Duration;

use super::{sweep, Backend, Hub};
use crate::config::Config;
use crate::idem::IdLimits;
use crate::redis_store::RedisStore;
use crate::store::{MemoryStore, StoreError};
use crate::{random, subscriber};

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
        let mut store = MemoryStore::new(config.retention()).with_ids(id_limits(config));
        if config.test_hooks {
            store = store.keeping_applied();
        }
        let hub = Arc::new(Hub::new(Arc::new(store), random::hex_id(8), config.heartbeat_ms));
        start_sweeping(&hub, config.sweep_interval);
        hub
    }

    /// A hub over the Redis at `url`: connects, reads the deployment epoch, subscribes to the
    /// event channel (confirmed before this returns, see [`crate::fanout`]) and starts the
    /// subscriber and the sweeper. Per-user keys live a retention period plus two sweep
    /// intervals after their last write, or after the last sweep that found a socket here.
    pub async fn on_redis(url: &str, config: &Config) -> Result<Arc<Hub>, StoreError> {
        let key_ttl = config.retention().max_age + 2 * config.sweep_interval;
        let store = RedisStore::connect(url, &config.redis_prefix, config.retention()).await?;
        let mut store = store.expiring(key_ttl, id_limits(config));
        if config.test_hooks {
            store = store.keeping_applied();
        }
        let epoch = store.epoch().await?;
        let (client, channel) = (store.client().clone(), store.channel());
        let first = subscriber::subscribe(&client, &channel).await?;
        let hub = Arc::new(Hub::with_backend(Backend::Redis(Box::new(store)), epoch, config.heartbeat_ms));
        tokio::spawn(subscriber::run(client, channel, Arc::downgrade(&hub), first));
        start_sweeping(&hub, config.sweep_interval);
        Ok(hub)
    }
}

fn id_limits(config: &Config) -> IdLimits {
    IdLimits { per_user: config.ids_per_user, ttl: Duration::from_secs(config.ids_ttl_secs) }
}

fn start_sweeping(hub: &Arc<Hub>, every: Duration) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => drop(rt.spawn(sweep::run(Arc::downgrade(hub), every))),
        Err(_) => tracing::warn!("no Tokio runtime: idle users will not be swept"),
    }
}
