//! The send proxy (`--proxy-url`): each client `send` becomes a POST to the application
//! backend, and the backend's answer becomes the client's `ack` (with a `result`), `nack` or
//! `retry` ([`answer`] has the mapping).
//!
//! ```text
//! POST {proxy_url}   Authorization: Bearer {proxy secret}   (when one is set)
//! {"user":"ann","id":"3f9a1c-12","type":"chat","topic":"room:1","data":{"text":"hi"}}
//!   → 200 {"result": {...}}                      ack {id, result}
//!   → 200 {"error": {"code", "message"}} / 4xx   nack {id, code: "rejected", message}
//!   → 5xx, timeout, no connection                retry {id, code: "backend_unavailable" | "backend_timeout"}
//! ```
//!
//! The server remembers nothing about a forwarded id: every send, resends included, is
//! forwarded, and the backend applies each `(user, id)` once and answers a repeat with the
//! first answer. A POST never runs in the socket's reader: it is spawned, so a slow backend
//! delays neither pings nor other sockets, and at most [`MAX_IN_FLIGHT`] per socket wait for
//! it (beyond that the send gets `retry` at once).

pub mod answer;
pub mod backend;
pub mod subscribe;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use spellwire::protocol::{Message, ServerFrame};

use crate::config::Config;
use crate::conn::{ConnHandle, Out};
use crate::frames::encode;
use backend::Backend;

/// Most sends of one socket waiting for the backend at once.
pub const MAX_IN_FLIGHT: usize = 16;

/// The backend's address, credentials and limits, and the sends in flight per socket.
///
/// ```
/// let mut c = spellwire_server::config::Config::default();
/// assert!(spellwire_server::proxy::Proxy::from_config(&c).is_none()); // no --proxy-url
/// c.proxy_url = Some("http://127.0.0.1:9/spellwire/send".into());
/// assert!(spellwire_server::proxy::Proxy::from_config(&c).is_some());
/// ```
pub struct Proxy {
    /// The URL, secret, timeout and answer size limit.
    backend: Backend,
    /// Sends waiting for the backend, per socket id; sockets with none have no entry.
    in_flight: Mutex<HashMap<u64, usize>>,
}

impl Proxy {
    /// The proxy `config` asks for, if any.
    ///
    /// # Panics
    /// When no HTTP client can be built (its TLS setup failed): the server could not forward
    /// a single send.
    pub fn from_config(config: &Config) -> Option<Arc<Self>> {
        let url = config.proxy_url.clone()?;
        let backend = Backend::new(url, config).expect("an HTTP client for --proxy-url");
        Some(Arc::new(Self {
            backend,
            in_flight: Mutex::new(HashMap::new()),
        }))
    }

    /// Forwards `msg` without waiting; its `ack`/`nack`/`retry` is queued to `conn` when the
    /// backend answers (or at once, as `retry`, when `conn` already has [`MAX_IN_FLIGHT`]).
    pub fn submit(self: &Arc<Self>, user: &str, conn: &ConnHandle, msg: Message<Value>) {
        let Some(slot) = Slot::take(self, conn.id) else {
            let message = format!("{MAX_IN_FLIGHT} sends from this connection are already waiting for the backend");
            let frame = ServerFrame::<Value>::Retry { id: msg.id, code: "too_many_in_flight".into(), message };
            conn.push(Out::frame(encode(&frame)));
            return;
        };
        let (user, conn) = (user.to_owned(), conn.clone());
        tokio::spawn(async move {
            let frame = slot.proxy.forward(&user, msg).await;
            conn.push(Out::frame(encode(&frame)));
        });
    }

    /// POSTs `msg` to the backend and reads its answer as the client's frame.
    pub async fn forward(&self, user: &str, msg: Message<Value>) -> ServerFrame<Value> {
        let body = json!({ "user": user, "id": msg.id, "type": msg.kind, "topic": msg.topic, "data": msg.data });
        let outcome = self.backend.post(&body, "send proxy").await;
        let frame = answer::frame(msg.id, outcome);
        if let ServerFrame::Retry { id, message, .. } | ServerFrame::Nack { id, message, .. } = &frame {
            tracing::info!("send proxy: {user}'s {id}: {message}");
        }
        frame
    }
}

/// One socket's claim on a place in flight, given back when dropped (even if the task panics).
struct Slot {
    proxy: Arc<Proxy>,
    conn: u64,
}

impl Slot {
    fn take(proxy: &Arc<Proxy>, conn: u64) -> Option<Self> {
        let mut counts = lock(&proxy.in_flight);
        let n = counts.entry(conn).or_insert(0);
        if *n >= MAX_IN_FLIGHT {
            return None;
        }
        *n += 1;
        Some(Self { proxy: proxy.clone(), conn })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = lock(&self.proxy.in_flight);
        if let Some(n) = counts.get_mut(&self.conn) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.conn);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_per_socket_and_given_back() {
        let config = Config { proxy_url: Some("http://127.0.0.1:9/".into()), ..Config::default() };
        let proxy = Proxy::from_config(&config).unwrap();
        let held: Vec<Slot> = (0..MAX_IN_FLIGHT).map(|_| Slot::take(&proxy, 1).unwrap()).collect();
        assert!(Slot::take(&proxy, 1).is_none());
        assert!(Slot::take(&proxy, 2).is_some(), "another socket has its own places");
        drop(held);
        assert!(lock(&proxy.in_flight).is_empty(), "no entry left for idle sockets");
        assert!(Slot::take(&proxy, 1).is_some());
    }
}
