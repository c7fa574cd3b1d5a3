//! `/test/*`: levers for tests to break things on purpose (drop sockets, mute pongs, send
//! garbage, refuse WebSocket upgrades, cut HTTP streams), to look inside (applied messages,
//! hello counts) and to load the server (`broadcast`, for the fan-out benchmark). Mounted only
//! with `--test-hooks`; otherwise every `/test/*` path is a 404.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{check_user, ApiError, ApiJson};
use crate::session::MAX_TYPE_CHARS;
use crate::AppState;

/// Counts hello frames per token, when hooks are on (otherwise it stores nothing).
///
/// ```
/// let h = spellwire_server::hooks::Hooks::new(true);
/// h.count_hello("t");
/// assert_eq!(h.hellos("t"), 1);
/// assert_eq!(spellwire_server::hooks::Hooks::new(false).hellos("t"), 0);
/// ```
#[derive(Debug, Default)]
pub struct Hooks {
    enabled: bool,
    hellos: Mutex<HashMap<String, u64>>,
    /// `refuse-upgrades`: `GET /ws` answers 403 without upgrading.
    refuse_upgrades: AtomicBool,
}

impl Hooks {
    /// Hooks that record only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self { enabled, hellos: Mutex::default(), refuse_upgrades: AtomicBool::new(false) }
    }

    /// Whether WebSocket upgrades are refused (the `refuse-upgrades` hook; never without hooks).
    pub fn refusing_upgrades(&self) -> bool {
        self.enabled && self.refuse_upgrades.load(Ordering::Relaxed)
    }

    /// Notes one hello bearing `token`.
    pub fn count_hello(&self, token: &str) {
        if self.enabled {
            let mut h = self.hellos.lock().unwrap_or_else(|e| e.into_inner());
            *h.entry(token.to_owned()).or_default() += 1;
        }
    }

    /// How many hellos bore exactly `token`.
    pub fn hellos(&self, token: &str) -> u64 {
        let h = self.hellos.lock().unwrap_or_else(|e| e.into_inner());
        h.get(token).copied().unwrap_or(0)
    }
}

/// The `/test` routes: real ones when `enabled`, 404s otherwise.
pub fn routes(enabled: bool) -> Router<AppState> {
    if !enabled {
        return Router::new()
            .route("/test", any(crate::api::not_found))
            .route("/test/{*rest}", any(crate::api::not_found));
    }
    Router::new()
        .route("/test/drop", post(drop_user))
        .route("/test/mute-pongs", post(mute_pongs))
        .route("/test/blackhole", post(blackhole))
        .route("/test/send-raw", post(send_raw))
        .route("/test/echo", get(crate::echo::echo))
        .route("/test/received/{user}", get(received))
        .route("/test/hellos", get(hellos))
        .route("/test/broadcast", post(broadcast))
        .route("/test/refuse-upgrades", post(refuse_upgrades))
        .route("/test/cut-streams", post(cut_streams))
}

#[derive(Deserialize)]
struct User {
    user: String,
}

async fn drop_user(State(s): State<AppState>, ApiJson(b): ApiJson<User>) -> Json<Value> {
    Json(json!({ "dropped": s.hub.drop_user(&b.user) }))
}

async fn blackhole(State(s): State<AppState>, ApiJson(b): ApiJson<User>) -> Json<Value> {
    Json(json!({ "silenced": s.hub.blackhole_user(&b.user) }))
}

#[derive(Deserialize)]
struct On {
    on: bool,
}

/// `{"on": true}` makes `GET /ws` answer 403 without upgrading, as a proxy that blocks
/// WebSockets would, so a client must fall back to HTTP; `{"on": false}` ends that.
async fn refuse_upgrades(State(s): State<AppState>, ApiJson(b): ApiJson<On>) -> Json<Value> {
    s.hooks.refuse_upgrades.store(b.on, Ordering::Relaxed);
    Json(json!({ "on": b.on }))
}

/// Ends `user`'s HTTP streams mid-stream, with no final line (`/test/drop` does it too, with
/// the user's sockets).
async fn cut_streams(State(s): State<AppState>, ApiJson(b): ApiJson<User>) -> Json<Value> {
    Json(json!({ "cut": s.sessions.cut(&b.user) }))
}

#[derive(Deserialize)]
struct Mute {
    user: String,
    ms: u64,
}

async fn mute_pongs(State(s): State<AppState>, ApiJson(b): ApiJson<Mute>) -> Json<Value> {
    s.hub.mute_pongs(&b.user, Duration::from_millis(b.ms));
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct Raw {
    user: String,
    text: String,
}

async fn send_raw(State(s): State<AppState>, ApiJson(b): ApiJson<Raw>) -> Json<Value> {
    Json(json!({ "sent": s.hub.send_raw(&b.user, &b.text) }))
}

async fn received(State(s): State<AppState>, Path(user): Path<String>) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "messages": s.hub.applied(&user).await? })))
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

async fn hellos(State(s): State<AppState>, q: Result<Query<Token>, impl std::fmt::Debug>) -> Result<Json<Value>, ApiError> {
    let Ok(Query(q)) = q else { return Err(ApiError::bad("bad_request", "missing ?token=")) };
    Ok(Json(json!({ "count": s.hooks.hellos(&q.token) })))
}

/// Body of `POST /test/broadcast`: `users` or `prefix` (users this node knows), not both.
#[derive(Deserialize)]
struct Broadcast {
    #[serde(default)]
    users: Option<Vec<String>>,
    #[serde(default)]
    prefix: Option<String>,
    count: u64,
    #[serde(rename = "type")]
    kind: String,
}

/// Most events per user in one `broadcast` call.
const MAX_BROADCAST: u64 = 100_000;

/// `POST /test/broadcast {users | prefix, count, type}` → `{users, published, delivered}`:
/// `count` rounds, each publishing one event to every user through [`crate::hub::Hub::publish`]
/// (the path `/api/notify` takes), with data `{"t": unix ms when published, "i": 1..=count}`.
async fn broadcast(State(s): State<AppState>, ApiJson(b): ApiJson<Broadcast>) -> Result<Json<Value>, ApiError> {
    let users = match (b.users, b.prefix) {
        (Some(users), None) => users,
        (None, Some(prefix)) => s.hub.users_with_prefix(&prefix),
        _ => return Err(ApiError::bad("bad_request", "give either users or prefix")),
    };
    users.iter().try_for_each(|u| check_user(u))?;
    if !(1..=MAX_BROADCAST).contains(&b.count) || !(1..=MAX_TYPE_CHARS).contains(&b.kind.chars().count()) {
        let message = format!("count must be 1 to {MAX_BROADCAST}, type 1 to {MAX_TYPE_CHARS} characters");
        return Err(ApiError::bad("bad_request", message));
    }
    let mut delivered = 0;
    for i in 1..=b.count {
        for user in &users {
            let data = json!({ "t": unix_ms(), "i": i });
            delivered += s.hub.publish(user, b.kind.clone(), None, data).await?.1;
        }
        tokio::task::yield_now().await; // let the writers on this thread drain between rounds
    }
    Ok(Json(json!({ "users": users.len(), "published": b.count * users.len() as u64, "delivered": delivered })))
}

/// Wall-clock time in ms since the Unix epoch, to the microsecond.
fn unix_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
