#![cfg(not(target_arch = "wasm32"))]
//! A seeded, deterministic simulation of the core against a lossy server and network.
//!
//! Each seed runs a few thousand happenings of a faulty world (sockets that die, black holes,
//! lost live frames, duplicated replays and acks, ignored replay requests, server restarts,
//! offline spells, late timers, refused and hanging connects, failing token fetches, channel
//! joins answered `unavailable`, the page leaving and joining a channel again), then a quiet
//! spell in which the network heals. The server publishes to the user's personal stream and to
//! two channels. Afterwards the page must have seen exactly 1..=N in order on every one of the
//! three streams, every message must have been applied and acked exactly once, and the quiet
//! spell must not have caused a storm of reconnects.
//!
//! The network is WebSocket over TCP: frames keep their order on one socket, with random
//! latency. The server follows the real resume rule (`server/src/hub.rs`, `resume_point`).

use serde_json::Value;
use spellwire::core::{Core, Input, Output};
use spellwire::options::{Options, Transport};
use spellwire::protocol::{ClientFrame, Cursor, Message, ServerFrame, Subscribed, Welcome};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

const SEEDS: u64 = 300;
const FAULTY_STEPS: usize = 3000;
const QUIET_MS: f64 = 120_000.0;
const QUIET_PUBLISH_MS: f64 = 10_000.0;
const HEARTBEAT_MS: u64 = 5000;
const EPOCH: &str = "e1";
/// The channels the page joins; each has its own log (epoch `#` + name).
const CHANNELS: [&str; 2] = ["crew:alpha", "run:42"];

fn channel_index(name: &str) -> usize {
    CHANNELS.iter().position(|c| *c == name).expect("a channel of the simulation")
}

fn channel_epoch(i: usize) -> String {
    ["#", CHANNELS[i]].concat()
}

/// splitmix64: tiny, seedable, good enough to pick faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn upto(&mut self, max: f64) -> f64 {
        self.unit() * max
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// Server → client.
enum Down {
    Opened,
    Frame(ServerFrame<u64>),
    /// An event of the personal stream (`None`) or of channel `i`.
    Event(Option<usize>, u64),
    Closed(u16),
}

/// Client → server.
enum Up {
    Frame(ClientFrame<Value>),
    /// The client's close frame: the server forgets the socket.
    Bye,
}

/// One WebSocket: two in-order pipes and what each end knows about it.
struct Socket {
    latency: f64,
    down: VecDeque<(f64, Down)>,
    up: VecDeque<(f64, Up)>,
    /// Server side: hello answered.
    welcomed: bool,
    /// Server side: still writing events to it.
    attached: bool,
    /// Server side: the channels it reads.
    subs: [bool; 2],
    /// Nothing gets through, either way, and nobody is told.
    black_hole: bool,
    /// Client side: writes still leave.
    writable: bool,
    /// Client side: the close event was delivered.
    finished: bool,
}

impl Socket {
    fn new(latency: f64) -> Self {
        Socket {
            latency,
            down: VecDeque::new(),
            up: VecDeque::new(),
            welcomed: false,
            attached: true,
            subs: [false; 2],
            black_hole: false,
            writable: true,
            finished: false,
        }
    }

    /// When a frame written now arrives: random latency, never before an earlier frame.
    fn arrival(&self, now: f64, rng: &mut Rng, last: Option<f64>) -> f64 {
        let t = now + self.latency + rng.upto(30.0);
        last.map_or(t, |l| t.max(l))
    }

    fn send_down(&mut self, now: f64, rng: &mut Rng, item: Down) {
        if !self.black_hole {
            let t = self.arrival(now, rng, self.down.back().map(|d| d.0));
            self.down.push_back((t, item));
        }
    }

    fn send_up(&mut self, now: f64, rng: &mut Rng, item: Up) {
        if !self.black_hole && self.writable {
            let t = self.arrival(now, rng, self.up.back().map(|u| u.0));
            self.up.push_back((t, item));
        }
    }
}

