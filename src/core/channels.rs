//! Channels: streams many users share, each with its own cursor, joined with `sub` after every
//! `welcome` and repaired with `replay {after, channel}` by the personal stream's rules.
//!
//! A channel's entry lives as long as it has listeners, and after that as a cursor only (so a
//! later join, or the next page load, resumes where the app left it), up to
//! [`MAX_IDLE_CURSORS`] such cursors.

use super::backoff::Backoff;
use super::machine::{Core, Stage, GAP_REPAIR_MS};
use super::seq::{SeqTracker, Verdict};
use super::text::decimal;
use super::types::Output;
use crate::error::{Error, ErrorCode};
use crate::protocol::{check_channel, ClientFrame, Cursor, Subscribed};

/// How many cursors of channels without listeners are kept; past it the oldest goes.
pub const MAX_IDLE_CURSORS: usize = 64;

/// When a channel refused with `unavailable` is asked again: 1 s doubling to 30 s (the jitter
/// kind is the client's `backoff.jitter`).
const RETRY: Backoff = Backoff {
    initial_ms: 1_000.0,
    max_ms: 30_000.0,
    factor: 2.0,
    jitter: super::backoff::Jitter::Full,
    max_attempts: f64::INFINITY,
    reset_after_ms: 0.0,
};

/// Where a channel stands with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Join {
    /// No listener: only the cursor is kept.
    Idle,
    /// Listeners want it: `sub` goes out at the next welcome, or when `retry_at` passes.
    Wanted,
    /// `sub` sent on this socket; `subscribed` or `refused` comes next.
    Pending,
    /// Events flow.
    Subscribed,
    /// Refused for good (`forbidden`, `bad_channel`, `too_many_channels`) until the app joins
    /// it again.
    Refused,
}

/// One channel's state.
#[derive(Debug)]
pub(super) struct ChannelState {
    seq: SeqTracker,
    listeners: u32,
    join: Join,
    gap_deadline: Option<f64>,
    replay_until: u64,
    retry_at: Option<f64>,
    retry_attempt: u32,
}

impl ChannelState {
    fn new(cursor: Option<Cursor>) -> Self {
        ChannelState {
            seq: SeqTracker::from_cursor(cursor),
            listeners: 0,
            join: Join::Idle,
            gap_deadline: None,
            replay_until: 0,
            retry_at: None,
            retry_attempt: 0,
        }
    }

    /// The `sub` frame that joins it, with its cursor.
    fn sub<P>(&self, name: &str) -> Output<P> {
        Output::SendFrame(ClientFrame::Sub { channel: name.to_owned(), resume: self.seq.cursor() })
    }
}

