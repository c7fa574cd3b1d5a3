//! The connection state machine: the `Core` itself, its inputs' dispatch and what it reports.
//!
//! The rest of it lives beside this file: `attempt.rs` (one attempt's life and what ends it),
//! `hints.rs` (timer, online/offline/visible), `send.rs` (the outbox side), `reply.rs` (frames
//! from the server), `channels.rs` (joined channels, their cursors and refusals), `transport.rs`
//! (when to move from WebSocket to HTTP).

use super::channels::Channels;
use super::liveness::Liveness;
use super::outbox::Outbox;
use super::rng::Rng;
use super::seq::SeqTracker;
use super::text::{decimal, hex};
use super::types::{Input, Output, Phase, StateInfo, Stats};
use crate::options::{Options, Transport};
use crate::protocol::Cursor;

/// How far the current attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// No socket.
    Idle,
    /// Waiting for the token.
    Token,
    /// Waiting for the socket to open.
    Socket,
    /// Hello sent, waiting for welcome.
    Hello,
    /// Welcomed.
    Ready,
}

/// Heartbeat interval used until the server advertises one.
const DEFAULT_HEARTBEAT_MS: f64 = 25_000.0;
/// How long a requested replay may take before the socket is replaced.
pub(super) const GAP_REPAIR_MS: f64 = 5_000.0;

/// The client's brain: feed it [`Input`]s, carry out the [`Output`]s.
///
/// `P` is how the driver represents an event payload; the core never looks inside it.
///
/// ```
/// use spellwire::core::{Core, Input, Phase};
/// use spellwire::options::Options;
/// let mut core: Core<()> = Core::new(Options::new("ws://h/ws"), None, 1);
/// core.handle(0.0, Input::Connect);
/// core.handle(1.0, Input::Token { gen: 1, token: Ok("T".into()) });
/// core.handle(2.0, Input::Closed { gen: 1, code: 1006 });
/// assert_eq!(core.phase(), Phase::Reconnecting);
/// ```
#[derive(Debug)]
pub struct Core<P> {
    pub(super) opts: Options,
    pub(super) phase: Phase,
    pub(super) stage: Stage,
    pub(super) gen: u64,
    pub(super) attempt: u32,
    pub(super) reason: Option<String>,
    pub(super) retry_at: Option<f64>,
    /// No attempt before this time, whatever the hints say: the server closed with 4429.
    pub(super) hold_until: Option<f64>,
    pub(super) connect_deadline: Option<f64>,
    pub(super) opened_at: Option<f64>,
    pub(super) ever_opened: bool,
    pub(super) closed_by_user: bool,
    pub(super) url_index: usize,
    /// The transport of the current (or next) attempt.
    pub(super) transport: Transport,
    /// Consecutive WebSocket attempts that ended before the socket opened.
    pub(super) failed_before_open: u8,
    /// An HTTP attempt was welcomed after WebSocket failed: HTTP for the page's life.
    pub(super) http_settled: bool,
    pub(super) token: String,
    pub(super) auth_retry_used: bool,
    pub(super) token_refreshable: bool,
    pub(super) online: bool,
    pub(super) live: Liveness,
    pub(super) seq: SeqTracker,
    pub(super) outbox: Outbox,
    pub(super) rng: Rng,
    pub(super) gap_deadline: Option<f64>,
    pub(super) replay_until: u64,
    pub(super) refresh_at: Option<f64>,
    pub(super) refreshing: bool,
    pub(super) resend_at: Option<f64>,
    pub(super) resend_attempt: u32,
    pub(super) stats: Stats,
    pub(super) channels: Channels,
    pub(super) channels_version: u64,
    pub(super) id_prefix: String,
    pub(super) next_id: u64,
    pub(super) last_state: Option<ReportedState>,
    pub(super) out: Vec<Output<P>>,
}

impl<P> Core<P> {
    /// A core in state `closed`; `cursor` resumes a previous page's stream, `seed` feeds jitter.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 7);
    /// assert_eq!(core.phase(), spellwire::core::Phase::Closed);
    /// ```
    pub fn new(opts: Options, cursor: Option<Cursor>, seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let id_prefix = hex((rng.next_f64() * 1e15) as u64);
        let heartbeat = opts.heartbeat_ms.unwrap_or(DEFAULT_HEARTBEAT_MS);
        let transport = opts.first_transport();
        Core {
            live: Liveness::new(heartbeat, opts.liveness_grace_ms),
            outbox: Outbox::new(opts.queue_limit, opts.overflow),
            seq: SeqTracker::from_cursor(cursor),
            opts,
            phase: Phase::Closed,
            stage: Stage::Idle,
            gen: 0,
            attempt: 0,
            reason: Some("not_started".into()),
            retry_at: None,
            hold_until: None,
            connect_deadline: None,
            opened_at: None,
            ever_opened: false,
            closed_by_user: false,
            url_index: 0,
            transport,
            failed_before_open: 0,
            http_settled: false,
            token: String::new(),
            auth_retry_used: false,
            token_refreshable: false,
            online: true,
            rng,
            gap_deadline: None,
            replay_until: 0,
            refresh_at: None,
            refreshing: false,
            resend_at: None,
            resend_attempt: 0,
            stats: Stats::default(),
            channels: Channels::default(),
            channels_version: 0,
            id_prefix,
            next_id: 0,
            last_state: None,
            out: Vec::new(),
        }
    }

