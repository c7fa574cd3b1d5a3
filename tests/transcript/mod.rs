//! The transcript harness shared by the core's transcript tests: steps, rendering of outputs
//! as short strings, input builders and ready-made cores.
#![allow(dead_code)] // each test file uses part of it

pub use spellwire::core::backoff::Jitter;
pub use spellwire::core::{Core, Input, Output, Phase, StateInfo};
pub use spellwire::options::{Options, Transport};
pub use spellwire::protocol::{ClientFrame, Cursor, ServerFrame, Subscribed, Welcome};

/// One line of a transcript.
pub enum Step {
    /// Feed `input` at time `t`; the rendered outputs must be exactly these.
    At(f64, Input<u64>, Vec<String>),
    /// `next_wake()` must say this.
    NextWake(Option<f64>),
    /// A property of the core that must hold here (named for the failure message).
    Check(&'static str, fn(&Core<u64>) -> bool),
}

pub fn at(t: f64, input: Input<u64>, want: &[&str]) -> Step {
    Step::At(t, input, want.iter().map(|s| s.to_string()).collect())
}

pub fn run(name: &str, core: &mut Core<u64>, steps: Vec<Step>) {
    for (i, step) in steps.into_iter().enumerate() {
        match step {
            Step::At(t, input, want) => {
                let label = format!("{input:?}");
                let got: Vec<String> = core.handle(t, input).iter().map(render).collect();
                assert_eq!(got, want, "{name}: step {i} at t={t}: {label}");
            }
            Step::NextWake(want) => assert_eq!(core.next_wake(), want, "{name}: step {i}: next_wake"),
            Step::Check(what, check) => assert!(check(core), "{name}: step {i}: {what}"),
        }
    }
}

pub fn render(output: &Output<u64>) -> String {
    match output {
        Output::FetchToken { gen } => format!("token? {gen}"),
        Output::Open { gen, transport: Transport::WebSocket, .. } => format!("open {gen}"),
        Output::Open { gen, url, transport: Transport::Http } => format!("open {gen} http {url}"),
        Output::Close { gen, code, reason } => format!("close {gen} {code} {reason}"),
        Output::SendFrame(ClientFrame::Hello { token, resume: None }) => format!("hello {token}"),
        Output::SendFrame(ClientFrame::Hello { token, resume: Some(c) }) => {
            format!("hello {token} {}:{}", c.epoch, c.seq)
        }
        Output::SendFrame(ClientFrame::Ping { id }) => format!("ping {id}"),
        Output::SendFrame(ClientFrame::Replay { after, channel: None }) => format!("replay {after}"),
        Output::SendFrame(ClientFrame::Replay { after, channel: Some(c) }) => format!("replay {c} {after}"),
        Output::SendFrame(ClientFrame::Sub { channel, resume: None }) => format!("sub {channel}"),
        Output::SendFrame(ClientFrame::Sub { channel, resume: Some(c) }) => format!("sub {channel} {}:{}", c.epoch, c.seq),
        Output::SendFrame(ClientFrame::Unsub { channel }) => format!("unsub {channel}"),
        Output::SendFrame(ClientFrame::Send(m)) => format!("send-frame {}", m.id),
        Output::SendText(text) => format!("text {text}"),
        Output::Deliver(seq) => format!("deliver {seq}"),
        Output::DeliverChannel { channel, payload } => format!("deliver {channel} {payload}"),
        Output::Reset => "reset".into(),
        Output::ChannelReset(channel) => format!("reset {channel}"),
        Output::Refused { channel, code, .. } => format!("refused {channel} {code}"),
        Output::Acked { id, result: None } => format!("acked {id}"),
        Output::Acked { id, result: Some(r) } => format!("acked {id} result {r}"),
        Output::SendFrame(ClientFrame::Refresh { token }) => format!("refresh {token}"),
        Output::Rejected { id, error } => format!("rejected {id} {}", error.code.as_str()),
        Output::Error(e) => format!("error {}", e.code.as_str()),
        Output::State(info) => render_state(info),
    }
}

pub fn render_state(s: &StateInfo) -> String {
    let mut line = format!("state {} #{}", s.phase.as_str(), s.attempt);
    if let Some(ms) = s.next_retry_ms {
        line += &format!(" retry {ms:.0}");
    }
    if let Some(ms) = s.latency_ms {
        line += &format!(" rtt {ms:.0}");
    }
    if let Some(why) = &s.reason {
        line += &format!(" ({why})");
    }
    if s.transport == Transport::Http {
        line += " [http]";
    }
    line
}

// ---- inputs -------------------------------------------------------------------------------

pub fn token(gen: u64) -> Input<u64> {
    Input::Token { gen, token: Ok("T".into()) }
}
pub fn opened(gen: u64) -> Input<u64> {
    Input::Opened { gen }
}
pub fn closed(gen: u64, code: u16) -> Input<u64> {
    Input::Closed { gen, code }
}
pub fn frame(gen: u64, frame: ServerFrame<u64>) -> Input<u64> {
    Input::Frame { gen, frame }
}
pub fn welcome(gen: u64, epoch: &str, after: u64, resumed: bool) -> Input<u64> {
    welcome_advising(gen, epoch, after, resumed, 1000)
}
pub fn welcome_advising(gen: u64, epoch: &str, after: u64, resumed: bool, heartbeat_ms: u64) -> Input<u64> {
    let w = Welcome { epoch: epoch.into(), after, resumed, heartbeat_ms, head: 0, expires_in_ms: None };
    frame(gen, ServerFrame::Welcome(w))
}
pub fn event(gen: u64, seq: u64) -> Input<u64> {
    Input::Event { gen, seq, payload: seq }
}
/// An event of `channel` whose payload is its seq.
pub fn chan_event(gen: u64, channel: &str, seq: u64) -> Input<u64> {
    Input::ChannelEvent { gen, channel: channel.into(), seq, payload: seq }
}
pub fn join(channel: &str) -> Input<u64> {
    Input::JoinChannel(channel.into())
}
pub fn leave(channel: &str) -> Input<u64> {
    Input::LeaveChannel(channel.into())
}
/// `subscribed` for `channel` in log `epoch` (head 0: nothing counts as replayed).
pub fn subscribed(gen: u64, channel: &str, epoch: &str, after: u64, resumed: bool) -> Input<u64> {
    let s = Subscribed { channel: channel.into(), epoch: epoch.into(), after, resumed, head: 0 };
    frame(gen, ServerFrame::Subscribed(s))
}
pub fn refused(gen: u64, channel: &str, code: &str) -> Input<u64> {
    frame(gen, ServerFrame::Refused { channel: channel.into(), code: code.into(), message: "no".into() })
}
pub fn pong(gen: u64, id: u64) -> Input<u64> {
    frame(gen, ServerFrame::Pong { id })
}
pub fn ack(gen: u64, id: &str) -> Input<u64> {
    frame(gen, ServerFrame::Ack { id: id.into(), result: None })
}
/// A send whose encoded text is the id in capitals, so resends are easy to read.
pub fn send(id: &str) -> Input<u64> {
    Input::Send { id: id.into(), text: id.to_uppercase() }
}

// ---- cores --------------------------------------------------------------------------------

/// Predictable options: no jitter, 500 ms liveness grace (heartbeat comes from the welcome: 1000),
/// WebSocket only (the transport tests list HTTP themselves).
pub fn opts() -> Options {
    let mut o = Options::new("ws://h/ws");
    o.transports = vec![Transport::WebSocket];
    o.backoff.jitter = Jitter::None;
    o.liveness_grace_ms = 500.0;
    o
}

pub fn core_with(o: Options, cursor: Option<(&str, u64)>) -> Core<u64> {
    let cursor = cursor.map(|(epoch, seq)| Cursor { epoch: epoch.into(), seq });
    Core::new(o, cursor, 1)
}

pub fn core() -> Core<u64> {
    core_with(opts(), None)
}

/// A core welcomed on socket 1 at t=0 (epoch e1, after `after`), with ping 1 outstanding. The
/// server advises the options' heartbeat (the client never pings slower than advised).
pub fn connected_with(o: Options, after: u64) -> Core<u64> {
    let advised = o.heartbeat_ms.map_or(1000, |h| h as u64);
    let mut c = core_with(o, (after > 0).then_some(("e1", after)));
    let welcomed = welcome_advising(1, "e1", after, after > 0, advised);
    for input in [Input::Connect, token(1), opened(1), welcomed] {
        c.handle(0.0, input);
    }
    assert_eq!(c.phase(), Phase::Open);
    c
}

pub fn connected() -> Core<u64> {
    connected_with(opts(), 0)
}

