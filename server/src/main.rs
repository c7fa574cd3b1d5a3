//! `spellwire-server`: parse flags, check them, bind, print the address, serve.
//!
//! ```text
//! spellwire-server --addr 127.0.0.1:0 --dev --test-hooks
//! spellwire-server listening on http://127.0.0.1:41234
//! ```
//!
//! Every flag can also be given as the environment variable `--help` names beside it; secrets
//! only as a variable or a file (see [`spellwire_server::secret`]). Without `--dev` the server
//! refuses to start until it can verify tokens and has an API key.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use spellwire_server::config::{parse_channel_retention, Config, MAX_LEEWAY_SECS};
use spellwire_server::log::Retention;
use spellwire_server::limits::Limits;
use spellwire_server::{app, secret, AppState};

const SECRETS: &str = "Secrets (environment only, or the matching *-file flag; never a flag's value):
  SPELLWIRE_JWT_SECRET    HS256 secret for connection tokens (or --jwt-secret-file)
  SPELLWIRE_API_KEY       key the backend presents to POST /api/publish (or --api-key-file)
  SPELLWIRE_PROXY_SECRET  bearer secret sent to --proxy-url and --subscribe-proxy-url (or --proxy-secret-file)";

/// Reference server for the spellwire realtime SDK.
#[derive(Parser, Debug)]
#[command(version, after_help = SECRETS)]
struct Args {
    /// Address to listen on (port 0 picks a free port; the real one is printed).
    #[arg(long, env = "SPELLWIRE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Development mode: /api/login (a token for any name), /api/notify, /api/spells/*, and
    /// the demo page (--www) and client (--pkg). Never on a server the internet can reach.
    #[arg(long, env = "SPELLWIRE_DEV")]
    dev: bool,
    /// Directory served at `/` (with --dev).
    #[arg(long, env = "SPELLWIRE_WWW", default_value = "www")]
    www: PathBuf,
    /// Directory served at `/pkg`, the wasm-pack output (with --dev).
    #[arg(long, env = "SPELLWIRE_PKG", default_value = "pkg")]
    pkg: PathBuf,
    /// Enable the `/test/*` hooks (never in production).
    #[arg(long, env = "SPELLWIRE_TEST_HOOKS")]
    test_hooks: bool,
    /// Origin allowed to open WebSockets (repeatable, or comma-separated in the variable).
    /// None given: any origin (a warning at startup). Requests without Origin always pass.
    #[arg(long = "allow-origin", env = "SPELLWIRE_ALLOW_ORIGIN", value_delimiter = ',')]
    allow_origin: Vec<String>,
    #[command(flatten)]
    jwt: JwtArgs,
    #[command(flatten)]
    gateway: GatewayArgs,
    #[command(flatten)]
    tuning: TuningArgs,
    #[command(flatten)]
    channels: ChannelArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// How connection tokens are checked.
#[derive(clap::Args, Debug)]
struct JwtArgs {
    /// File holding the HS256 secret (instead of SPELLWIRE_JWT_SECRET). In --dev without a
    /// secret, /api/login signs with a random one per process.
    #[arg(long, env = "SPELLWIRE_JWT_SECRET_FILE")]
    jwt_secret_file: Option<PathBuf>,
    /// PEM file of the RSA (RS256) or EC P-256 (ES256) public key that verifies tokens.
    #[arg(long, env = "SPELLWIRE_JWT_PUBLIC_KEY")]
    jwt_public_key: Option<PathBuf>,
    /// Required `aud` claim (unset: tokens carrying an `aud` are refused).
    #[arg(long, env = "SPELLWIRE_JWT_AUDIENCE")]
    jwt_audience: Option<String>,
    /// Required `iss` claim.
    #[arg(long, env = "SPELLWIRE_JWT_ISSUER")]
    jwt_issuer: Option<String>,
    /// Clock skew forgiven on `exp` (s); a socket is closed (4419) this long after it.
    #[arg(long, env = "SPELLWIRE_JWT_LEEWAY_SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(0..=MAX_LEEWAY_SECS))]
    jwt_leeway_secs: u64,
    /// Lifetime of the tokens /api/login mints (--dev) (s).
    #[arg(long, env = "SPELLWIRE_TOKEN_TTL_SECS", default_value_t = 3600)]
    token_ttl_secs: u64,
}

/// The backend's side: publishing, the send proxy, request limits.
#[derive(clap::Args, Debug)]
struct GatewayArgs {
    /// File holding the API key for POST /api/publish (instead of SPELLWIRE_API_KEY).
    #[arg(long, env = "SPELLWIRE_API_KEY_FILE")]
    api_key_file: Option<PathBuf>,
    /// Backend URL that receives the page's sends (unset: the server applies them itself).
    #[arg(long, env = "SPELLWIRE_PROXY_URL")]
    proxy_url: Option<String>,
    /// File holding the proxy's bearer secret (instead of SPELLWIRE_PROXY_SECRET).
    #[arg(long, env = "SPELLWIRE_PROXY_SECRET_FILE")]
    proxy_secret_file: Option<PathBuf>,
    /// Backend URL asked whether a user may join a channel its token does not grant (unset:
    /// such a `sub` is refused). Same secret, timeout and body limit as --proxy-url.
    #[arg(long, env = "SPELLWIRE_SUBSCRIBE_PROXY_URL")]
    subscribe_proxy_url: Option<String>,
    /// How long a proxied send or subscribe may take before it counts as a temporary failure (ms).
    #[arg(long, env = "SPELLWIRE_PROXY_TIMEOUT_MS", default_value_t = 5000)]
    proxy_timeout_ms: u64,
    /// Largest HTTP request body any route accepts (bytes); above it, 413.
    #[arg(long, env = "SPELLWIRE_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// How long a publish idempotencyKey is remembered (s).
    #[arg(long, env = "SPELLWIRE_IDEMPOTENCY_SECS", default_value_t = 600)]
    idempotency_secs: u64,
}

/// Sockets, replay and Redis.
#[derive(clap::Args, Debug)]
struct TuningArgs {
    /// Heartbeat interval advertised to clients (ms).
    #[arg(long, env = "SPELLWIRE_HEARTBEAT_MS", default_value_t = 25_000)]
    heartbeat_ms: u64,
    /// Largest accepted client message (bytes); bigger closes the socket with 1009.
    #[arg(long, env = "SPELLWIRE_MAX_MESSAGE_BYTES", default_value_t = 65_536)]
    max_message_bytes: usize,
    /// Events kept per user for replay.
    #[arg(long, env = "SPELLWIRE_RETAIN_EVENTS", default_value_t = 1000)]
    retain_events: usize,
    /// Seconds events are kept for replay.
    #[arg(long, env = "SPELLWIRE_RETAIN_SECS", default_value_t = 120)]
    retain_secs: u64,
    /// Keep logs, epoch and message ids in Redis (e.g. redis://127.0.0.1:6379), so several
    /// nodes serve the same users; see docs/SCALING.md. Without it, all state is in memory.
    #[arg(long, env = "SPELLWIRE_REDIS")]
    redis: Option<String>,
    /// Prefix of the Redis keys and channel.
    #[arg(long, env = "SPELLWIRE_REDIS_PREFIX", default_value = "spellwire")]
    redis_prefix: String,
    /// How often users with no socket whose retention passed are forgotten, and (with Redis)
    /// the keys of users with sockets here are kept from expiring (ms).
    #[arg(long, env = "SPELLWIRE_SWEEP_INTERVAL_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    sweep_interval_ms: u64,
    /// Message ids remembered per user, so a resent send is applied once.
    #[arg(long, env = "SPELLWIRE_IDS_PER_USER", default_value_t = 10_000)]
    ids_per_user: usize,
    /// Seconds a message id is remembered after its send.
    #[arg(long, env = "SPELLWIRE_IDS_TTL_SECS", default_value_t = 86_400)]
    ids_ttl_secs: u64,
}

/// Channels: how many per socket, how long their logs are kept.
#[derive(clap::Args, Debug)]
struct ChannelArgs {
    /// Channels one socket may read at once; a `sub` past it is refused (too_many_channels).
    #[arg(long, env = "SPELLWIRE_MAX_CHANNELS_PER_SOCKET", default_value_t = 64)]
    max_channels_per_socket: usize,
    /// Log limits of one namespace's channels, e.g. room=500/3600 (repeatable, or
    /// comma-separated in the variable). Unlisted namespaces keep --retain-events/--retain-secs.
    #[arg(long, env = "SPELLWIRE_CHANNEL_RETENTION", value_name = "NS=EVENTS/SECS",
          value_delimiter = ',', value_parser = parse_channel_retention)]
    channel_retention: Vec<(String, Retention)>,
}

