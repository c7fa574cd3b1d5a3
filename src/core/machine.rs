//! The connection state machine: attempts, backoff, liveness, offline, close.
//!
//! Frames from the server are handled in `reply.rs`; this file owns the life of a socket.

use super::backoff::Backoff;
use super::liveness::Liveness;
use super::outbox::Outbox;
use super::rng::Rng;
use super::seq::SeqTracker;
use super::text::{decimal, hex};
use super::types::{Input, Output, Phase, StateInfo, Stats};
use crate::error::{Error, ErrorCode};
use crate::options::Options;
use crate::protocol::{ClientFrame, Cursor, CLOSE_TIMEOUT, CLOSE_UNAUTHORIZED};

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
    pub(super) connect_deadline: Option<f64>,
    pub(super) opened_at: Option<f64>,
    pub(super) ever_opened: bool,
    pub(super) closed_by_user: bool,
    pub(super) url_index: usize,
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
    pub(super) stats: Stats,
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
            connect_deadline: None,
            opened_at: None,
            ever_opened: false,
            closed_by_user: false,
            url_index: 0,
            token: String::new(),
            auth_retry_used: false,
            token_refreshable: false,
            online: true,
            rng,
            gap_deadline: None,
            replay_until: 0,
            stats: Stats::default(),
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
        match input {
            Input::Connect => self.on_connect_request(now),
            Input::Close => self.on_close_request(),
            Input::Token { gen, token } if gen == self.gen => self.on_token(now, token),
            Input::Opened { gen } if gen == self.gen => self.on_opened(),
            Input::Closed { gen, code } if gen == self.gen => self.on_closed(now, code),
            Input::Frame { gen, frame } if gen == self.gen => self.on_frame(now, frame),
            Input::Event { gen, seq, payload } if gen == self.gen => self.on_event(now, seq, payload),
            Input::Malformed { gen, message } if gen == self.gen => self.on_malformed(message),
            Input::Wake => self.on_wake(now),
            Input::Online => self.on_online(now),
            Input::Offline => self.on_offline(now),
            Input::Visible => self.on_visible(now),
            Input::Send { id, text } => self.on_send(id, text),
            _ => {} // from a socket that was already replaced
        }
        self.push_state_if_changed(now);
        std::mem::take(&mut self.out)
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
                let live = self.live.next_deadline();
                Some(self.gap_deadline.map_or(live, |gap| gap.min(live)))
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
        (self.stats.clone(), self.outbox.len())
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

    fn on_connect_request(&mut self, now: f64) {
        if matches!(self.phase, Phase::Open | Phase::Connecting) {
            return;
        }
        self.attempt = 0;
        self.auth_retry_used = false;
        self.closed_by_user = false;
        self.reason = None; // a fresh start: earlier failures no longer explain anything
        self.start_attempt(now);
    }

    pub(super) fn start_attempt(&mut self, now: f64) {
        self.gen += 1;
        self.phase = Phase::Connecting;
        self.stage = Stage::Token;
        self.retry_at = None;
        self.connect_deadline = Some(now + self.opts.connect_timeout_ms);
        self.out.push(Output::FetchToken { gen: self.gen });
    }

    fn on_token(&mut self, now: f64, token: Result<String, String>) {
        if self.stage != Stage::Token {
            return;
        }
        match token {
            Ok(token) => {
                self.token = token;
                self.stage = Stage::Socket;
                let urls = self.opts.url.list();
                let url = urls[self.url_index % urls.len()].clone();
                self.out.push(Output::Open { gen: self.gen, url });
            }
            Err(why) => {
                self.out.push(Output::Error(Error::new(ErrorCode::Token, why)));
                self.fail_attempt(now, "token_error");
            }
        }
    }

    fn on_opened(&mut self) {
        if self.stage != Stage::Socket {
            return;
        }
        self.stage = Stage::Hello;
        let hello = ClientFrame::Hello { token: self.token.clone(), resume: self.seq.cursor() };
        self.out.push(Output::SendFrame(hello));
    }

    fn on_closed(&mut self, now: f64, code: u16) {
        self.stage = Stage::Idle;
        self.gen += 1; // the socket is gone: nothing more from it counts
        if code == CLOSE_UNAUTHORIZED {
            self.on_unauthorized(now);
        } else {
            self.fail_attempt(now, &["closed:", &decimal(code.into())].concat());
        }
    }

    fn on_unauthorized(&mut self, now: f64) {
        if self.token_refreshable && !self.auth_retry_used {
            // The token may have expired: ask the token source once more before giving up.
            self.auth_retry_used = true;
            self.reason = Some("unauthorized".into());
            self.start_attempt(now);
            return;
        }
        self.phase = Phase::Failed;
        self.retry_at = None;
        self.connect_deadline = None;
        self.reason = Some("unauthorized".into());
        let msg = "the server refused the token (close 4401); call retry() with a new token";
        self.out.push(Output::Error(Error::new(ErrorCode::Unauthorized, msg)));
    }

    /// Ends the current attempt (or connection) and schedules the next one, if any.
    pub(super) fn fail_attempt(&mut self, now: f64, reason: &str) {
        self.abandon_socket(CLOSE_TIMEOUT, reason);
        let backoff: &Backoff = &self.opts.backoff;
        if self.opened_at.is_some_and(|t| now - t >= backoff.reset_after_ms) {
            self.attempt = 0;
        }
        self.opened_at = None;
        self.connect_deadline = None;
        self.gap_deadline = None;
        self.url_index += 1;
        self.reason = Some(reason.to_owned());
        if !self.online {
            self.phase = Phase::Offline;
            self.retry_at = None;
            return;
        }
        self.attempt = self.attempt.saturating_add(1);
        if f64::from(self.attempt) > backoff.max_attempts {
            self.phase = Phase::Failed;
            self.retry_at = None;
            self.reason = Some("max_attempts".into());
            return;
        }
        let delay = backoff.delay(self.attempt, self.rng.next_f64());
        self.retry_at = Some(now + delay);
        self.phase = Phase::Reconnecting;
    }

    /// Closes our own socket, if any; its late events are ignored from here on.
    pub(super) fn abandon_socket(&mut self, code: u16, reason: &str) {
        if self.stage != Stage::Idle {
            let reason = reason.to_owned();
            self.out.push(Output::Close { gen: self.gen, code, reason });
            self.gen += 1;
            self.stage = Stage::Idle;
        }
    }

    fn on_close_request(&mut self) {
        if self.phase == Phase::Closed && self.stage == Stage::Idle && self.outbox.is_empty() {
            return;
        }
        self.abandon_socket(1000, "client closed");
        self.phase = Phase::Closed;
        self.closed_by_user = true;
        self.retry_at = None;
        self.connect_deadline = None;
        self.reason = Some("closed_by_client".into());
        for id in self.outbox.clear() {
            let error = Error::new(ErrorCode::Closed, "the client was closed before the server acked");
            self.reject(id, error);
        }
    }

    fn on_wake(&mut self, now: f64) {
        match self.phase {
            Phase::Reconnecting if self.retry_at.is_some_and(|t| now >= t) => self.start_attempt(now),
            Phase::Connecting if self.connect_deadline.is_some_and(|t| now >= t) => {
                self.fail_attempt(now, "connect_timeout")
            }
            Phase::Open => self.check_open_socket(now),
            _ => {}
        }
    }

    /// Wall-clock checks of an open socket: dead, stuck gap repair, or ping due.
    fn check_open_socket(&mut self, now: f64) {
        if self.live.is_dead(now) {
            self.fail_attempt(now, "heartbeat_timeout");
        } else if self.gap_deadline.is_some_and(|t| now >= t) {
            self.fail_attempt(now, "gap_not_repaired");
        } else if self.live.ping_due(now) {
            self.send_ping(now);
        }
    }

    pub(super) fn send_ping(&mut self, now: f64) {
        let id = self.live.ping(now);
        self.out.push(Output::SendFrame(ClientFrame::Ping { id }));
    }

    fn on_online(&mut self, now: f64) {
        self.online = true;
        if self.phase == Phase::Offline {
            self.start_attempt(now);
        }
    }

    fn on_offline(&mut self, now: f64) {
        self.online = false;
        match self.phase {
            Phase::Reconnecting | Phase::Connecting => {
                self.abandon_socket(CLOSE_TIMEOUT, "offline");
                self.phase = Phase::Offline;
                self.retry_at = None;
                self.connect_deadline = None;
                self.reason = Some("offline".into());
            }
            // The socket may survive a network switch: probe it instead of dropping it.
            Phase::Open => self.send_ping(now),
            _ => {}
        }
    }

    fn on_visible(&mut self, now: f64) {
        match self.phase {
            Phase::Open if self.live.is_dead(now) => self.fail_attempt(now, "heartbeat_timeout"),
            Phase::Open => self.send_ping(now),
            Phase::Reconnecting => self.start_attempt(now),
            _ => {}
        }
    }

    fn on_send(&mut self, id: String, text: String) {
        use super::outbox::Pushed;
        if self.closed_by_user {
            // Before the first connect (autoConnect: false) sends queue; after close() they fail.
            let error = Error::new(ErrorCode::Closed, "the client is closed; call connect() first");
            return self.reject(id, error);
        }
        if text.len() > self.opts.max_message_bytes {
            let (size, max) = (decimal(text.len() as u64), decimal(self.opts.max_message_bytes as u64));
            let msg = ["message is ", &size, " bytes; the limit (maxMessageBytes) is ", &max].concat();
            return self.reject(id, Error::new(ErrorCode::MessageTooLarge, msg));
        }
        let limit = decimal(self.opts.queue_limit as u64);
        match self.outbox.push(id.clone(), text.clone()) {
            Pushed::Refused => {
                let msg = ["the outbox already holds ", &limit, " unacked messages (queueLimit)"].concat();
                return self.reject(id, Error::new(ErrorCode::QueueFull, msg));
            }
            Pushed::Evicted(old) => {
                let msg = ["evicted by a newer message: the outbox holds ", &limit, " (drop-oldest)"].concat();
                self.reject(old, Error::new(ErrorCode::QueueFull, msg));
            }
            Pushed::Queued => {}
        }
        if self.stage == Stage::Ready {
            self.out.push(Output::SendText(text));
        }
    }

    pub(super) fn reject(&mut self, id: String, error: Error) {
        self.stats.rejected += 1;
        self.out.push(Output::Rejected { id, error });
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
        });
        if !same {
            self.last_state = Some(ReportedState {
                phase: self.phase,
                attempt: self.attempt,
                reason: self.reason.clone(),
                latency,
                retry_at: self.retry_at,
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
}
