//! What one client may cost the server: how fast a socket may send, how often it may ask for a
//! replay, how many sockets a user and the whole server may hold open, how long the strings in a
//! `send` may be. Each limit has a flag (`--help`), and an input over it gets an answer the
//! client can act on (a close code, an `error`/`nack` frame or an HTTP status) without costing
//! anything already accepted: README's "Limits" lists them all, tests/limits/run.mjs tries each.
//!
//! The per-socket parts ([`rate::FrameBudget`], [`replay::ReplayGate`]) are a few integers in
//! the socket's read loop, pure functions of the time they are given; the shared counters live
//! in [`seats::Seats`].

pub mod rate;
pub mod replay;
pub mod seats;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Close code for a socket refused because its user already has
/// [`Limits::sockets_per_user`] open ones. The client backs off and tries again later, when
/// one of the others may have closed.
///
/// ```
/// assert_eq!(spellwire_server::limits::CLOSE_TOO_MANY_SOCKETS, 4409);
/// ```
pub const CLOSE_TOO_MANY_SOCKETS: u16 = 4409;

/// The abuse limits, with the defaults `--help` shows.
///
/// ```
/// let l = spellwire_server::limits::Limits::default();
/// assert_eq!((l.frames_per_sec, l.frame_burst), (50, 200));
/// assert_eq!(l.replay_interval.as_millis(), 1000);
/// assert_eq!((l.sockets_per_user, l.waiting_hello), (32, 10_000));
/// assert_eq!((l.id_chars, l.topic_chars), (128, 128));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Frames a socket may send per second on average (`--max-frames-per-sec`); above the
    /// budget the socket is closed with 4429.
    pub frames_per_sec: u32,
    /// Frames a socket may send at once (`--frame-burst`): above the client's default
    /// `queueLimit` (100), so a client that resends a full outbox after a reconnect, plus its
    /// ping and replay, stays within it.
    pub frame_burst: u32,
    /// Least time between two replays served to one socket (`--replay-interval-ms`); requests
    /// in between are merged into one, served when it has passed. Zero serves each at once.
    pub replay_interval: Duration,
    /// Open sockets per user on this node (`--max-sockets-per-user`); the newest is refused
    /// with [`CLOSE_TOO_MANY_SOCKETS`], so the sockets already open keep working.
    pub sockets_per_user: u32,
    /// Upgraded sockets that have not yet said `hello`, on the whole node
    /// (`--max-waiting-hello`); more upgrades are answered 503.
    pub waiting_hello: usize,
    /// Longest message `id` in a `send`, in characters (`--max-id-chars`): the server keeps
    /// ids to apply each message once.
    pub id_chars: usize,
    /// Longest `topic` in a `send` or `/api/notify`, in characters (`--max-topic-chars`).
    pub topic_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            frames_per_sec: 50,
            frame_burst: 200,
            replay_interval: Duration::from_secs(1),
            sockets_per_user: 32,
            waiting_hello: 10_000,
            id_chars: 128,
            topic_chars: 128,
        }
    }
}

impl Limits {
    /// The frame rate as [`rate::FrameBudget::admit`] takes it.
    ///
    /// ```
    /// let r = spellwire_server::limits::Limits::default().rate();
    /// assert_eq!((r.per_sec, r.burst), (50, 200));
    /// ```
    pub fn rate(&self) -> rate::Rate {
        rate::Rate { per_sec: self.frames_per_sec, burst: self.frame_burst }
    }

    /// The replay interval in microseconds, the unit of [`now_us`].
    ///
    /// ```
    /// assert_eq!(spellwire_server::limits::Limits::default().replay_interval_us(), 1_000_000);
    /// ```
    pub fn replay_interval_us(&self) -> u64 {
        u64::try_from(self.replay_interval.as_micros()).unwrap_or(u64::MAX)
    }
}

/// Microseconds since this process first asked: the clock the per-socket limits are fed with.
/// A `u64` is half an `Instant`, and the limits keep only numbers.
///
/// ```
/// let a = spellwire_server::limits::now_us();
/// assert!(spellwire_server::limits::now_us() >= a);
/// ```
pub fn now_us() -> u64 {
    u64::try_from(start().elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The `Instant` of a [`now_us`] reading, for timers.
///
/// ```
/// use spellwire_server::limits::{instant_at, now_us};
/// let t = now_us() + 1_000;
/// assert_eq!(instant_at(t + 500) - instant_at(t), std::time::Duration::from_micros(500));
/// ```
pub fn instant_at(us: u64) -> Instant {
    start() + Duration::from_micros(us)
}

fn start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}
