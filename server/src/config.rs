//! Server settings, with the defaults `main.rs` advertises in `--help`, and the checks that
//! keep a production server from starting without the keys it needs.

use std::path::PathBuf;
use std::time::Duration;

use crate::limits::Limits;
use crate::log::Retention;

/// Largest `--jwt-leeway-secs`: more would let a stolen, expired token live on.
pub const MAX_LEEWAY_SECS: u64 = 30;

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
    /// What one client may cost: frame rate, replays, sockets, string lengths ([`Limits`]).
    pub limits: Limits,
    /// Replay log length per user.
    pub retain_events: usize,
    /// Replay log age limit per user (s).
    pub retain_secs: u64,
    /// Origins allowed to open the WebSocket (`--allow-origin`); empty means any origin. A
    /// request without `Origin` is always let through: browsers always send one, and anything
    /// else could send whatever it liked.
    pub allow_origins: Vec<String>,
    /// Lifetime of the tokens `/api/login` mints in `--dev` (s).
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
    /// Clock skew forgiven on `exp` (s, at most [`MAX_LEEWAY_SECS`]): a token is accepted, and a
    /// socket kept, until `exp` plus this (`--jwt-leeway-secs`, 5).
    pub jwt_leeway_secs: u64,
    /// Key the backend presents to `POST /api/publish` (`SPELLWIRE_API_KEY` / `--api-key-file`).
    pub api_key: Option<String>,
    /// Backend URL that receives the page's sends (`--proxy-url`); None keeps today's behaviour.
    pub proxy_url: Option<String>,
    /// Bearer secret sent to the proxy URL (`SPELLWIRE_PROXY_SECRET`).
    pub proxy_secret: Option<String>,
    /// How long a proxied send may take before it counts as a temporary failure (5 s).
    pub proxy_timeout: Duration,
    /// Largest HTTP request body any route accepts (1 MiB); above it, 413.
    pub max_body_bytes: usize,
    /// How long a publish `idempotencyKey` is remembered (600 s).
    pub idempotency_secs: u64,
    /// How often idle users are forgotten, and (with Redis) the keys of users with sockets
    /// here are kept alive (`--sweep-interval-ms`, 10 s); see docs/SCALING.md.
    pub sweep_interval: Duration,
    /// Message ids remembered per user for `send` idempotency (`--ids-per-user`, 10,000: a
    /// client's largest outbox, `MAX_QUEUE_LIMIT`, can be resent whole).
    pub ids_per_user: usize,
    /// How long a message id is remembered after its send (`--ids-ttl-secs`, 86,400 s).
    pub ids_ttl_secs: u64,
    /// Channels one socket may read at once (`--max-channels-per-socket`, 64); a `sub` past it
    /// is refused with `too_many_channels`.
    pub max_channels_per_socket: usize,
    /// Backend URL asked whether a user may join a channel its token does not grant
    /// (`--subscribe-proxy-url`); None refuses those. Same secret and timeout as the send proxy.
    pub subscribe_proxy_url: Option<String>,
    /// Channel log limits per namespace (`--channel-retention NS=EVENTS/SECS`); a namespace not
    /// listed keeps what a personal log keeps ([`Config::retention`]).
    pub channel_retention: Vec<(String, Retention)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            www: "www".into(),
            pkg: "pkg".into(),
            test_hooks: false,
            heartbeat_ms: 25_000,
            max_message_bytes: 65_536,
            limits: Limits::default(),
            retain_events: 1000,
            retain_secs: 120,
            allow_origins: Vec::new(),
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
            jwt_leeway_secs: 5,
            api_key: None,
            proxy_url: None,
            proxy_secret: None,
            proxy_timeout: Duration::from_secs(5),
            max_body_bytes: 1 << 20,
            idempotency_secs: 600,
            sweep_interval: Duration::from_secs(10),
            ids_per_user: 10_000,
            ids_ttl_secs: 86_400,
            max_channels_per_socket: 64,
            subscribe_proxy_url: None,
            channel_retention: Vec::new(),
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

    /// Log limits of `channel`: its namespace's `--channel-retention`, else the personal ones.
    ///
    /// ```
    /// use std::time::Duration;
    /// use spellwire_server::{config::Config, log::Retention};
    /// let short = Retention { max_events: 5, max_age: Duration::from_secs(9) };
    /// let c = Config { channel_retention: vec![("room".into(), short)], ..Config::default() };
    /// assert_eq!(c.channel_retention_for("room:lobby"), short);
    /// assert_eq!(c.channel_retention_for("crew:a"), c.retention());
    /// ```
    pub fn channel_retention_for(&self, channel: &str) -> Retention {
        let ns = channel.split_once(':').map_or(channel, |(ns, _)| ns);
        let listed = self.channel_retention.iter().find(|(n, _)| n == ns);
        listed.map_or_else(|| self.retention(), |(_, r)| *r)
    }

    /// Whether a WebSocket upgrade carrying this `Origin` header may proceed.
    ///
    /// ```
    /// let mut c = spellwire_server::config::Config::default();
    /// assert!(c.origin_allowed(None));
    /// c.allow_origins.push("http://a.test".into());
    /// assert!(c.origin_allowed(Some("http://a.test")));
    /// assert!(!c.origin_allowed(Some("http://evil.test")));
    /// assert!(c.origin_allowed(None)); // a backend or a test tool, not a browser
    /// ```
    pub fn origin_allowed(&self, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        self.allow_origins.is_empty() || self.allow_origins.iter().any(|a| a == origin)
    }

    /// Whether a server with these settings may start: in production (no `--dev`) it needs a
    /// way to verify tokens and the key for its publish API. The error names what is missing.
    ///
    /// ```
    /// use spellwire_server::config::Config;
    /// let mut c = Config::default();
    /// assert!(c.check_production().unwrap_err().contains("SPELLWIRE_JWT_SECRET"));
    /// c.jwt_secret = Some(b"s".to_vec());
    /// assert!(c.check_production().unwrap_err().contains("SPELLWIRE_API_KEY"));
    /// c.api_key = Some("k".into());
    /// assert!(c.check_production().is_ok());
    /// assert!(Config { dev: true, ..Config::default() }.check_production().is_ok());
    /// ```
    pub fn check_production(&self) -> Result<(), String> {
        if self.jwt_leeway_secs > MAX_LEEWAY_SECS {
            return Err(format!("--jwt-leeway-secs is at most {MAX_LEEWAY_SECS}"));
        }
        if self.dev {
            return Ok(());
        }
        if self.jwt_secret.is_none() && self.jwt_public_key.is_none() {
            return Err(MISSING_KEY.into());
        }
        if self.api_key.is_none() {
            return Err(MISSING_API_KEY.into());
        }
        Ok(())
    }

    /// Whether the backend URLs (`--proxy-url`, `--subscribe-proxy-url`) are http(s) URLs;
    /// the error names the flag.
    ///
    /// ```
    /// use spellwire_server::config::Config;
    /// let mut c = Config { proxy_url: Some("https://app.test/spellwire/send".into()), ..Config::default() };
    /// assert!(c.check_urls().is_ok());
    /// c.subscribe_proxy_url = Some("app.test/sub".into());
    /// assert!(c.check_urls().unwrap_err().starts_with("--subscribe-proxy-url"));
    /// ```
    pub fn check_urls(&self) -> Result<(), String> {
        let urls = [("--proxy-url", &self.proxy_url), ("--subscribe-proxy-url", &self.subscribe_proxy_url)];
        for (flag, url) in urls {
            let Some(url) = url else { continue };
            let parsed = reqwest::Url::parse(url).map_err(|e| format!("{flag} {url:?}: not a URL ({e})"))?;
            if !matches!(parsed.scheme(), "http" | "https") || !parsed.has_host() {
                return Err(format!("{flag} {url:?}: must be an http:// or https:// URL with a host"));
            }
        }
        Ok(())
    }

    /// What an operator should hear at startup: any origin accepted in production.
    ///
    /// ```
    /// let mut c = spellwire_server::config::Config::default();
    /// assert_eq!(c.startup_warnings().len(), 1);
    /// c.allow_origins.push("https://app.test".into());
    /// assert!(c.startup_warnings().is_empty());
    /// ```
    pub fn startup_warnings(&self) -> Vec<&'static str> {
        let any_origin = !self.dev && self.allow_origins.is_empty();
        any_origin.then_some(ANY_ORIGIN).into_iter().collect()
    }
}

