//! Helpers for the tests on a real Redis: its URL (and whether its absence is a failure),
//! nodes on it, a direct connection to look at keys, and the stop/start commands. Include it
//! next to `common`: `mod common; #[path = "common/redis.rs"] mod redis_env;`.
#![allow(dead_code)]

use std::net::SocketAddr;

use spellwire_server::{app, config::Config, AppState};
use tokio::task::JoinHandle;

/// Whether a test must fail rather than skip without a Redis: `SPELLWIRE_REDIS_REQUIRED=1`
/// (scripts/redis-tests.sh sets it), or a CI run (`CI` set and not `false`/`0`) unless
/// `SPELLWIRE_REDIS_REQUIRED=0` says this run leaves Redis to a later step.
pub fn required(ci: Option<&str>, required: Option<&str>) -> bool {
    match required {
        Some("1") => true,
        Some("0") => false,
        _ => ci.is_some_and(|v| !matches!(v, "" | "0" | "false")),
    }
}

/// The Redis URL; `None` after saying why the test is skipped, or a panic when Redis is
/// [`required`].
pub fn redis_url() -> Option<String> {
    let url = std::env::var("SPELLWIRE_REDIS").ok();
    if url.is_none() {
        let why = "SPELLWIRE_REDIS is unset (scripts/redis-tests.sh starts a Redis and sets it)";
        let (ci, req) = (std::env::var("CI").ok(), std::env::var("SPELLWIRE_REDIS_REQUIRED").ok());
        assert!(!required(ci.as_deref(), req.as_deref()), "Redis is required here, but {why}");
        eprintln!("skipping: {why}");
    }
    url
}

/// Whether `SPELLWIRE_REDIS_STOP`/`START` are set; when Redis is required they must be.
pub fn can_restart_redis() -> bool {
    let set = std::env::var("SPELLWIRE_REDIS_STOP").is_ok() && std::env::var("SPELLWIRE_REDIS_START").is_ok();
    if !set {
        let (ci, req) = (std::env::var("CI").ok(), std::env::var("SPELLWIRE_REDIS_REQUIRED").ok());
        assert!(!required(ci.as_deref(), req.as_deref()), "SPELLWIRE_REDIS_STOP/START are unset");
        eprintln!("skipping: SPELLWIRE_REDIS_STOP/START unset (scripts/redis-tests.sh sets them)");
    }
    set
}

/// Runs `$SPELLWIRE_REDIS_{which}` (STOP or START).
pub fn redis_ctl(which: &str) {
    let cmd = std::env::var(format!("SPELLWIRE_REDIS_{which}")).unwrap();
    let ok = std::process::Command::new("sh").arg("-c").arg(&cmd).status().unwrap().success();
    assert!(ok, "{cmd} failed");
}

/// A fresh key prefix starting with `tag`: one deployment per test.
pub fn prefix(tag: &str) -> String {
    format!("{tag}:{}", spellwire_server::random::hex_id(6))
}

/// One in-process `--dev --test-hooks` server node on a Redis.
pub struct Node {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its serving task, aborted to kill it.
    pub task: JoinHandle<()>,
}

impl Node {
    /// Starts a node on `url` under `prefix`, with the settings `tweak` makes.
    pub async fn start(url: &str, prefix: &str, tweak: impl FnOnce(&mut Config)) -> Node {
        let mut config = Config {
            dev: true,
            test_hooks: true,
            jwt_secret: Some(b"one secret for every node".to_vec()),
            redis: Some(url.to_owned()),
            redis_prefix: prefix.to_owned(),
            ..Config::default()
        };
        tweak(&mut config);
        let state = AppState::build(config).await.expect("redis reachable");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move { axum::serve(listener, app(state)).await.unwrap() });
        Node { addr, task }
    }

    /// Kills the node: aborts `user`'s sockets and stops accepting connections.
    pub async fn kill(self, user: &str) {
        crate::common::post(self.addr, "/test/drop", serde_json::json!({ "user": user })).await;
        self.task.abort();
    }
}

/// A plain connection, to look at keys as Redis holds them.
pub async fn direct(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap()
}

/// Runs one command on `conn`.
pub async fn cmd<T: redis::FromRedisValue>(conn: &mut redis::aio::MultiplexedConnection, args: &[&str]) -> T {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c.query_async(conn).await.unwrap()
}

#[test]
fn redis_is_required_in_ci_unless_a_run_defers_it() {
    assert!(!required(None, None));
    assert!(required(Some("true"), None));
    assert!(!required(Some("false"), None));
    assert!(!required(Some("true"), Some("0")));
    assert!(required(None, Some("1")));
}