/// The earlier of two optional times (a plain match: iterator adapters cost the wasm more).
fn earlier(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The channels by name, in the order they were first joined (a Vec: a page joins a handful,
/// and a map type would cost the wasm more than the searches do).
#[derive(Debug, Default)]
pub(super) struct Channels(Vec<(String, ChannelState)>);

impl Channels {
    fn get_mut(&mut self, name: &str) -> Option<&mut ChannelState> {
        self.0.iter_mut().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    fn entry(&mut self, name: String) -> &mut ChannelState {
        let at = match self.0.iter().position(|(n, _)| *n == name) {
            Some(at) => at,
            None => {
                self.0.push((name, ChannelState::new(None)));
                self.0.len() - 1
            }
        };
        &mut self.0[at].1
    }

    /// The earliest gap-repair or retry deadline.
    pub(super) fn next_deadline(&self) -> Option<f64> {
        self.0.iter().fold(None, |t, (_, c)| earlier(earlier(t, c.gap_deadline), c.retry_at))
    }

    /// Keeps at most [`MAX_IDLE_CURSORS`] channels without listeners, dropping the oldest.
    fn trim_idle(&mut self) {
        let idle = |c: &ChannelState| c.join == Join::Idle && c.listeners == 0;
        while self.0.iter().filter(|(_, c)| idle(c)).count() > MAX_IDLE_CURSORS {
            let Some(at) = self.0.iter().position(|(_, c)| idle(c)) else { return };
            self.0.remove(at);
        }
    }
}

impl<P> Core<P> {
    /// Restores the cursors of channels a previous page read (sessionStorage), so joining them
    /// again resumes instead of replaying their whole retained log.
    ///
    /// ```
    /// use spellwire::core::Core;
    /// use spellwire::protocol::Cursor;
    /// let core: Core<()> = Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1)
    ///     .with_channel_cursors(vec![("crew:a".into(), Cursor { epoch: "e".into(), seq: 4 })]);
    /// assert_eq!(core.channel_cursors().next().unwrap().1.seq, 4);
    /// ```
    pub fn with_channel_cursors(mut self, cursors: Vec<(String, Cursor)>) -> Self {
        for (name, cursor) in cursors {
            self.restore_channel_cursor(name, cursor);
        }
        self
    }

    /// [`Core::with_channel_cursors`] for one channel, in place (the browser shell restores
    /// them one by one as it reads them).
    ///
    /// ```
    /// let mut core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// core.restore_channel_cursor("crew:a".into(), spellwire::protocol::Cursor { epoch: "e".into(), seq: 4 });
    /// assert_eq!(core.channel_cursors().count(), 1);
    /// ```
    pub fn restore_channel_cursor(&mut self, name: String, cursor: Cursor) {
        self.channels.entry(name).seq = SeqTracker::from_cursor(Some(cursor));
        self.channels.trim_idle();
    }

    /// Every channel's cursor, to persist; [`Core::channels_version`] says when they changed.
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.channel_cursors().count(), 0);
    /// ```
    pub fn channel_cursors(&self) -> impl Iterator<Item = (&str, Cursor)> + '_ {
        self.channels.0.iter().filter_map(|(n, c)| Some((n.as_str(), c.seq.cursor()?)))
    }

    /// A number that changes whenever a channel cursor does (cheap to compare per event).
    ///
    /// ```
    /// let core: spellwire::core::Core<()> =
    ///     spellwire::core::Core::new(spellwire::options::Options::new("ws://h/ws"), None, 1);
    /// assert_eq!(core.channels_version(), 0);
    /// ```
    pub fn channels_version(&self) -> u64 {
        self.channels_version
    }

    /// A listener joined `name`: the first one (or the first since a final refusal) asks the
    /// server, at once when welcomed, else after the next welcome.
    pub(super) fn on_join(&mut self, name: String) {
        if let Err(why) = check_channel(&name) {
            let message = ["channel \"", crate::core::text::prefix(&name, 60), "\": ", why].concat();
            return self.out.push(Output::Error(Error::new(ErrorCode::BadArgument, message)));
        }
        let ready = self.stage == Stage::Ready;
        let state = self.channels.entry(name.clone());
        state.listeners = state.listeners.saturating_add(1);
        if matches!(state.join, Join::Idle | Join::Refused) {
            state.join = if ready { Join::Pending } else { Join::Wanted };
            state.retry_at = None;
            state.retry_attempt = 0;
            if ready {
                self.out.push(state.sub(&name));
            }
        }
    }

    /// A listener left `name`: after the last one, `unsub` (when the server serves it) and
    /// only the cursor stays.
    pub(super) fn on_leave(&mut self, name: String) {
        let ready = self.stage == Stage::Ready;
        let Some(state) = self.channels.get_mut(&name).filter(|c| c.listeners > 0) else { return };
        state.listeners -= 1;
        if state.listeners > 0 {
            return;
        }
        let served = matches!(state.join, Join::Pending | Join::Subscribed);
        state.join = Join::Idle;
        state.gap_deadline = None;
        state.retry_at = None;
        if served && ready {
            self.out.push(Output::SendFrame(ClientFrame::Unsub { channel: name }));
        }
        self.channels.trim_idle();
    }

    /// After a welcome: `sub` for every channel with listeners (not refused for good), each
    /// with its cursor, all at once; the previous socket's repairs and retries are void.
    pub(super) fn subscribe_all(&mut self) {
        for (name, state) in self.channels.0.iter_mut() {
            state.gap_deadline = None;
            state.retry_at = None;
            if matches!(state.join, Join::Wanted | Join::Pending | Join::Subscribed) {
                state.join = Join::Pending;
                self.out.push(state.sub(name));
            }
        }
    }

    /// `subscribed`: the channel's log position, by the welcome's rule; `reset` for this
    /// channel when its cursor was not honoured.
    pub(super) fn on_subscribed(&mut self, s: Subscribed) {
        let Some(state) = self.channels.get_mut(&s.channel).filter(|c| c.join == Join::Pending) else { return };
        let reset = state.seq.cursor().is_some() && !s.resumed;
        state.seq.restart(&s.epoch, s.after);
        state.replay_until = s.head;
        state.join = Join::Subscribed;
        state.retry_attempt = 0;
        self.channels_version += 1;
        if reset {
            self.stats.resets += 1;
            self.out.push(Output::ChannelReset(s.channel));
        }
    }

    /// `refused`: reported to the channel's listeners; `unavailable` is asked again after a
    /// backoff (and on the next connection), any other code is final.
    pub(super) fn on_refused(&mut self, now: f64, channel: String, code: String, message: String) {
        let Some(state) = self.channels.get_mut(&channel).filter(|c| c.join == Join::Pending) else { return };
        self.stats.refused += 1;
        if code == "unavailable" {
            state.retry_attempt = state.retry_attempt.saturating_add(1);
            let backoff = Backoff { jitter: self.opts.backoff.jitter, ..RETRY };
            state.retry_at = Some(now + backoff.delay(state.retry_attempt, self.rng.next_f64()));
            state.join = Join::Wanted;
        } else {
            state.join = Join::Refused;
        }
        self.out.push(Output::Refused { channel, code, message });
    }

    /// A channel event: delivered once, in order, per channel; a gap asks for a replay of that
    /// channel once; events of channels not subscribed are dropped (`stray`).
    pub(super) fn on_channel_event(&mut self, now: f64, channel: String, seq: u64, payload: P) {
        if self.stage != Stage::Ready {
            return self.on_malformed(["event ", &decimal(seq), " before welcome"].concat());
        }
        self.live.received(now);
        let Some(state) = self.channels.get_mut(&channel).filter(|c| c.join == Join::Subscribed) else {
            self.stats.stray += 1;
            return;
        };
        match state.seq.accept(seq) {
            Verdict::Deliver => {
                self.stats.delivered += 1;
                self.stats.replayed += u64::from(seq <= state.replay_until);
                state.gap_deadline = None;
                self.channels_version += 1;
                self.out.push(Output::DeliverChannel { channel, payload });
            }
            Verdict::Duplicate => self.stats.duplicates += 1,
            Verdict::Gap { after } if state.gap_deadline.is_none() => {
                self.stats.gaps += 1;
                state.gap_deadline = Some(now + GAP_REPAIR_MS);
                self.out.push(Output::SendFrame(ClientFrame::Replay { after, channel: Some(channel) }));
            }
            Verdict::Gap { .. } => {} // replay already requested; it resends this one too
        }
    }

    /// Whether a channel's requested replay is overdue (the socket is then replaced).
    pub(super) fn channel_gap_overdue(&self, now: f64) -> bool {
        self.channels.0.iter().any(|(_, c)| c.gap_deadline.is_some_and(|t| now >= t))
    }

    /// Asks again for the channels whose `unavailable` backoff has passed.
    pub(super) fn resubscribe_due(&mut self, now: f64) {
        for (name, state) in self.channels.0.iter_mut() {
            if state.join == Join::Wanted && state.retry_at.is_some_and(|t| now >= t) {
                state.retry_at = None;
                state.join = Join::Pending;
                self.out.push(state.sub(name));
            }
        }
    }
}
