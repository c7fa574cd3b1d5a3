//! One live socket as the rest of the server sees it: a bounded queue of outgoing frames plus a
//! control channel that can close or abort the socket even when the queue is full.
//!
//! Publishers never wait on a slow socket: [`ConnHandle::push`] uses `try_send`, and a full
//! queue closes the socket with code 1013 ("try again later"). The client then reconnects and
//! resumes from its cursor, so nothing is lost, only replayed.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, watch};

/// Outgoing frames a socket may have waiting before it is considered stuck.
pub const QUEUE: usize = 1024;
/// Close code for a socket whose queue overflowed (RFC 6455 "Try Again Later").
pub const CLOSE_OVERLOADED: u16 = 1013;

/// Something for the socket's writer to send.
#[derive(Debug)]
pub enum Out {
    /// One serialized server frame; consecutive frames may share a message.
    Frame(Arc<str>),
    /// Several frames in order (a replay); sent as arrays of at most 100.
    ///
    /// Boxed slices rather than a `Vec`/`String`: 24 bytes instead of 32 per queue slot, and
    /// every socket's queue allocates its first block of 32 slots up front.
    Frames(Box<[Arc<str>]>),
    /// A text message sent verbatim and alone (the `send-raw` test hook).
    Raw(Box<str>),
}

impl Out {
    /// A single frame from an owned string.
    ///
    /// ```
    /// let o = spellwire_server::conn::Out::frame("{}".to_string());
    /// assert!(matches!(o, spellwire_server::conn::Out::Frame(_)));
    /// ```
    pub fn frame(text: String) -> Self {
        Out::Frame(text.into())
    }
}

/// What the writer should do besides draining its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctl {
    /// Keep going.
    Open,
    /// Send a close frame with this code and reason, then stop after a short grace.
    Close(u16, &'static str),
    /// Stop at once, without a closing handshake (the `drop` test hook).
    Abort,
}

/// The hub's handle on one socket. Cloning it shares the same socket.
///
/// ```
/// use spellwire_server::conn::{ConnHandle, Out};
/// let (h, mut rx, _ctl) = ConnHandle::new();
/// assert!(h.push(Out::frame("{}".into())));
/// assert!(rx.try_recv().is_ok());
/// ```
#[derive(Debug, Clone)]
pub struct ConnHandle {
    /// Process-unique id, used to unregister the socket.
    pub id: u64,
    tx: mpsc::Sender<Out>,
    ctl: Arc<watch::Sender<Ctl>>,
    flags: Arc<Flags>,
}

/// Per-socket state shared by every clone of a handle. One allocation: the token expiry fits
/// beside the flag in the block the allocator gives a lone `AtomicBool` anyway.
#[derive(Debug)]
struct Flags {
    silenced: AtomicBool,
    /// The `exp` of the socket's token, unix seconds; `u32::MAX` for none (u32 lasts to 2106).
    token_exp: AtomicU32,
}

impl ConnHandle {
    /// A new handle plus the writer's ends: the frame queue and the control channel.
    pub fn new() -> (Self, mpsc::Receiver<Out>, watch::Receiver<Ctl>) {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let (tx, rx) = mpsc::channel(QUEUE);
        let (ctl, ctl_rx) = watch::channel(Ctl::Open);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let flags = Arc::new(Flags { silenced: AtomicBool::new(false), token_exp: AtomicU32::new(u32::MAX) });
        (Self { id, tx, ctl: Arc::new(ctl), flags }, rx, ctl_rx)
    }

    /// Turns the socket into a black hole (the `blackhole` test hook): it stays open, but
    /// nothing more is written to it, pongs included, as on a half-open TCP connection whose
    /// peer vanished. Only the client's heartbeat can notice.
    ///
    /// ```
    /// use spellwire_server::conn::{ConnHandle, Out};
    /// let (h, mut rx, _ctl) = ConnHandle::new();
    /// h.silence();
    /// assert!(!h.push(Out::frame("{}".into())));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn silence(&self) {
        self.flags.silenced.store(true, Ordering::Relaxed);
    }

    /// Records when the socket's token expires (`exp`, unix seconds): at hello, and again at
    /// each refresh. The read loop ([`crate::socket`]) closes the socket once it has passed.
    ///
    /// ```
    /// let (h, _rx, _ctl) = spellwire_server::conn::ConnHandle::new();
    /// assert_eq!(h.token_exp(), None);
    /// h.set_token_exp(1_700_000_000);
    /// assert_eq!(h.token_exp(), Some(1_700_000_000));
    /// ```
    pub fn set_token_exp(&self, exp: u64) {
        let exp = u32::try_from(exp).unwrap_or(u32::MAX);
        self.flags.token_exp.store(exp, Ordering::Relaxed);
    }

    /// The `exp` of the socket's token, if it has one that ends before 2106.
    pub fn token_exp(&self) -> Option<u64> {
        let exp = self.flags.token_exp.load(Ordering::Relaxed);
        (exp != u32::MAX).then_some(u64::from(exp))
    }

    /// Queues `out` without waiting. False when the socket is gone or its queue was full (then
    /// it is being closed with [`CLOSE_OVERLOADED`]); the caller should forget this handle.
    pub fn push(&self, out: Out) -> bool {
        if self.flags.silenced.load(Ordering::Relaxed) {
            return false;
        }
        match self.tx.try_send(out) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.close(CLOSE_OVERLOADED, "send queue full; resume from your cursor");
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        }
    }

    /// Asks the writer to close the socket with `code` (the first request wins).
    pub fn close(&self, code: u16, reason: &'static str) {
        self.ctl.send_if_modified(|c| {
            let first = *c == Ctl::Open;
            if first {
                *c = Ctl::Close(code, reason);
            }
            first
        });
    }

    /// Drops the socket at once, without a close frame.
    pub fn abort(&self) {
        self.ctl.send_replace(Ctl::Abort);
    }
}