/// The server's per-user log (seq from 1, never trimmed here) and its idempotent inbox.
#[derive(Default)]
struct Server {
    head: u64,
    /// The channels' heads.
    heads: [u64; 2],
    /// `sub`s answered `refused unavailable`.
    refusals: u32,
    applied: HashSet<String>,
    received: HashMap<String, u32>,
    lost: u32,
    /// Sends answered with `retry` (the backend was down), not applied.
    retries: u32,
    violations: Vec<String>,
}

/// The real server's rule: honour a cursor of the same epoch inside the window.
fn resume_point(epoch: &str, head: u64, cursor: Option<&Cursor>) -> (u64, bool) {
    match cursor {
        Some(c) if c.epoch == epoch && c.seq <= head => (c.seq, true),
        _ => (0, false),
    }
}

/// What the page saw.
#[derive(Default)]
struct Page {
    delivered: Vec<u64>,
    /// Each channel's deliveries.
    channel_delivered: [Vec<u64>; 2],
    /// The channels the page has joined (a fault leaves one and joins it again later).
    joined: [bool; 2],
    /// `refused` reports the page saw.
    refusals: u32,
    acked: HashMap<String, u32>,
    sent: Vec<String>,
    rejected: u32,
    resets: u32,
    bad_frames: u32,
    fetches: Vec<f64>,
    /// Why the core closed its own sockets (`heartbeat_timeout`, `gap_not_repaired`, ...).
    closes: HashMap<String, u32>,
    /// Token fetches while the browser said offline, other than on an explicit `connect()`.
    offline_fetches: u32,
    /// Links opened over HTTP (after refused connects; the simulated server serves both alike).
    http_opens: u32,
}

/// Things scheduled to happen, in time order.
#[derive(Debug, Clone, Copy)]
enum Due {
    Timer,
    Token(usize),
    Down(u64),
    Up(u64),
    Publish,
    Send,
    Fault,
    Online,
    Connect,
}