    /// Says the token comes from a function, so after a 4401 it is worth asking once more
    /// (an expired token); a fixed token fails at once.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1)
    ///         .with_refreshable_token(true);
    /// # let _ = core;
    /// ```
    pub fn with_refreshable_token(mut self, refreshable: bool) -> Self {
        self.token_refreshable = refreshable;
        self
    }

    /// Feeds one input at time `now` (ms) and returns what to do, in order.
    ///
    /// ```
    /// use spellwire::core::{Core, Input, Output};
    /// let mut core: Core<()> = Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// let out = core.handle(0.0, Input::Connect);
    /// assert!(out.iter().any(|o| matches!(o, Output::State(_))));
    /// ```
    pub fn handle(&mut self, now: f64, input: Input<P>) -> Vec<Output<P>> {
        let mut out = Vec::new();
        self.handle_into(now, input, &mut out);
        out
    }

    /// [`Core::handle`] that appends the outputs to `out` instead of returning a new `Vec`.
    /// The driver calls this once per event, so reusing one buffer keeps the delivery path free
    /// of allocations (the core's own buffer keeps its capacity too).
    ///
    /// ```
    /// use spellwire::core::{Core, Input, Output};
    /// let mut core: Core<()> = Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// let mut out = Vec::new();
    /// core.handle_into(0.0, Input::Connect, &mut out);
    /// assert!(out.iter().any(|o| matches!(o, Output::State(_))));
    /// ```
    pub fn handle_into(&mut self, now: f64, input: Input<P>, out: &mut Vec<Output<P>>) {
        match input {
            Input::Connect => self.on_connect_request(now),
            Input::Close => self.on_close_request(),
            Input::Token { gen, token } if gen == self.gen && self.awaits_refresh_token() => {
                self.on_refresh_token(token)
            }
            Input::Token { gen, token } if gen == self.gen => self.on_token(now, token),
            Input::Opened { gen } if gen == self.gen => self.on_opened(),
            // No socket (Idle): nothing of this generation can close.
            Input::Closed { gen, code } if gen == self.gen && self.stage != Stage::Idle => self.on_closed(now, code),
            Input::Frame { gen, frame } if gen == self.gen => self.on_frame(now, frame),
            Input::Event { gen, seq, payload } if gen == self.gen => self.on_event(now, seq, payload),
            Input::ChannelEvent { gen, channel, seq, payload } if gen == self.gen => {
                self.on_channel_event(now, channel, seq, payload)
            }
            Input::JoinChannel(name) => self.on_join(name),
            Input::LeaveChannel(name) => self.on_leave(name),
            Input::Malformed { gen, message } if gen == self.gen => self.on_malformed(message),
            Input::Wake => self.on_wake(now),
            Input::Online => self.on_online(now),
            Input::Offline => self.on_offline(now),
            Input::Visible => self.on_visible(now),
            Input::Send { id, text } => self.on_send(id, text),
            _ => {} // from a socket that was already replaced
        }
        self.push_state_if_changed(now);
        out.append(&mut self.out);
    }

    /// The hot path of [`Core::handle_into`] for an [`Input::Event`] of socket `gen`: when
    /// `seq` is the next event of the personal stream after the welcome, counts it, advances
    /// the cursor and returns true. The caller then delivers the payload, and that is all: an
    /// in-order event changes no state, sends nothing and never brings the next wake earlier
    /// (a timer armed before it may fire early and find nothing to do). Anything else (a
    /// duplicate, a gap, an old socket, no welcome yet) changes nothing and returns false:
    /// feed it to `handle_into`, which says what follows. The driver takes this path per
    /// message to skip building inputs and outputs for the commonest one (bench/cpu.mjs).
    /// `now` only tells liveness the socket was heard; any time not later than the event's
    /// arrival will do (the driver passes its last clock read, sparing a read per event).
    ///
    /// ```
    /// use spellwire::core::Core;
    /// let mut core: Core<()> = Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert!(!core.accept_next_event(0.0, 1, 1)); // no welcome yet: handle_into says why
    /// ```
    pub fn accept_next_event(&mut self, now: f64, gen: u64, seq: u64) -> bool {
        if gen != self.gen || self.stage != Stage::Ready || seq != self.seq.last() + 1 {
            return false;
        }
        self.live.received(now);
        self.seq.accept(seq);
        self.stats.delivered += 1;
        if seq <= self.replay_until {
            self.stats.replayed += 1;
        }
        self.gap_deadline = None;
        true
    }

