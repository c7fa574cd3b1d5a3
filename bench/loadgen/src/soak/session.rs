//! One soak user: a socket that says hello with its cursor after every drop, checks that its
//! events arrive once each and in order, and does what the fleet tells it (drop, close, park,
//! quit). Like a real client it only ever asks to resume: the server must fill every gap.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use spellwire::core::rng::Rng;
use spellwire::protocol::{ClientFrame, Cursor, ServerFrame, Welcome};
use tokio::sync::{mpsc, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use crate::http::Server;
use crate::ws::{frames, Socket};

/// What the fleet asks of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    /// Connect (and keep reconnecting) until parked.
    Connect,
    /// Drop the socket without a close frame, then reconnect after a random pause.
    Drop,
    /// Close the socket cleanly, then reconnect after a random pause.
    Close,
    /// Close the socket and stay away until the next `Connect`.
    Park,
    /// Close the socket and end.
    Quit,
}

/// The server closes sockets silent for two heartbeats plus slack; ping well before.
const PING_EVERY: Duration = Duration::from_secs(15);
/// Longest pause before a reconnect after a drop (spreads a wave's reconnects).
const MAX_PAUSE_MS: f64 = 1000.0;
/// How long the upgrade plus hello → welcome may take.
const WELCOME_TIMEOUT: Duration = Duration::from_secs(30);
/// Failed connects in a row after which a session gives up.
const MAX_CONNECT_FAILURES: u32 = 20;
/// Problems a session keeps (the first ones; the count goes on).
const KEPT_PROBLEMS: usize = 5;

/// What every session shares with the fleet: how far each got, how many are open, and the
/// gate that bounds handshakes in flight.
pub struct Shared {
    /// Per session, the last seq it delivered in order.
    pub progress: Vec<AtomicU64>,
    /// Sockets welcomed and not yet closed.
    pub open: AtomicUsize,
    /// Handshakes in flight (bounded, so a wave does not overrun the server's accept queue).
    pub handshakes: Semaphore,
}

/// What one session saw.
#[derive(Debug, Default)]
pub struct Report {
    /// The last seq delivered in order.
    pub last: u64,
    /// Welcomed sockets.
    pub connects: u64,
    /// Sockets the server closed or that broke on their own.
    pub server_closes: u64,
    /// Events a refused resume jumped over (never delivered).
    pub skipped: u64,
    /// Gaps, duplicates, refused resumes, failed connects.
    pub problems: Vec<String>,
    /// How many problems in all.
    pub problem_count: u64,
}

enum Exit {
    Reconnect(Duration),
    Park,
    Quit,
}

/// One user's socket life.
pub struct Session {
    index: usize,
    token: String,
    server: Server,
    cursor: Option<Cursor>,
    shared: Arc<Shared>,
    rng: Rng,
    report: Report,
}

impl Session {
    /// Session `index` (its slot in `shared.progress`) of the user `token` belongs to.
    pub fn new(index: usize, token: String, server: Server, shared: Arc<Shared>) -> Self {
        let rng = Rng::new(index as u64 + 1);
        Session { index, token, server, cursor: None, shared, rng, report: Report::default() }
    }