struct Sim {
    rng: Rng,
    now: f64,
    core: Core<u64>,
    server: Server,
    page: Page,
    sockets: BTreeMap<u64, Socket>,
    current: Option<u64>,
    tokens: Vec<(f64, u64)>,
    timer: Option<(Option<f64>, f64)>,
    faulty: bool,
    online: bool,
    quiet_since: f64,
    next_publish: Option<f64>,
    next_send: Option<f64>,
    next_fault: Option<f64>,
    online_at: Option<f64>,
    connect_at: Option<f64>,
    /// The server is restarting: every connect is refused until then.
    server_down_until: Option<f64>,
    /// The input being fed is the page calling `connect()`.
    user_connect: bool,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        let mut opts = Options::new("ws://sim/ws");
        opts.liveness_grace_ms = 3000.0;
        opts.queue_limit = 10_000;
        let core = Core::new(opts, None, seed).with_refreshable_token(true);
        // Most pages connect at load; some queue sends first (autoConnect: false).
        let connect_at = if rng.chance(0.8) { 0.0 } else { rng.upto(3000.0) };
        Sim {
            next_publish: Some(rng.upto(400.0)),
            next_send: Some(rng.upto(2000.0)),
            next_fault: Some(rng.upto(3000.0)),
            rng,
            now: 0.0,
            core,
            server: Server::default(),
            page: Page::default(),
            sockets: BTreeMap::new(),
            current: None,
            tokens: Vec::new(),
            timer: None,
            faulty: true,
            online: true,
            quiet_since: f64::INFINITY,
            online_at: None,
            connect_at: Some(connect_at),
            user_connect: false,
            server_down_until: None,
        }
    }

    // ---- the driver ---------------------------------------------------------------------

    /// Feeds one input, carries out its outputs and re-arms the timer; returns how many outputs.
    fn feed(&mut self, input: Input<u64>) -> usize {
        self.user_connect = matches!(input, Input::Connect);
        let outputs = self.core.handle(self.now, input);
        let count = outputs.len();
        for output in outputs {
            self.carry_out(output);
        }
        self.rearm();
        count
    }

    /// Like the browser driver: re-arm only when the wanted time changed; timers may be late.
    fn rearm(&mut self) {
        let want = self.core.next_wake();
        if self.timer.map(|t| t.0) == Some(want) {
            return;
        }
        self.timer = want.map(|at| {
            let late = self.lateness();
            (Some(at), at.max(self.now) + late)
        });
    }

    fn lateness(&mut self) -> f64 {
        let roll = self.rng.unit();
        if !self.faulty || roll < 0.85 {
            self.rng.upto(3.0)
        } else if roll < 0.95 {
            self.rng.upto(2000.0)
        } else {
            self.rng.upto(60_000.0) // a throttled background tab
        }
    }

    fn carry_out(&mut self, output: Output<u64>) {
        match output {
            Output::FetchToken { gen } => {
                self.page.fetches.push(self.now);
                self.page.offline_fetches += u32::from(!self.online && !self.user_connect);
                let at = self.now + self.rng.upto(50.0);
                self.tokens.push((at, gen));
            }
            Output::Open { gen, transport, .. } => {
                self.page.http_opens += u32::from(transport == Transport::Http);
                self.open_socket(gen)
            }
            Output::Close { gen, code, reason } => {
                *self.page.closes.entry(reason).or_default() += 1;
                self.client_close(gen, code)
            }
            Output::SendFrame(frame) => self.write(to_value_frame(frame)),
            Output::SendText(text) => {
                let frame: ClientFrame<Value> = serde_json::from_str(&text).expect("send frame");
                self.write(frame)
            }
            Output::Deliver(seq) => self.page.delivered.push(seq),
            Output::DeliverChannel { channel, payload } => {
                self.page.channel_delivered[channel_index(&channel)].push(payload)
            }
            Output::Reset | Output::ChannelReset(_) => self.page.resets += 1,
            Output::Refused { .. } => self.page.refusals += 1,
            Output::Acked { id, .. } => *self.page.acked.entry(id).or_default() += 1,
            Output::Rejected { .. } => self.page.rejected += 1,
            Output::Error(e) if e.code.as_str() == "BadFrame" => self.page.bad_frames += 1,
            Output::Error(_) | Output::State(_) => {}
        }
    }

    fn write(&mut self, frame: ClientFrame<Value>) {
        let Some(gen) = self.current else { return };
        let sock = self.sockets.get_mut(&gen).expect("current socket");
        sock.send_up(self.now, &mut self.rng, Up::Frame(frame));
    }

    fn open_socket(&mut self, gen: u64) {
        let mut sock = Socket::new(5.0 + self.rng.upto(150.0));
        let roll = self.rng.unit();
        let server_down = self.server_down_until.is_some_and(|t| self.now < t);
        if !self.online || server_down || (self.faulty && roll < 0.05) {
            sock.writable = false;
            sock.attached = false;
            sock.send_down(self.now, &mut self.rng, Down::Closed(1006)); // refused
        } else if self.faulty && roll < 0.08 {
            sock.black_hole = true; // hangs: the connect timeout must notice
        } else {
            sock.send_down(self.now, &mut self.rng, Down::Opened);
        }
        self.sockets.insert(gen, sock);
        self.current = Some(gen);
    }

    fn client_close(&mut self, gen: u64, code: u16) {
        if self.current == Some(gen) {
            self.current = None;
        }
        let Some(sock) = self.sockets.get_mut(&gen) else { return };
        sock.send_up(self.now, &mut self.rng, Up::Bye);
        sock.writable = false;
        // The browser still reports the close, later: the core must ignore it.
        let at = sock.down.back().map_or(self.now, |d| d.0) + self.rng.upto(3000.0);
        sock.down.push_back((at, Down::Closed(code)));
    }

    // ---- the server ---------------------------------------------------------------------

    fn server_receive(&mut self, gen: u64, item: Up) {
        let head = self.server.head;
        let sock = self.sockets.get_mut(&gen).expect("socket");
        if !sock.attached {
            return;
        }
        let Up::Frame(frame) = item else {
            sock.attached = false;
            return;
        };
        let rng = &mut self.rng;
        let now = self.now;
        match frame {
            ClientFrame::Hello { resume, .. } if !sock.welcomed => {
                let (after, resumed) = resume_point(EPOCH, head, resume.as_ref());
                let w = Welcome { epoch: EPOCH.into(), after, resumed, heartbeat_ms: HEARTBEAT_MS, head: 0, expires_in_ms: None };
                sock.welcomed = true;
                sock.send_down(now, rng, Down::Frame(ServerFrame::Welcome(w)));
                (after + 1..=head).for_each(|s| sock.send_down(now, rng, Down::Event(None, s)));
            }
            frame if !sock.welcomed => self.server.violations.push(format!("before hello: {frame:?}")),
            ClientFrame::Hello { .. } => self.server.violations.push("second hello".into()),
            ClientFrame::Ping { id } => sock.send_down(now, rng, Down::Frame(ServerFrame::Pong { id })),
            // An overloaded server may drop a replay request: the core must not wait forever.
            ClientFrame::Replay { .. } if self.faulty && rng.chance(0.2) => {}
            ClientFrame::Replay { after, channel: None } => {
                (after + 1..=head).for_each(|s| sock.send_down(now, rng, Down::Event(None, s)))
            }
            ClientFrame::Replay { after, channel: Some(name) } => {
                let i = channel_index(&name);
                if !sock.subs[i] {
                    self.server.violations.push(format!("replay of {name}, not subscribed"));
                }
                let head = self.server.heads[i];
                (after + 1..=head).for_each(|s| sock.send_down(now, rng, Down::Event(Some(i), s)))
            }
            ClientFrame::Refresh { .. } => self.server.violations.push("refresh without expiry".into()),
            // The store or the subscribe proxy is down: the client must ask again later.
            ClientFrame::Sub { channel, .. } if self.faulty && rng.chance(0.15) => {
                self.server.refusals += 1;
                let (code, message) = ("unavailable".into(), "down".into());
                sock.send_down(now, rng, Down::Frame(ServerFrame::Refused { channel, code, message }));
            }
            ClientFrame::Sub { channel, resume } => {
                let i = channel_index(&channel);
                let head = self.server.heads[i];
                let (after, resumed) = resume_point(&channel_epoch(i), head, resume.as_ref());
                sock.subs[i] = true;
                let s = Subscribed { channel, epoch: channel_epoch(i), after, resumed, head };
                sock.send_down(now, rng, Down::Frame(ServerFrame::Subscribed(s)));
                (after + 1..=head).for_each(|s| sock.send_down(now, rng, Down::Event(Some(i), s)));
            }
            ClientFrame::Unsub { channel } => sock.subs[channel_index(&channel)] = false,
            // The application backend is down for this one: not applied, resent later.
            ClientFrame::Send(Message { id, .. }) if self.faulty && rng.chance(0.1) => {
                self.server.retries += 1;
                let (code, message) = ("backend_unavailable".into(), "down".into());
                sock.send_down(now, rng, Down::Frame(ServerFrame::Retry { id, code, message }));
            }
            ClientFrame::Send(Message { id, .. }) => {
                *self.server.received.entry(id.clone()).or_default() += 1;
                self.server.applied.insert(id.clone());
                if self.faulty && rng.chance(0.05) {
                    sock.send_down(now, rng, Down::Frame(ServerFrame::Ack { id: id.clone(), result: None }));
                    // acked twice
                }
                sock.send_down(now, rng, Down::Frame(ServerFrame::Ack { id, result: None }));
            }
        }
    }

    /// One event, to the personal stream or to a channel.
    fn publish(&mut self) {
        let roll = self.rng.unit();
        let stream = if roll < 0.5 { None } else { Some(usize::from(roll >= 0.75)) };
        let seq = match stream {
            None => &mut self.server.head,
            Some(i) => &mut self.server.heads[i],
        };
        *seq += 1;
        let seq = *seq;
        let reads = |s: &Socket| s.attached && s.welcomed && stream.is_none_or(|i| s.subs[i]);
        for sock in self.sockets.values_mut().filter(|s| reads(s)) {
            // A slow-consumer drop loses a live frame on this socket only.
            if self.faulty && self.rng.chance(0.03) {
                self.server.lost += 1;
            } else {
                sock.send_down(self.now, &mut self.rng, Down::Event(stream, seq));
            }
        }
    }

    // ---- the world ----------------------------------------------------------------------

    fn fault(&mut self) {
        let roll = self.rng.unit();
        let current = self.current.and_then(|g| self.sockets.get_mut(&g));
        match (roll, current) {
            (r, Some(sock)) if r < 0.25 && !sock.black_hole => kill(sock, self.now, &mut self.rng),
            (r, Some(sock)) if r < 0.35 => {
                sock.black_hole = true;
                sock.down.clear();
                sock.up.clear();
            }
            (r, Some(sock)) if r < 0.50 && sock.welcomed => {
                // The server resends a range the client already has, mid-stream, of the
                // personal stream or of a channel the socket reads.
                let i = self.rng.between(0, 2) as usize;
                let (stream, head) = match i {
                    2 => (None, self.server.head),
                    i if sock.subs[i] => (Some(i), self.server.heads[i]),
                    _ => (None, 0),
                };
                if head > 0 {
                    let lo = self.rng.between(1, head);
                    let hi = self.rng.between(lo, head);
                    (lo..=hi).for_each(|s| sock.send_down(self.now, &mut self.rng, Down::Event(stream, s)));
                }
            }
            (r, _) if r < 0.60 && self.online => self.go_offline(),
            (r, _) if r < 0.75 => {
                self.feed(Input::Visible);
            }
            (r, _) if r < 0.80 => {
                self.feed(Input::Connect);
            }
            (r, current) if r < 0.85 => {
                // The server restarts (keeping its log): the socket drops, connects are refused.
                if let Some(sock) = current.filter(|s| !s.black_hole) {
                    kill(sock, self.now, &mut self.rng);
                }
                self.server_down_until = Some(self.now + 1000.0 + self.rng.upto(20_000.0));
            }
            (r, _) if r < 0.90 => {
                // The page leaves a channel or joins it again (from its kept cursor).
                let i = self.rng.between(0, 1) as usize;
                self.toggle_channel(i);
            }
            _ => {}
        }
    }

    fn toggle_channel(&mut self, i: usize) {
        let name = CHANNELS[i].to_owned();
        let joined = !self.page.joined[i];
        self.page.joined[i] = joined;
        self.feed(if joined { Input::JoinChannel(name) } else { Input::LeaveChannel(name) });
    }

    fn go_offline(&mut self) {
        self.online = false;
        self.online_at = Some(self.now + 500.0 + self.rng.upto(15_000.0));
        if let Some(sock) = self.current.and_then(|g| self.sockets.get_mut(&g)) {
            if self.rng.chance(0.5) && !sock.black_hole {
                kill(sock, self.now, &mut self.rng);
            } else {
                sock.black_hole = true;
            }
        }
        self.feed(Input::Offline);
    }

    fn go_online(&mut self) {
        self.online = true;
        self.online_at = None;
        self.feed(Input::Online);
    }

    fn client_send(&mut self) {
        let id = self.core.next_message_id();
        let msg = Message { id: id.clone(), kind: "chat".into(), topic: None, data: Value::from(1) };
        let text = serde_json::to_string(&ClientFrame::Send(msg)).expect("encode");
        self.page.sent.push(id.clone());
        self.feed(Input::Send { id, text });
    }

    fn deliver_down(&mut self, gen: u64) {
        let sock = self.sockets.get_mut(&gen).expect("socket");
        let (_, item) = sock.down.pop_front().expect("due");
        let input = match item {
            Down::Opened => Input::Opened { gen },
            Down::Frame(frame) => Input::Frame { gen, frame },
            Down::Event(None, seq) => Input::Event { gen, seq, payload: seq },
            Down::Event(Some(i), seq) => Input::ChannelEvent { gen, channel: CHANNELS[i].into(), seq, payload: seq },
            Down::Closed(code) => {
                sock.finished = true;
                sock.writable = false;
                Input::Closed { gen, code }
            }
        };
        self.feed(input);
        let sock = &self.sockets[&gen];
        if sock.finished && sock.down.is_empty() && sock.up.is_empty() {
            self.sockets.remove(&gen);
        }
    }

    /// The earliest scheduled happening.
    fn next_due(&self) -> Option<(f64, Due)> {
        let mut due: Vec<(f64, Due)> = Vec::new();
        due.extend(self.timer.map(|t| (t.1, Due::Timer)));
        due.extend(self.tokens.iter().enumerate().map(|(i, t)| (t.0, Due::Token(i))));
        for (gen, sock) in &self.sockets {
            due.extend(sock.down.front().map(|d| (d.0, Due::Down(*gen))));
            due.extend(sock.up.front().map(|u| (u.0, Due::Up(*gen))));
        }
        due.extend(self.next_publish.map(|t| (t, Due::Publish)));
        due.extend(self.next_send.map(|t| (t, Due::Send)));
        due.extend(self.next_fault.map(|t| (t, Due::Fault)));
        due.extend(self.online_at.map(|t| (t, Due::Online)));
        due.extend(self.connect_at.map(|t| (t, Due::Connect)));
        due.into_iter().min_by(|a, b| a.0.total_cmp(&b.0))
    }

    fn step(&mut self) -> bool {
        let Some((at, due)) = self.next_due() else { return false };
        assert!(at >= self.now, "time went backwards: {due:?} at {at} < {}", self.now);
        self.now = at;
        match due {
            Due::Timer => {
                self.timer = None;
                let did = self.feed(Input::Wake);
                // A wake that changes nothing must not ask to be woken again at once (hot loop).
                let next = self.core.next_wake();
                assert!(did > 0 || next.is_none_or(|t| t > at), "useless wake at {at}, next {next:?}");
            }
            Due::Token(i) => {
                let (_, gen) = self.tokens.swap_remove(i);
                let token =
                    if self.faulty && self.rng.chance(0.02) { Err("boom".into()) } else { Ok("T".into()) };
                self.feed(Input::Token { gen, token });
            }
            Due::Down(gen) => self.deliver_down(gen),
            Due::Up(gen) => {
                let (_, item) = self.sockets.get_mut(&gen).expect("socket").up.pop_front().expect("due");
                self.server_receive(gen, item);
            }
            Due::Publish => {
                self.publish();
                self.next_publish =
                    self.schedule(400.0, self.faulty || at < self.quiet_since + QUIET_PUBLISH_MS);
            }
            Due::Send => {
                self.client_send();
                self.next_send = self.schedule(2000.0, self.faulty);
            }
            Due::Fault => {
                self.fault();
                self.next_fault = self.schedule(3000.0, self.faulty);
            }
            Due::Online => self.go_online(),
            Due::Connect => {
                self.connect_at = None;
                self.feed(Input::Connect);
            }
        }
        true
    }

    fn schedule(&mut self, spread: f64, wanted: bool) -> Option<f64> {
        wanted.then(|| self.now + self.rng.upto(spread))
    }

    /// The network heals and the tab is in front: no more faults, sends or late timers; a few
    /// last publishes.
    fn quiet_down(&mut self) {
        self.faulty = false;
        self.quiet_since = self.now;
        self.next_fault = None;
        self.next_send = None;
        self.server_down_until = None;
        if self.connect_at.is_some() {
            self.connect_at = Some(self.now);
        }
        if !self.online {
            self.go_online();
        }
        for i in 0..CHANNELS.len() {
            if !self.page.joined[i] {
                self.toggle_channel(i); // every channel is read at the end
            }
        }
        self.next_publish.get_or_insert(self.now);
        self.timer = None; // the tab is in front again: no more throttled timers
        self.rearm();
    }
}