    /// When the driver should feed [`Input::Wake`] next (ms, same clock as `now`).
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.next_wake(), None); // closed: nothing to wait for
    /// ```
    pub fn next_wake(&self) -> Option<f64> {
        match (self.phase, self.stage) {
            (Phase::Reconnecting, _) => self.retry_at,
            (Phase::Connecting, _) => self.connect_deadline,
            (Phase::Open, Stage::Ready) => {
                let later = [self.gap_deadline, self.refresh_at, self.resend_at, self.channels.next_deadline()];
                Some(later.into_iter().flatten().fold(self.live.next_deadline(), f64::min))
            }
            _ => None,
        }
    }

    /// A fresh message id: unique per client, kept across resends (the idempotency key).
    ///
    /// ```
    /// let mut core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_ne!(core.next_message_id(), core.next_message_id());
    /// ```
    pub fn next_message_id(&mut self) -> String {
        self.next_id += 1;
        [self.id_prefix.as_str(), "-", &decimal(self.next_id)].concat()
    }

    /// Current state.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.phase().as_str(), "closed");
    /// ```
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether the client stopped for good: closed by `close()`, or failed (until `retry()`).
    /// A client not started yet (`autoConnect: false`) is closed but not stopped.
    ///
    /// ```
    /// use spellwire::core::{Core, Input};
    /// let mut core: Core<()> = Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert!(!core.is_stopped()); // not started
    /// core.handle(0.0, Input::Connect);
    /// core.handle(1.0, Input::Close);
    /// assert!(core.is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.phase == Phase::Failed || (self.phase == Phase::Closed && self.closed_by_user)
    }

    /// The full state as the `state` event reports it.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.state_info(0.0).reason.as_deref(), Some("not_started"));
    /// ```
    pub fn state_info(&self, now: f64) -> StateInfo {
        StateInfo {
            phase: self.phase,
            attempt: self.attempt,
            next_retry_ms: self.retry_at.map(|at| (at - now).max(0.0)),
            latency_ms: self.live.latency(),
            reason: self.reason.clone(),
            transport: self.transport,
        }
    }

    /// Counters so far, plus how many messages wait for an ack (`queued`).
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.stats().1, 0);
    /// ```
    pub fn stats(&self) -> (Stats, usize) {
        (Stats { transport: self.transport, ..self.stats.clone() }, self.outbox.len())
    }

    /// The connection token in force (the hello's, or the last one sent in `refresh`): the HTTP
    /// link sends it with every POST.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.token(), "");
    /// ```
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The cursor to persist (sessionStorage), once the server has welcomed the client.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert!(core.cursor().is_none());
    /// ```
    pub fn cursor(&self) -> Option<Cursor> {
        self.seq.cursor()
    }

    /// The last delivered seq, cheaply (no allocation), to tell whether the cursor moved.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.last_seq(), 0);
    /// ```
    pub fn last_seq(&self) -> u64 {
        self.seq.last()
    }

    /// Emits `state` when anything in it changed. Runs after every input, events included, so
    /// it compares in place and allocates only when it reports.
    fn push_state_if_changed(&mut self, now: f64) {
        let latency = self.live.latency();
        let same = self.last_state.as_ref().is_some_and(|s| {
            s.phase == self.phase
                && s.attempt == self.attempt
                && s.reason == self.reason
                && s.latency == latency
                && s.retry_at == self.retry_at
                && s.transport == self.transport
        });
        if !same {
            self.last_state = Some(ReportedState {
                phase: self.phase,
                attempt: self.attempt,
                reason: self.reason.clone(),
                latency,
                retry_at: self.retry_at,
                transport: self.transport,
            });
            self.out.push(Output::State(self.state_info(now)));
        }
    }
}

/// The fields of the last `state` event, to report only changes.
#[derive(Debug)]
pub(super) struct ReportedState {
    phase: Phase,
    attempt: u32,
    reason: Option<String>,
    latency: Option<f64>,
    retry_at: Option<f64>,
    transport: Transport,
}
