//! `GET /test/echo`: a plain echo WebSocket, for checking a client's WebSocket layer without
//! the spellwire protocol on top.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Upgrades (same origin rule as `/ws`) and echoes text and binary messages back.
pub async fn echo(State(s): State<AppState>, headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    if !crate::socket::origin_ok(&s, &headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    ws.on_upgrade(run)
}

/// Echoes until the peer closes. tungstenite answers the peer's close frame itself; reading
/// on until `None` lets that reply go out.
async fn run(mut socket: WebSocket) {
    while let Some(Ok(msg)) = socket.recv().await {
        let back = match msg {
            Message::Text(_) | Message::Binary(_) => msg,
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => continue,
        };
        if socket.send(back).await.is_err() {
            return;
        }
    }
}