impl ChannelArgs {
    /// The retention list, refusing a namespace given twice.
    fn retention(self) -> Result<Vec<(String, Retention)>, String> {
        let list = self.channel_retention;
        match list.iter().enumerate().find(|(i, (ns, _))| list[..*i].iter().any(|(n, _)| n == ns)) {
            Some((_, (ns, _))) => Err(format!("--channel-retention names {ns} twice")),
            None => Ok(list),
        }
    }
}

/// What one client may cost (README's "Limits" lists every limit).
#[derive(clap::Args, Debug)]
struct LimitArgs {
    /// Frames a socket may send per second, on average; over it the socket is closed (4429).
    #[arg(long, env = "SPELLWIRE_MAX_FRAMES_PER_SEC", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_frames_per_sec: u32,
    /// Frames a socket may send at once (keep it above the clients' queueLimit, 100 by default).
    #[arg(long, env = "SPELLWIRE_FRAME_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    frame_burst: u32,
    /// Least time between two replays served to one socket (ms); requests in between merge.
    #[arg(long, env = "SPELLWIRE_REPLAY_INTERVAL_MS", default_value_t = 1000)]
    replay_interval_ms: u64,
    /// Open sockets per user on this node; the newest beyond it is closed (4409).
    #[arg(long, env = "SPELLWIRE_MAX_SOCKETS_PER_USER", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(1..))]
    max_sockets_per_user: u32,
    /// Sockets upgraded but not yet past hello, on this node; more upgrades get 503.
    #[arg(long, env = "SPELLWIRE_MAX_WAITING_HELLO", default_value_t = 10_000)]
    max_waiting_hello: usize,
    /// Longest message id in a send (characters); longer ones are nacked (bad_message).
    #[arg(long, env = "SPELLWIRE_MAX_ID_CHARS", default_value_t = 128)]
    max_id_chars: usize,
    /// Longest topic in a send or /api/notify (characters).
    #[arg(long, env = "SPELLWIRE_MAX_TOPIC_CHARS", default_value_t = 128)]
    max_topic_chars: usize,
}