/// An abrupt death (1006): some frames in flight are lost, the server forgets the socket.
fn kill(sock: &mut Socket, now: f64, rng: &mut Rng) {
    let keep_down = rng.between(0, sock.down.len() as u64) as usize;
    let keep_up = rng.between(0, sock.up.len() as u64) as usize;
    sock.down.truncate(keep_down);
    sock.up.truncate(keep_up);
    sock.up.push_back((sock.up.back().map_or(now, |u| u.0), Up::Bye));
    sock.black_hole = false;
    sock.writable = false;
    let at = sock.down.back().map_or(now, |d| d.0).max(now) + sock.latency;
    sock.down.push_back((at, Down::Closed(1006)));
}

fn to_value_frame(frame: ClientFrame<()>) -> ClientFrame<Value> {
    match frame {
        ClientFrame::Hello { token, resume } => ClientFrame::Hello { token, resume },
        ClientFrame::Ping { id } => ClientFrame::Ping { id },
        ClientFrame::Replay { after, channel } => ClientFrame::Replay { after, channel },
        ClientFrame::Sub { channel, resume } => ClientFrame::Sub { channel, resume },
        ClientFrame::Unsub { channel } => ClientFrame::Unsub { channel },
        ClientFrame::Refresh { token } => ClientFrame::Refresh { token },
        ClientFrame::Send(m) => {
            ClientFrame::Send(Message { id: m.id, kind: m.kind, topic: m.topic, data: Value::Null })
        }
    }
}

