//! `POST /api/spells/{name}/cast`: a simulated long-running job that streams progress events,
//! the kind of workload spellwire exists for (an agent run with tool calls).
//!
//! Events go through the hub like any notification, so they are logged, replayed after a
//! reconnect, and delivered to every tab on topic `cast:{castId}`. Each cast also posts a line
//! to the channel [`CREW_CHANNEL`] when it starts and when it finishes: the demo's crew board,
//! which every user's page shows alike.

use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{check_user, ApiError, ApiJson};
use crate::AppState;

/// The channel every cast, by any user, is announced on (the demo page's crew board).
pub const CREW_CHANNEL: &str = "crew:demo";

/// Tools the simulated steps "call", in turn.
const TOOLS: [&str; 4] = ["gather_reagents", "draw_circle", "chant", "bind_runes"];

/// Body of a cast request.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cast {
    user: String,
    #[serde(default = "default_steps")]
    steps: u32,
    #[serde(default = "default_step_ms")]
    step_ms: u64,
}

fn default_steps() -> u32 {
    3
}

fn default_step_ms() -> u64 {
    500
}

/// Starts a cast and answers `{castId}` at once; the events follow on the user's sockets.
pub async fn cast(
    State(s): State<AppState>,
    Path(spell): Path<String>,
    ApiJson(b): ApiJson<Cast>,
) -> Result<Json<Value>, ApiError> {
    check_user(&b.user)?;
    if !(1..=100).contains(&b.steps) {
        return Err(ApiError::bad("bad_steps", "steps must be 1 to 100"));
    }
    if b.step_ms > 60_000 {
        return Err(ApiError::bad("bad_step_ms", "stepMs must be 0 to 60000"));
    }
    if spell.is_empty() || spell.chars().count() > 64 {
        return Err(ApiError::bad("bad_spell", "spell name must be 1 to 64 characters"));
    }
    let cast_id = crate::random::hex_id(6);
    tokio::spawn(run(s, b, spell, cast_id.clone()));
    Ok(Json(json!({ "castId": cast_id })))
}

/// Emits the cast's events, pausing `stepMs` per step.
async fn run(s: AppState, b: Cast, spell: String, cast_id: String) {
    let topic = format!("cast:{cast_id}");
    // A failed emit (Redis down) is logged and skipped: the cast goes on, like a job whose
    // progress reports are best effort.
    let emit = |kind: &str, data: Value| {
        let (hub, user, topic, kind) = (s.hub.clone(), b.user.clone(), topic.clone(), kind.to_owned());
        async move {
            if let Err(e) = hub.publish(&user, kind, Some(topic), data).await {
                tracing::warn!("cast event for {user}: {e}");
            }
        }
    };
    let crew = |kind: &str| {
        let data = json!({ "castId": cast_id, "user": b.user, "spell": spell, "steps": b.steps });
        let (hub, kind) = (s.hub.clone(), kind.to_owned());
        async move {
            if let Err(e) = hub.publish_channel(CREW_CHANNEL, kind, None, data).await {
                tracing::warn!("crew board: {e}");
            }
        }
    };
    crew("crew_cast_started").await;
    emit("cast_started", json!({ "castId": cast_id, "spell": spell, "steps": b.steps })).await;
    let mut outputs = Vec::new();
    for step in 1..=b.steps {
        let tool = TOOLS[(step as usize - 1) % TOOLS.len()];
        let started = Instant::now();
        emit("step_started", json!({ "step": step, "name": format!("{spell}: {tool}") })).await;
        emit("tool_start", json!({ "tool": tool, "step": step })).await;
        tokio::time::sleep(Duration::from_millis(b.step_ms / 2)).await;
        emit("tool_progress", json!({ "tool": tool, "step": step, "progress": 0.5 })).await;
        tokio::time::sleep(Duration::from_millis(b.step_ms - b.step_ms / 2)).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        emit("tool_end", json!({ "tool": tool, "step": step, "durationMs": duration_ms, "status": "ok" })).await;
        let output = format!("{tool} done ({step}/{})", b.steps);
        let progress = f64::from(step) / f64::from(b.steps);
        emit("step_completed", json!({ "step": step, "progress": progress, "output": output })).await;
        outputs.push(output);
    }
    emit("cast_completed", json!({ "castId": cast_id, "outputs": outputs })).await;
    crew("crew_cast_finished").await;
}