impl LimitArgs {
    fn into_limits(self) -> Limits {
        Limits {
            frames_per_sec: self.max_frames_per_sec,
            frame_burst: self.frame_burst,
            replay_interval: Duration::from_millis(self.replay_interval_ms),
            sockets_per_user: self.max_sockets_per_user,
            waiting_hello: self.max_waiting_hello,
            id_chars: self.max_id_chars,
            topic_chars: self.max_topic_chars,
        }
    }
}

impl Args {
    /// The settings, with the secrets read from the environment or their files.
    fn into_config(self) -> Result<Config, String> {
        let (jwt, gw, t) = (self.jwt, self.gateway, self.tuning);
        let env = |var: &str| std::env::var(var).ok();
        Ok(Config {
            www: self.www,
            pkg: self.pkg,
            dev: self.dev,
            test_hooks: self.test_hooks,
            allow_origins: self.allow_origin,
            limits: self.limits.into_limits(),
            jwt_secret: secret::load("SPELLWIRE_JWT_SECRET", env("SPELLWIRE_JWT_SECRET"), jwt.jwt_secret_file.as_deref(), "--jwt-secret-file")?,
            jwt_public_key: jwt.jwt_public_key.map(|p| read_key(&p)).transpose()?,
            jwt_audience: jwt.jwt_audience,
            jwt_issuer: jwt.jwt_issuer,
            jwt_leeway_secs: jwt.jwt_leeway_secs,
            token_ttl_secs: jwt.token_ttl_secs,
            api_key: secret::load_text("SPELLWIRE_API_KEY", env("SPELLWIRE_API_KEY"), gw.api_key_file.as_deref(), "--api-key-file")?,
            proxy_url: gw.proxy_url,
            subscribe_proxy_url: gw.subscribe_proxy_url,
            proxy_secret: secret::load_text("SPELLWIRE_PROXY_SECRET", env("SPELLWIRE_PROXY_SECRET"), gw.proxy_secret_file.as_deref(), "--proxy-secret-file")?,
            proxy_timeout: Duration::from_millis(gw.proxy_timeout_ms),
            max_body_bytes: gw.max_body_bytes,
            idempotency_secs: gw.idempotency_secs,
            heartbeat_ms: t.heartbeat_ms,
            max_message_bytes: t.max_message_bytes,
            retain_events: t.retain_events,
            retain_secs: t.retain_secs,
            redis: t.redis,
            redis_prefix: t.redis_prefix,
            sweep_interval: Duration::from_millis(t.sweep_interval_ms),
            ids_per_user: t.ids_per_user,
            ids_ttl_secs: t.ids_ttl_secs,
            max_channels_per_socket: self.channels.max_channels_per_socket,
            channel_retention: self.channels.retention()?,
            ..Config::default()
        })
    }
}

