//! `spellwire-server`: the reference server for the spellwire client SDK.
//!
//! It checks connection tokens (JWTs, [`auth`]), keeps a per-user replay log, and speaks the
//! protocol in `spellwire::protocol` over `/ws`: hello → welcome + replay + live events,
//! ping/pong, send/ack with idempotency, replay on request, token refresh. Production is the
//! default; `--dev` adds a login that hands a token to any name, unauthenticated publishing, a
//! simulated "spell cast" producing streams of progress events, and the demo page.
//! `--test-hooks` adds levers for tests to break connections on purpose.
//!
//! ```no_run
//! # async fn run() {
//! use spellwire_server::{app, config::Config, AppState};
//! let config = Config { dev: true, ..Config::default() };
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! axum::serve(listener, app(AppState::new(config))).await.unwrap();
//! # }
//! ```
#![deny(missing_docs)]

pub mod api;
pub mod auth;
pub mod config;
pub mod conn;
pub mod echo;
pub mod fanout;
pub mod frames;
pub mod grants;
pub mod hooks;
pub mod http;
pub mod hub;
pub mod idem;
pub mod limits;
pub mod log;
pub mod proxy;
pub mod publish;
pub mod random;
pub mod redis_store;
pub mod refresh;
pub mod secret;
pub mod session;
pub mod socket;
pub mod spells;
pub mod state;
pub mod stream;
pub mod store;
pub mod subscriber;
pub mod writer;

use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

use crate::config::Config;
pub use crate::state::AppState;

/// The whole HTTP surface: `/ws`, `/http/*` (the HTTP transport), `/api/*`, `/test/*` (hooks),
/// and with `--dev` the dev API, `/pkg/*` and `/` (static). No route reads a body over `--max-body-bytes` (413).
pub fn app(state: AppState) -> Router {
    let config = state.config.clone();
    let mut api = Router::new()
        .route("/api/health", get(api::health))
        .route("/api/publish", post(publish::publish))
        .route("/api/{*rest}", any(api::not_found));
    if config.dev {
        api = api.merge(dev_api());
    }
    let mut router = Router::new()
        .route("/ws", get(socket::ws))
        .merge(http_transport().layer(cors(&config)))
        .merge(api.layer(cors(&config)))
        .merge(hooks::routes(config.test_hooks).layer(cors(&config)));
    if config.dev {
        router = router
            .nest_service("/pkg", ServeDir::new(&config.pkg))
            .fallback_service(ServeDir::new(&config.www));
    }
    router.layer(DefaultBodyLimit::max(config.max_body_bytes)).with_state(state)
}

/// The HTTP transport ([`http`]): the stream down, POSTs up.
fn http_transport() -> Router<AppState> {
    Router::new()
        .route("/http/stream", post(http::stream::stream))
        .route("/http/send", post(http::send::send))
}

/// `--dev` only: a token for any name, and publishing without credentials.
fn dev_api() -> Router<AppState> {
    Router::new()
        .route("/api/login", post(api::login))
        .route("/api/notify", post(api::notify))
        .route("/api/spells/{name}/cast", post(spells::cast))
}

/// CORS for the API: the `--allow-origin` list when given, any origin otherwise (dev server).
fn cors(config: &Config) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods(tower_http::cors::Any)
        .allow_headers(tower_http::cors::Any);
    if config.allow_origins.is_empty() {
        return layer.allow_origin(tower_http::cors::Any);
    }
    let list = config.allow_origins.iter().filter_map(|o| o.parse().ok());
    layer.allow_origin(AllowOrigin::list(list))
}
