//! The state every route shares ([`AppState`]), and how it is built from the settings: over
//! the memory store, or over Redis.

use std::sync::Arc;

use crate::auth::Auth;
use crate::config::Config;
use crate::hooks::Hooks;
use crate::http::Sessions;
use crate::hub::Hub;
use crate::limits::seats::Seats;
use crate::proxy;
use crate::store::StoreError;

/// Shared state behind every route. Cheap to clone.
///
/// ```
/// let s = spellwire_server::AppState::new(Default::default());
/// assert!(!s.hub.epoch().is_empty());
/// ```
#[derive(Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Sockets and publishing.
    pub hub: Arc<Hub>,
    /// Token checking (and, in `--dev`, minting).
    pub auth: Arc<Auth>,
    /// Test-hook bookkeeping.
    pub hooks: Arc<Hooks>,
    /// The send proxy (`--proxy-url`); None applies sends here.
    pub proxy: Option<Arc<proxy::Proxy>>,
    /// Sockets waiting for `hello` and open per user, against their limits.
    pub seats: Arc<Seats>,
    /// The HTTP transport's open streams, by session id.
    pub sessions: Arc<Sessions>,
}

impl AppState {
    /// Fresh state with an in-memory store and a new random epoch.
    ///
    /// # Panics
    /// When `config.jwt_public_key` is not an RSA or EC public key in PEM: `main` reports that
    /// as a startup error first ([`Auth::new`]).
    pub fn new(config: Config) -> Self {
        let hub = Hub::in_memory(&config);
        Self::around(hub, config)
    }

    /// State for `config`: over Redis when `config.redis` is set (connecting, reading the
    /// deployment epoch and subscribing to the HTTP relay's channel before
    /// returning), else [`AppState::new`]. Fails when Redis cannot be reached; panics as [`AppState::new`] does.
    pub async fn build(config: Config) -> Result<Self, StoreError> {
        let Some(url) = config.redis.clone() else { return Ok(Self::new(config)) };
        let hub = Hub::on_redis(&url, &config).await?;
        let state = Self::around(hub, config);
        crate::http::relay::start(&state).await?;
        Ok(state)
    }

    /// The rest of the state around `hub`.
    fn around(hub: Arc<Hub>, config: Config) -> Self {
        Self {
            auth: Arc::new(Auth::new(&config).expect("the JWT key is checked at startup")),
            hooks: Arc::new(Hooks::new(config.test_hooks)),
            proxy: proxy::Proxy::from_config(&config),
            seats: Arc::new(Seats::new(&config.limits)),
            sessions: Arc::default(),
            hub,
            config: Arc::new(config),
        }
    }
}