    /// Runs until told to quit (or the fleet goes away); returns what it saw.
    pub async fn run(mut self, mut cmds: mpsc::UnboundedReceiver<Cmd>) -> Report {
        let (mut wanted, mut failures) = (false, 0);
        loop {
            if !wanted {
                match cmds.recv().await {
                    Some(Cmd::Connect) => wanted = true,
                    Some(Cmd::Quit) | None => break,
                    Some(_) => continue,
                }
            }
            let ws = match self.connect().await {
                Ok(ws) => ws,
                Err(e) if failures + 1 >= MAX_CONNECT_FAILURES => {
                    self.problem(format!("gave up after {MAX_CONNECT_FAILURES} failed connects: {e}"));
                    break;
                }
                Err(_) => {
                    failures += 1;
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures))).await;
                    continue;
                }
            };
            failures = 0;
            self.shared.open.fetch_add(1, Ordering::AcqRel);
            let exit = self.pump(ws, &mut cmds).await;
            self.shared.open.fetch_sub(1, Ordering::AcqRel);
            match exit {
                Exit::Reconnect(pause) => tokio::time::sleep(pause).await,
                Exit::Park => wanted = false,
                Exit::Quit => break,
            }
        }
        self.report.last = self.cursor.as_ref().map_or(0, |c| c.seq);
        self.report
    }

    /// Opens a socket, says hello with the cursor and takes the welcome's message.
    async fn connect(&mut self) -> crate::Result<Socket> {
        let shared = self.shared.clone();
        let gate = shared.handshakes.acquire().await?;
        let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
        let handshake = async {
            let (mut ws, _) = tokio_tungstenite::connect_async_with_config(self.server.ws_url(), Some(config), true).await?;
            let hello = ClientFrame::<()>::Hello { token: self.token.clone(), resume: self.cursor.clone() };
            ws.send(Message::text(serde_json::to_string(&hello)?)).await?;
            loop {
                match ws.next().await.ok_or("socket ended before welcome")?? {
                    Message::Text(t) => break Ok::<_, crate::Error>((ws, t)),
                    Message::Close(f) => return Err(format!("closed before welcome: {f:?}").into()),
                    _ => continue,
                }
            }
        };
        let (ws, first) = tokio::time::timeout(WELCOME_TIMEOUT, handshake).await.map_err(|_| "no welcome in time")??;
        drop(gate);
        if !self.take(&first, true) {
            return Err("the first message was not a welcome".into());
        }
        self.report.connects += 1;
        Ok(ws)
    }

    /// Reads the socket and the fleet's commands until one of them ends this connection.
    async fn pump(&mut self, mut ws: Socket, cmds: &mut mpsc::UnboundedReceiver<Cmd>) -> Exit {
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await; // the first tick is immediate; the welcome's ping is not needed
        loop {
            tokio::select! {
                message = ws.next() => match message {
                    Some(Ok(Message::Text(t))) => drop(self.take(&t, false)),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        self.report.server_closes += 1;
                        return Exit::Reconnect(self.pause());
                    }
                    Some(Ok(_)) => {}
                },
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Drop) => return Exit::Reconnect(self.pause()), // `ws` dropped: no close frame
                    Some(Cmd::Close) => return Self::closing(ws, Exit::Reconnect(self.pause())).await,
                    Some(Cmd::Park) => return Self::closing(ws, Exit::Park).await,
                    Some(Cmd::Quit) | None => return Self::closing(ws, Exit::Quit).await,
                    Some(Cmd::Connect) => {}
                },
                _ = ping.tick() => {
                    let frame = serde_json::to_string(&ClientFrame::<()>::Ping { id: 1 }).unwrap_or_default();
                    let _ = ws.send(Message::text(frame)).await;
                }
            }
        }
    }

    async fn closing(mut ws: Socket, exit: Exit) -> Exit {
        let _ = tokio::time::timeout(Duration::from_secs(5), ws.close(None)).await;
        exit
    }

    fn pause(&mut self) -> Duration {
        Duration::from_millis((self.rng.next_f64() * MAX_PAUSE_MS) as u64)
    }

    /// Checks one message's frames; `first`: it must begin with the welcome. Returns whether
    /// a welcome was seen.
    fn take(&mut self, text: &str, first: bool) -> bool {
        let Ok(list) = frames::<Value>(text) else {
            self.problem(format!("unreadable message: {text:.200}"));
            return false;
        };
        let mut welcomed = false;
        for (i, frame) in list.into_iter().enumerate() {
            match frame {
                ServerFrame::Welcome(w) if first && i == 0 => {
                    self.welcome(w);
                    welcomed = true;
                }
                ServerFrame::Event(e) => self.event(e.seq),
                ServerFrame::Welcome(_) => self.problem("a welcome in the middle of the stream".into()),
                _ => {}
            }
        }
        welcomed
    }

    /// A welcome must resume exactly where this session stopped (its first one starts at 0).
    fn welcome(&mut self, w: Welcome) {
        let last = self.cursor.as_ref().map_or(0, |c| c.seq);
        if self.cursor.is_some() && (!w.resumed || w.after != last) {
            self.problem(format!("resume after {last} refused: resumed {} after {}", w.resumed, w.after));
            self.report.skipped += w.after.saturating_sub(last);
        }
        self.cursor = Some(Cursor { epoch: w.epoch, seq: w.after });
    }

    fn event(&mut self, seq: u64) {
        let Some(cursor) = self.cursor.as_mut() else { return self.problem("an event before the welcome".into()) };
        if seq == cursor.seq + 1 {
            cursor.seq = seq;
            self.shared.progress[self.index].store(seq, Ordering::Release);
        } else {
            let what = if seq <= cursor.seq { "duplicate" } else { "gap:" };
            let message = format!("{what} seq {seq} after {}", cursor.seq);
            self.problem(message);
        }
    }

    fn problem(&mut self, message: String) {
        self.report.problem_count += 1;
        if self.report.problems.len() < KEPT_PROBLEMS {
            self.report.problems.push(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        let progress = vec![AtomicU64::new(0)];
        let shared = Arc::new(Shared { progress, open: AtomicUsize::new(0), handshakes: Semaphore::new(1) });
        Session::new(0, "T".into(), Server::parse("http://127.0.0.1:1").unwrap(), shared)
    }

    fn welcome(after: u64, resumed: bool) -> String {
        format!(r#"{{"op":"welcome","epoch":"e","after":{after},"resumed":{resumed},"heartbeatMs":1}}"#)
    }

    fn event(seq: u64) -> String {
        format!(r#"{{"op":"event","seq":{seq},"type":"t","data":null}}"#)
    }

    #[test]
    fn in_order_events_after_a_welcome_are_no_problem() {
        let mut s = session();
        assert!(s.take(&format!("[{},{}]", welcome(0, false), event(1)), true));
        s.take(&event(2), false);
        assert!(s.take(&welcome(2, true), true)); // a resume exactly where it stopped
        s.take(&event(3), false);
        assert_eq!((s.report.problem_count, s.shared.progress[0].load(Ordering::Acquire)), (0, 3));
    }

    #[test]
    fn duplicates_gaps_and_refused_resumes_are_problems_and_skipped_events_are_lost() {
        let mut s = session();
        s.take(&welcome(0, false), true);
        s.take(&event(1), false);
        s.take(&event(1), false); // duplicate
        s.take(&event(3), false); // gap
        s.take(&welcome(4, false), true); // resume after 1 refused: 2..4 skipped
        assert_eq!(s.report.problem_count, 3, "{:?}", s.report.problems);
        assert_eq!(s.report.skipped, 3);
        assert!(!s.take(&event(5), true), "a first message without a welcome is refused");
    }
}