/// One `--channel-retention NS=EVENTS/SECS`: the namespace (1 to 32 of `A-Z a-z 0-9 _ -`) and
/// its log limits, both at least 1.
///
/// ```
/// use spellwire_server::config::parse_channel_retention;
/// let (ns, r) = parse_channel_retention("room=50/600").unwrap();
/// assert_eq!((ns.as_str(), r.max_events, r.max_age.as_secs()), ("room", 50, 600));
/// assert!(parse_channel_retention("room=50").is_err());
/// assert!(parse_channel_retention("ro om=5/6").is_err());
/// ```
pub fn parse_channel_retention(text: &str) -> Result<(String, Retention), String> {
    let form = "expected NS=EVENTS/SECS, e.g. room=500/3600";
    let (ns, limits) = text.split_once('=').ok_or(form)?;
    let (events, secs) = limits.split_once('/').ok_or(form)?;
    if !crate::grants::valid_namespace(ns) {
        return Err(format!("{ns:?} is not a namespace (1 to 32 of A-Z a-z 0-9 _ -)"));
    }
    let positive = |n: &str, what: &str| match n.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{what} must be a whole number of at least 1, not {n:?} ({form})")),
    };
    let max_events = usize::try_from(positive(events, "EVENTS")?).map_err(|_| "EVENTS is too large")?;
    let max_age = Duration::from_secs(positive(secs, "SECS")?);
    Ok((ns.to_owned(), Retention { max_events, max_age }))
}

const MISSING_KEY: &str = "no way to verify connection tokens: set SPELLWIRE_JWT_SECRET or \
--jwt-secret-file (HS256), or --jwt-public-key FILE (RS256/ES256); or run with --dev";

const MISSING_API_KEY: &str = "no API key for POST /api/publish: set SPELLWIRE_API_KEY or \
--api-key-file; or run with --dev";

const ANY_ORIGIN: &str = "no --allow-origin: WebSockets are accepted from pages of ANY origin \
(a token is still required); list your site's origins with --allow-origin";