fn read_key(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("--jwt-public-key {}: {e}", path.display()))
}

/// The checked settings, or the reason the server must not start.
fn config(args: Args) -> Result<Config, String> {
    let config = args.into_config()?;
    config.check_production()?;
    config.check_urls()?;
    spellwire_server::auth::Auth::new(&config)?;
    Ok(config)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let args = Args::parse();
    let bind = args.addr;
    let config = config(args).unwrap_or_else(|why| {
        eprintln!("spellwire-server: {why}");
        std::process::exit(2);
    });
    config.startup_warnings().into_iter().for_each(|w| tracing::warn!("{w}"));
    let state = AppState::build(config).await.map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "spellwire-server listening on http://{addr}")?;
    out.flush()?;
    drop(out);
    axum::serve(listener, app(state)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Config, String> {
        let args = Args::try_parse_from(["spellwire-server", "--dev"].iter().chain(args)).map_err(|e| e.to_string())?;
        config(args)
    }

    #[test]
    fn channel_flags_reach_the_config() {
        let c = parsed(&["--channel-retention", "room=50/600", "--channel-retention", "run_2=1/1"]).unwrap();
        let secs = Duration::from_secs;
        let room = Retention { max_events: 50, max_age: secs(600) };
        assert_eq!(c.channel_retention, [("room".into(), room), ("run_2".into(), Retention { max_events: 1, max_age: secs(1) })]);
        assert_eq!((c.max_channels_per_socket, c.subscribe_proxy_url.as_deref()), (64, None));
        let c = parsed(&["--max-channels-per-socket", "8", "--subscribe-proxy-url", "https://app.test/sub"]).unwrap();
        assert_eq!((c.max_channels_per_socket, c.subscribe_proxy_url.as_deref()), (8, Some("https://app.test/sub")));
    }

    #[test]
    fn bad_channel_flags_are_errors_naming_the_flag() {
        let long_ns = format!("{}=1/1", "n".repeat(33));
        for bad in ["room", "room=", "room=1", "room=1/", "=1/1", "room=x/1", "room=1/-1", "room=0/1", "room=1/0", "a:b=1/1", &long_ns] {
            let why = parsed(&["--channel-retention", bad]).unwrap_err();
            assert!(why.contains("--channel-retention"), "{bad}: {why}");
        }
        for (flag, url) in [("--proxy-url", "app.test/send"), ("--subscribe-proxy-url", "mailto:a@b.test"), ("--subscribe-proxy-url", "")] {
            let why = parsed(&[flag, url]).unwrap_err();
            assert!(why.starts_with(flag), "{flag} {url}: {why}");
        }
    }
}