/// Runs one seed to quiescence and returns the world for inspection.
fn simulate(seed: u64) -> Sim {
    let mut sim = Sim::new(seed);
    for i in 0..CHANNELS.len() {
        sim.toggle_channel(i); // joined at load, before connecting
    }
    for _ in 0..FAULTY_STEPS {
        assert!(sim.step(), "seed {seed}: the world stopped during the faulty spell");
    }
    sim.quiet_down();
    let mut steps = 0;
    while sim.next_due().is_some_and(|(t, _)| t <= sim.quiet_since + QUIET_MS) {
        sim.step();
        steps += 1;
        assert!(steps < 100_000, "seed {seed}: hot loop in the quiet spell at t={}", sim.now);
    }
    sim
}

fn check(seed: u64, sim: &Sim) {
    let page = &sim.page;
    let streams = [("personal", &page.delivered, sim.server.head)]
        .into_iter()
        .chain((0..CHANNELS.len()).map(|i| (CHANNELS[i], &page.channel_delivered[i], sim.server.heads[i])));
    for (stream, delivered, head) in streams {
        let want: Vec<u64> = (1..=head).collect();
        assert!(
            *delivered == want,
            "seed {seed}: {stream}: delivered {} of {} events, in order: {}",
            delivered.len(),
            want.len(),
            first_difference(delivered, &want)
        );
    }
    assert_eq!(page.rejected, 0, "seed {seed}: rejected sends");
    for id in &page.sent {
        assert_eq!(page.acked.get(id), Some(&1), "seed {seed}: {id} must be acked exactly once");
        assert!(sim.server.applied.contains(id), "seed {seed}: {id} never applied");
    }
    assert_eq!(page.acked.len(), page.sent.len(), "seed {seed}: acks for unknown ids");
    assert_eq!(sim.server.applied.len(), page.sent.len(), "seed {seed}: applied unknown ids");
    assert_eq!(sim.core.stats().1, 0, "seed {seed}: outbox not empty");
    assert_eq!(page.resets, 0, "seed {seed}: reset although history was retained");
    assert_eq!(page.offline_fetches, 0, "seed {seed}: retried while offline");
    assert_eq!(page.bad_frames, 0, "seed {seed}: the core judged a good frame bad");
    assert!(sim.server.violations.is_empty(), "seed {seed}: {:?}", sim.server.violations);
    assert_eq!(sim.core.phase().as_str(), "open", "seed {seed}: not open after the quiet spell");
    check_no_storm(seed, sim);
}

