//! What tests/fuzz_core.rs does to the core, as data proptest can generate and shrink: the acts,
//! the pauses between them and the options. Acts name sockets, seqs and messages relative to
//! what the test saw (the live socket or the one before it, the cursor plus one), so generated
//! inputs hit the client where it is instead of being dropped as stale.

use proptest::prelude::*;
use proptest::sample::select;
use spellwire::core::backoff::Jitter;
use spellwire::core::outbox::Overflow;
use spellwire::options::Options;
use spellwire::protocol::CLOSE_RATE_LIMITED;

/// Whether an input comes from the newest socket the core asked for, or one it replaced.
#[derive(Debug, Clone, Copy)]
pub enum Gen {
    Live,
    Stale,
}

/// A seq relative to the cursor, or any number.
#[derive(Debug, Clone, Copy)]
pub enum Seq {
    Next,
    Back(u64),
    Ahead(u64),
    Any(u64),
}

/// A control frame; `Option<usize>` picks one of the sends made so far (None: an unknown id).
#[derive(Debug, Clone)]
pub enum Control {
    Pong(u64),
    Ack(Option<usize>, Option<u64>),
    Nack(Option<usize>),
    Retry(Option<usize>),
    Refreshed(Option<u64>),
    Error,
}

/// A welcome: epoch `e{epoch}`, where replay starts (`after`), and the rest of its fields.
#[derive(Debug, Clone)]
pub struct Shape {
    pub epoch: u8,
    pub after: Seq,
    pub resumed: bool,
    pub heartbeat_ms: u64,
    pub expires_in_ms: Option<u64>,
}

/// One thing that happens to the client.
#[derive(Debug, Clone)]
pub enum Act {
    /// Whatever the core waits for (a token, the socket opening, a welcome of this shape, or
    /// `retry()` when it stopped): it takes the client through handshakes often enough for the
    /// other acts to find it open.
    Advance(Shape),
    Connect,
    Close,
    Wake,
    Online,
    Offline,
    Visible,
    Token(Gen, bool),
    Opened(Gen),
    Closed(Gen, u16),
    Welcome(Gen, Shape),
    Event(Gen, Seq),
    Control(Gen, Control),
    Malformed(Gen),
    Send(usize),
}

fn gen() -> impl Strategy<Value = Gen> {
    prop_oneof![9 => Just(Gen::Live), 1 => Just(Gen::Stale)]
}

fn seq() -> impl Strategy<Value = Seq> {
    prop_oneof![
        6 => Just(Seq::Next),
        1 => (0u64..4).prop_map(Seq::Back),
        1 => (2u64..5).prop_map(Seq::Ahead),
        1 => any::<u64>().prop_map(Seq::Any),
    ]
}

fn code() -> impl Strategy<Value = u16> {
    let known = vec![1000u16, 1001, 1006, 1009, 1011, 1013, 4400, 4401, 4408, 4419, CLOSE_RATE_LIMITED];
    prop_oneof![4 => select(known), 1 => any::<u16>()]
}

fn pick() -> impl Strategy<Value = Option<usize>> {
    prop::option::weighted(0.9, 0usize..8)
}

fn control() -> impl Strategy<Value = Control> {
    prop_oneof![
        1 => (0u64..4).prop_map(Control::Pong),
        3 => (pick(), prop::option::of(any::<u64>())).prop_map(|(p, r)| Control::Ack(p, r)),
        1 => pick().prop_map(Control::Nack),
        1 => pick().prop_map(Control::Retry),
        1 => prop::option::of(0u64..200_000).prop_map(Control::Refreshed),
        1 => Just(Control::Error),
    ]
}

/// Mostly a resume of the client's cursor in the first epoch; sometimes anything.
fn shape() -> impl Strategy<Value = Shape> {
    let epoch = prop_oneof![4 => Just(0u8), 1 => 1u8..3];
    let after = prop_oneof![6 => Just(Seq::Back(0)), 1 => seq()];
    let rest = (prop::bool::weighted(0.8), 0u64..60_000, prop::option::of(0u64..200_000));
    (epoch, after, rest).prop_map(|(epoch, after, (resumed, heartbeat_ms, expires_in_ms))| Shape {
        epoch,
        after,
        resumed,
        heartbeat_ms,
        expires_in_ms,
    })
}

/// Any act, weighted so that runs get through handshakes and see plenty of events.
pub fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        15 => shape().prop_map(Act::Advance),
        1 => prop_oneof![Just(Act::Connect), Just(Act::Close)],
        3 => prop_oneof![Just(Act::Online), Just(Act::Offline), Just(Act::Visible)],
        4 => Just(Act::Wake),
        3 => (gen(), prop::bool::weighted(0.9)).prop_map(|(g, ok)| Act::Token(g, ok)),
        3 => gen().prop_map(Act::Opened),
        2 => (gen(), code()).prop_map(|(g, c)| Act::Closed(g, c)),
        3 => (gen(), shape()).prop_map(|(g, s)| Act::Welcome(g, s)),
        30 => (gen(), seq()).prop_map(|(g, s)| Act::Event(g, s)),
        6 => (gen(), control()).prop_map(|(g, c)| Act::Control(g, c)),
        1 => gen().prop_map(Act::Malformed),
        5 => (1usize..300).prop_map(Act::Send),
    ]
}

/// Time between acts (ms): often none, sometimes a heartbeat or more, rarely a sleeping laptop.
pub fn pause() -> impl Strategy<Value = f64> {
    let ms = prop_oneof![
        15 => Just(0u64),
        20 => 1u64..200,
        10 => 200u64..5_000,
        4 => 5_000u64..60_000,
        1 => 60_000u64..10_000_000,
    ];
    ms.prop_map(|ms| ms as f64)
}

/// A client's setup: options worth varying, whether its token comes from a function, and the
/// seq of a saved cursor (epoch `e0`), if any.
#[derive(Debug, Clone)]
pub struct Setup {
    pub opts: Options,
    pub refreshable: bool,
    pub cursor: Option<u64>,
}

pub fn setup() -> impl Strategy<Value = Setup> {
    let backoff = (select(vec![Jitter::Full, Jitter::Equal, Jitter::None]), select(vec![1.0, 3.0, f64::INFINITY]));
    let outbox = (select(vec![Overflow::Reject, Overflow::DropOldest]), 1usize..5, 64usize..200);
    let rest = (prop::option::of(100.0..60_000.0f64), any::<bool>(), prop::option::of(0u64..10));
    (backoff, outbox, rest).prop_map(|((jitter, attempts), (overflow, queue, max_bytes), (heartbeat, refreshable, cursor))| {
        let mut opts = Options::new("ws://h/ws");
        (opts.backoff.jitter, opts.backoff.max_attempts) = (jitter, attempts);
        (opts.overflow, opts.queue_limit, opts.max_message_bytes) = (overflow, queue, max_bytes);
        opts.heartbeat_ms = heartbeat;
        Setup { opts, refreshable, cursor }
    })
}

/// A whole run: a setup, the core's random seed, and up to 300 acts with the pause before each.
pub fn run() -> impl Strategy<Value = (Setup, u64, Vec<(f64, Act)>)> {
    (setup(), any::<u64>(), prop::collection::vec((pause(), act()), 1..300))
}
