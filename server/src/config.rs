//! Server settings, with the defaults `main.rs` advertises in `--help`.

use std::path::PathBuf;
use std::time::Duration;

use crate::log::Retention;

/// Everything that can be tuned from the command line.
///
/// ```
/// let mut c = spellwire_server::config::Config::default();
/// c.test_hooks = true;
/// assert_eq!(c.heartbeat_ms, 25_000);
/// assert_eq!(c.idle_timeout().as_secs(), 60); // 2 heartbeats + 10 s
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory served at `/` (the demo page).
    pub www: PathBuf,
    /// Directory served at `/pkg` (the wasm-pack output: `spellwire.js`).
    pub pkg: PathBuf,
    /// Mount the `/test/*` hooks. Never in production: they let anyone drop sockets.
    pub test_hooks: bool,
    /// Heartbeat interval suggested to clients in `welcome` (ms).
    pub heartbeat_ms: u64,
    /// Largest client message or frame accepted; above it the socket closes with 1009.
    pub max_message_bytes: usize,
    /// Replay log length per user.
    pub retain_events: usize,
    /// Replay log age limit per user (s).
    pub retain_secs: u64,
    /// Origins allowed to open the WebSocket; empty means any origin.
    pub allow_origins: Vec<String>,
    /// HMAC key for login tokens.
    pub secret: Vec<u8>,
    /// Lifetime of login tokens (s).
    pub token_ttl_secs: u64,
    /// How long a new socket may take to send `hello` (10 s; no flag, tests shorten it).
    pub hello_timeout: Duration,
    /// Slack added to two heartbeats before an idle socket is closed (10 s; no flag).
    pub idle_slack: Duration,
    /// Redis URL (`--redis`): logs, epoch and message ids shared by several nodes. None keeps
    /// everything in this process.
    pub redis: Option<String>,
    /// Prefix of every Redis key and channel (`--redis-prefix`), so deployments can share one.
    pub redis_prefix: String,
    /// `--dev`: mount `/api/login`, `/api/notify`, `/api/spells/*` and serve `www/` and `pkg/`.
    pub dev: bool,
    /// HS256 secret for connection tokens (`SPELLWIRE_JWT_SECRET` / `--jwt-secret-file`).
    pub jwt_secret: Option<Vec<u8>>,
    /// PEM public key for RS256 or ES256 connection tokens (`--jwt-public-key FILE`).
    pub jwt_public_key: Option<Vec<u8>>,
    /// Required `aud` claim, when set (`--jwt-audience`).
    pub jwt_audience: Option<String>,
    /// Required `iss` claim, when set (`--jwt-issuer`).
    pub jwt_issuer: Option<String>,
    /// Key the backend presents to `POST /api/publish` (`SPELLWIRE_API_KEY` / `--api-key-file`).
    pub api_key: Option<String>,
    /// Backend URL that receives the page's sends (`--proxy-url`); None keeps today's behaviour.
    pub proxy_url: Option<String>,
    /// Bearer secret sent to the proxy URL (`SPELLWIRE_PROXY_SECRET`).
    pub proxy_secret: Option<String>,
    /// How long a proxied send may take before it counts as a temporary failure (5 s).
    pub proxy_timeout: Duration,
    /// Largest HTTP request body the API accepts (1 MiB); above it, 413.
    pub max_body_bytes: usize,
    /// How long a publish `idempotencyKey` is remembered (600 s).
    pub idempotency_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            www: "www".into(),
            pkg: "pkg".into(),
            test_hooks: false,
            heartbeat_ms: 25_000,
            max_message_bytes: 65_536,
            retain_events: 1000,
            retain_secs: 120,
            allow_origins: Vec::new(),
            secret: crate::random::bytes(32),
            token_ttl_secs: 3600,
            hello_timeout: Duration::from_secs(10),
            idle_slack: Duration::from_secs(10),
            redis: None,
            redis_prefix: "spellwire".into(),
            dev: false,
            jwt_secret: None,
            jwt_public_key: None,
            jwt_audience: None,
            jwt_issuer: None,
            api_key: None,
            proxy_url: None,
            proxy_secret: None,
            proxy_timeout: Duration::from_secs(5),
            max_body_bytes: 1 << 20,
            idempotency_secs: 600,
        }
    }
}

impl Config {
    /// A socket that sent nothing for this long is closed: two missed heartbeats plus slack.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_millis(2 * self.heartbeat_ms) + self.idle_slack
    }

    /// Replay log limits.
    pub fn retention(&self) -> Retention {
        Retention {
            max_events: self.retain_events,
            max_age: Duration::from_secs(self.retain_secs),
        }
    }

    /// Whether a WebSocket upgrade carrying this `Origin` header may proceed.
    ///
    /// ```
    /// let mut c = spellwire_server::config::Config::default();
    /// assert!(c.origin_allowed(None));
    /// c.allow_origins.push("http://a.test".into());
    /// assert!(c.origin_allowed(Some("http://a.test")));
    /// assert!(!c.origin_allowed(Some("http://evil.test")));
    /// assert!(!c.origin_allowed(None));
    /// ```
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        self.allow_origins.is_empty()
            || origin.is_some_and(|o| self.allow_origins.iter().any(|a| a == o))
    }
}