/// Reconnects stay rare: a handful while the network heals, none once it settled, never a burst.
fn check_no_storm(seed: u64, sim: &Sim) {
    let quiet: Vec<f64> = sim.page.fetches.iter().copied().filter(|t| *t >= sim.quiet_since).collect();
    assert!(quiet.len() <= 3, "seed {seed}: {} token fetches in the quiet spell", quiet.len());
    let settled = sim.quiet_since + QUIET_MS / 2.0;
    assert!(quiet.iter().all(|t| *t < settled), "seed {seed}: reconnecting long after the network healed");
    for w in sim.page.fetches.windows(10) {
        assert!(w[9] - w[0] >= 1000.0, "seed {seed}: 10 token fetches within 1 s at t={}", w[0]);
    }
}

fn first_difference(got: &[u64], want: &[u64]) -> String {
    match got.iter().zip(want).position(|(a, b)| a != b) {
        Some(i) => format!("first difference at index {i}: got {} want {}", got[i], want[i]),
        None => format!("lengths {} vs {}", got.len(), want.len()),
    }
}

#[test]
fn every_seed_delivers_every_event_once_in_order_and_every_send_is_acked_once() {
    let mut totals = (0usize, 0usize, 0u64);
    let (mut retries, mut refusals, mut channel_events, mut strays, mut http_opens) = (0, 0, 0, 0, 0);
    for seed in 0..SEEDS {
        let sim = simulate(seed);
        check(seed, &sim);
        retries += sim.server.retries;
        http_opens += sim.page.http_opens;
        // A refusal can be lost with its socket, or come after the page left the channel.
        assert!(sim.page.refusals <= sim.server.refusals, "seed {seed}: refusals never sent");
        refusals += sim.page.refusals;
        channel_events += sim.page.channel_delivered.iter().map(Vec::len).sum::<usize>();
        let stats = sim.core.stats().0;
        strays += stats.stray;
        totals.0 += sim.page.delivered.len();
        totals.1 += sim.page.sent.len();
        totals.2 += stats.gaps + stats.duplicates + stats.reconnects;
    }
    // The faults must actually have happened, or the test proves nothing.
    assert!(totals.0 > 100 * SEEDS as usize && totals.1 > 10 * SEEDS as usize, "{totals:?}");
    assert!(totals.2 > SEEDS, "too few gaps, duplicates and reconnects to prove anything: {totals:?}");
    assert!(retries > SEEDS as u32, "too few `retry` answers to prove the resend: {retries}");
    assert!(refusals > SEEDS as u32, "too few `unavailable` refusals to prove the retry: {refusals}");
    assert!(channel_events > 100 * SEEDS as usize, "too few channel events: {channel_events}");
    assert!(strays > SEEDS, "too few events of left channels to prove they are dropped: {strays}");
    assert!(http_opens > SEEDS as u32, "too few moves to HTTP to prove the guarantees hold across them: {http_opens}");
}

#[test]
fn the_faults_exercise_gaps_duplicates_black_holes_and_timeouts() {
    let (mut gaps, mut dups, mut reconnects) = (0, 0, 0);
    let mut closes: HashMap<String, u32> = HashMap::new();
    for seed in 0..20 {
        let sim = simulate(seed);
        let stats = sim.core.stats().0;
        (gaps, dups, reconnects) =
            (gaps + stats.gaps, dups + stats.duplicates, reconnects + stats.reconnects);
        for (why, n) in &sim.page.closes {
            *closes.entry(why.clone()).or_default() += n;
        }
    }
    assert!(gaps > 20 && dups > 100 && reconnects > 100, "gaps {gaps}, dups {dups}, reconnects {reconnects}");
    for why in ["heartbeat_timeout", "connect_timeout", "offline"] {
        assert!(closes.get(why).is_some_and(|n| *n > 5), "too few {why} closes: {closes:?}");
    }
}
