//! Welcomed sockets: login, WebSocket upgrade, `hello`, wait for `welcome`; many at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use serde_json::Value;
use spellwire::protocol::{ClientFrame, ServerFrame, Welcome};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::http::{Http, Server};
use crate::Result;

/// A client socket.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long the upgrade plus hello → welcome may take.
const WELCOME_TIMEOUT: Duration = Duration::from_secs(30);

/// The frames in one server message: a frame, or a JSON array of frames.
pub fn frames<D: DeserializeOwned>(text: &str) -> Result<Vec<ServerFrame<D>>> {
    if text.trim_start().starts_with('[') {
        Ok(serde_json::from_str(text)?)
    } else {
        Ok(vec![serde_json::from_str(text)?])
    }
}

/// Opens a socket with `token` and waits for the welcome.
pub async fn open(server: &Server, token: &str) -> Result<(Socket, Welcome)> {
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let handshake = async {
        let (mut ws, _) = tokio_tungstenite::connect_async_with_config(server.ws_url(), Some(config), true).await?;
        let hello = ClientFrame::<()>::Hello { token: token.to_owned(), resume: None };
        ws.send(Message::text(serde_json::to_string(&hello)?)).await?;
        let welcome = loop {
            match ws.next().await.ok_or("socket ended before welcome")?? {
                Message::Text(t) => break welcome_in(&t)?,
                Message::Close(f) => return Err(format!("closed before welcome: {f:?}").into()),
                _ => continue,
            }
        };
        Ok::<_, crate::Error>((ws, welcome))
    };
    tokio::time::timeout(WELCOME_TIMEOUT, handshake).await.map_err(|_| "no welcome in time")?
}

fn welcome_in(text: &str) -> Result<Welcome> {
    match frames::<Value>(text)?.into_iter().next() {
        Some(ServerFrame::Welcome(w)) => Ok(w),
        other => Err(format!("expected welcome, got {other:?}").into()),
    }
}

/// Logs in users `{prefix}0 .. {prefix}{n-1}` and opens a welcomed socket for each, with
/// `concurrency` workers (each on its own keep-alive HTTP connection). Sockets in user order.
/// The users must be new (an empty log), so that nothing but what the caller asks for arrives.
pub async fn connect_many(server: &Server, prefix: &str, n: usize, concurrency: usize) -> Result<Vec<Socket>> {
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency.clamp(1, n.max(1)))
        .map(|_| tokio::spawn(worker(server.clone(), prefix.to_owned(), n, next.clone())))
        .collect();
    let mut all = Vec::with_capacity(n);
    for w in workers {
        all.extend(w.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, ws)| ws).collect())
}

async fn worker(server: Server, prefix: String, n: usize, next: Arc<AtomicUsize>) -> Result<Vec<(usize, Socket)>> {
    let mut http = Http::connect(&server).await?;
    let mut mine = Vec::new();
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            return Ok(mine);
        }
        let user = format!("{prefix}{i}");
        let token = http.login(&user).await?;
        let (ws, welcome) = open(&server, &token).await.map_err(|e| format!("{user}: {e}"))?;
        if welcome.head > 0 {
            return Err(format!("{user} is not new (its log holds {} events): use a fresh server", welcome.head).into());
        }
        mine.push((i, ws));
    }
}

#[cfg(test)]
mod tests {
    use spellwire::protocol::ServerFrame;

    #[test]
    fn frames_unpacks_arrays_and_single_frames() {
        let one = super::frames::<i32>(r#"{"op":"pong","id":1}"#).unwrap();
        assert_eq!(one, [ServerFrame::Pong { id: 1 }]);
        let two = super::frames::<i32>(r#" [{"op":"pong","id":1},{"op":"pong","id":2}]"#).unwrap();
        assert_eq!(two.len(), 2);
        assert!(super::frames::<i32>("nope").is_err());
    }
}
