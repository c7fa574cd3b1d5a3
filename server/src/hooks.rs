//! `/test/*`: levers for tests to break things on purpose (drop sockets, mute pongs, send
//! garbage) and to look inside (applied messages, hello counts). Mounted only with
//! `--test-hooks`; otherwise every `/test/*` path is a 404.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{ApiError, ApiJson};
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
}

impl Hooks {
    /// Hooks that record only when `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self { enabled, hellos: Mutex::default() }
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
