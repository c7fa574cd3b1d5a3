//! The soak's sessions as one fleet: spawned once, told to connect, drop or park, all or a
//! random share at a time, and waited for (every wait bounded).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spellwire::core::rng::Rng;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use super::session::{Cmd, Report, Session, Shared};
use crate::http::{Http, Server};
use crate::Result;

/// Every session, with its command channel.
pub struct Fleet {
    senders: Vec<mpsc::UnboundedSender<Cmd>>,
    tasks: Vec<JoinHandle<Report>>,
    shared: Arc<Shared>,
}

impl Fleet {
    /// One session per token, idle until told to connect; at most `concurrency` handshakes at once.
    pub fn spawn(server: &Server, tokens: Vec<String>, concurrency: usize) -> Fleet {
        let shared = Arc::new(Shared {
            progress: tokens.iter().map(|_| AtomicU64::new(0)).collect(),
            open: AtomicUsize::new(0),
            handshakes: Semaphore::new(concurrency.max(1)),
        });
        let (mut senders, mut tasks) = (Vec::new(), Vec::new());
        for (index, token) in tokens.into_iter().enumerate() {
            let (tx, rx) = mpsc::unbounded_channel();
            let session = Session::new(index, token, server.clone(), shared.clone());
            senders.push(tx);
            tasks.push(tokio::spawn(session.run(rx)));
        }
        Fleet { senders, tasks, shared }
    }

    /// Tells every session.
    pub fn all(&self, cmd: Cmd) {
        for tx in &self.senders {
            let _ = tx.send(cmd);
        }
    }

    /// Tells a random `share` of the sessions; returns how many.
    pub fn some(&self, rng: &mut Rng, share: f64, cmd: Cmd) -> usize {
        let chosen: Vec<_> = self.senders.iter().filter(|_| rng.next_f64() < share).collect();
        for tx in &chosen {
            let _ = tx.send(cmd);
        }
        chosen.len()
    }

    /// Sockets open (welcomed and not yet closed) right now.
    pub fn open(&self) -> usize {
        self.shared.open.load(Ordering::Acquire)
    }

    /// Waits until `want` sockets are open, for at most `limit`.
    pub async fn wait_open(&self, want: usize, limit: Duration) -> Result<()> {
        let open = || self.open();
        wait(limit, || open() == want).await.map_err(|_| format!("{} sockets open after {limit:?}, {want} wanted", open()).into())
    }

    /// Waits until every session delivered up to `seq`, for at most `limit`.
    pub async fn wait_caught_up(&self, seq: u64, limit: Duration) -> Result<()> {
        let behind = || self.shared.progress.iter().filter(|p| p.load(Ordering::Acquire) < seq).count();
        wait(limit, || behind() == 0).await.map_err(|_| format!("{} sockets short of seq {seq} after {limit:?}", behind()).into())
    }

    /// Ends every session and collects what each saw.
    pub async fn finish(self) -> Result<Vec<Report>> {
        self.all(Cmd::Quit);
        let mut reports = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            reports.push(task.await?);
        }
        Ok(reports)
    }
}

/// Polls `done` every 20 ms until true (Ok) or `limit` passes (Err).
async fn wait(limit: Duration, mut done: impl FnMut() -> bool) -> std::result::Result<(), ()> {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return Err(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A token for each user, `concurrency` logins at a time, in user order.
pub async fn login_all(server: &Server, users: &[String], concurrency: usize) -> Result<Vec<String>> {
    let chunk = users.len().div_ceil(concurrency.max(1)).max(1);
    let workers: Vec<_> = users
        .chunks(chunk)
        .map(|part| {
            let (server, part) = (server.clone(), part.to_vec());
            tokio::spawn(async move {
                let mut http = Http::connect(&server).await?;
                let mut tokens = Vec::with_capacity(part.len());
                for user in &part {
                    tokens.push(http.login(user).await?);
                }
                Ok::<_, crate::Error>(tokens)
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(users.len());
    for w in workers {
        tokens.extend(w.await??);
    }
    Ok(tokens)
}
