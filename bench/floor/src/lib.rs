//! The size floor of spellwire's design: the real sans-IO core behind the smallest browser
//! shell that runs it: a WebSocket (handlers detached when it is replaced), one timer,
//! `JSON.parse` for frames and arrays of frames, `JSON.stringify` for what it sends, one event
//! callback. The token is a fixed string.
//!
//! Every feature of the core is live, so its code counts: channels (`join`, `sub`/`unsub`,
//! `subscribed`/`refused`, channel events and their replays) and token renewal (`refresh`,
//! `refreshed`, the welcome's expiry). The HTTP link is JavaScript in the package (its inline
//! module), so bench/floor.mjs weighs that module on its own instead of copying it here.
//!
//! It leaves out what the package's shell adds for its API: options parsing and their messages,
//! the listener registry, promises for sends, state/stats/error objects, the token function,
//! sessionStorage, the window listeners and the Rust face. scripts/bench.sh builds it exactly
//! as pkg/ is (scripts/wasm-build.sh); bench/floor.mjs checks in Chromium that it delivers,
//! then measures it, and BENCHMARKS.md reports it beside pkg/. It is measured, never shipped.
//!
//! ```js
//! import init, { Floor } from './pkg/spellwire.js';
//! await init();
//! const floor = new Floor('ws://127.0.0.1:8080/ws', 'T', (event) => console.log(event.seq));
//! floor.send('chat', { text: 'hi' });
//! floor.join('crew:alpha'); // its events reach the same callback, with `channel` set
//! ```
#![cfg(target_arch = "wasm32")]

use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Object, Reflect, JSON};
use spellwire::core::{Core, Input, Output};
use spellwire::options::Options;
use spellwire::protocol::{ClientFrame, Cursor, ServerFrame, Subscribed, Welcome};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// A connected core: one socket at a time, events to one callback.
#[wasm_bindgen]
pub struct Floor {
    shared: Rc<RefCell<State>>,
}

struct State {
    core: Core<JsValue>,
    token: String,
    on_event: Function,
    socket: Option<Socket>,
    timer: Option<Timeout>,
}

/// A WebSocket of generation `gen` and its handlers, detached and closed on drop (so a
/// replaced socket never calls a freed closure).
struct Socket {
    gen: u64,
    ws: web_sys::WebSocket,
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

#[wasm_bindgen]
impl Floor {
    /// Connects to `url` with `token`; `on_event` gets every event frame, once, in order.
    #[wasm_bindgen(constructor)]
    pub fn new(url: String, token: String, on_event: Function) -> Floor {
        let core = Core::new(Options::new(&url), None, (js_sys::Math::random() * 9.0e15) as u64);
        let shared = Rc::new(RefCell::new(State { core, token, on_event, socket: None, timer: None }));
        feed(&shared, vec![Input::Connect]);
        Floor { shared }
    }

    /// Queues a message `{ op: "send", id, type: kind, data }` until the server acks it.
    pub fn send(&self, kind: String, data: JsValue) {
        let id = self.shared.borrow_mut().core.next_message_id();
        let text = stringify(&[("op", "send".into()), ("id", id.as_str().into()), ("type", kind.into()), ("data", data)]);
        feed(&self.shared, vec![Input::Send { id, text }]);
    }

    /// Joins a channel (`sub`, again after every welcome); its events reach the same callback.
    pub fn join(&self, channel: String) {
        feed(&self.shared, vec![Input::JoinChannel(channel)]);
    }

    /// Leaves a channel (`unsub`).
    pub fn leave(&self, channel: String) {
        feed(&self.shared, vec![Input::LeaveChannel(channel)]);
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Inputs in, in order, then the outputs carried out; inputs they cause are fed after them.
fn feed(shared: &Rc<RefCell<State>>, mut queue: Vec<Input<JsValue>>) {
    let mut next = 0;
    while next < queue.len() {
        let input = std::mem::replace(&mut queue[next], Input::Wake);
        next += 1;
        let outputs = shared.borrow_mut().core.handle(now(), input);
        for output in outputs {
            carry_out(shared, output, &mut queue);
        }
    }
    let at = shared.borrow().core.next_wake();
    let weak = Rc::downgrade(shared);
    shared.borrow_mut().timer = at.map(|at| {
        Timeout::new((at - now()).clamp(0.0, 2.0e9) as u32, move || with(&weak, |s| feed(s, vec![Input::Wake])))
    });
}

fn with(weak: &Weak<RefCell<State>>, f: impl FnOnce(&Rc<RefCell<State>>)) {
    if let Some(shared) = weak.upgrade() {
        f(&shared)
    }
}

fn carry_out(shared: &Rc<RefCell<State>>, output: Output<JsValue>, queue: &mut Vec<Input<JsValue>>) {
    match output {
        Output::FetchToken { gen } => queue.push(Input::Token { gen, token: Ok(shared.borrow().token.clone()) }),
        Output::Open { gen, url, .. } => match open(shared, gen, &url) {
            Ok(socket) => shared.borrow_mut().socket = Some(socket),
            Err(_) => queue.push(Input::Closed { gen, code: 1006 }),
        },
        Output::Close { gen, code, reason } => {
            let socket = shared.borrow_mut().socket.take();
            match socket {
                Some(s) if s.gen == gen => drop(s.ws.close_with_code_and_reason(code, &reason)),
                other => shared.borrow_mut().socket = other,
            }
        }
        Output::SendFrame(frame) => send_text(shared, &control(&frame)),
        Output::SendText(text) => send_text(shared, &text),
        Output::Deliver(event) | Output::DeliverChannel { payload: event, .. } => {
            let on_event = shared.borrow().on_event.clone();
            let _ = on_event.call1(&JsValue::NULL, &event);
        }
        _ => {} // acks, rejections, errors, resets and states: the package's shell reports them
    }
}

fn open(shared: &Rc<RefCell<State>>, gen: u64, url: &str) -> Result<Socket, JsValue> {
    let ws = web_sys::WebSocket::new(url)?;
    let handler = |make: fn(u64, JsValue) -> Vec<Input<JsValue>>| {
        let weak = Rc::downgrade(shared);
        Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| with(&weak, |s| feed(s, make(gen, e))))
    };
    let on_open = handler(|gen, _| vec![Input::Opened { gen }]);
    let on_message = handler(|gen, e| decode(gen, e.unchecked_into::<web_sys::MessageEvent>().data()));
    let on_close =
        handler(|gen, e| vec![Input::Closed { gen, code: e.unchecked_into::<web_sys::CloseEvent>().code() }]);
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    Ok(Socket { gen, ws, _handlers: [on_open, on_message, on_close] })
}

fn send_text(shared: &Rc<RefCell<State>>, text: &str) {
    if let Some(socket) = shared.borrow().socket.as_ref() {
        let _ = socket.ws.send_with_str(text);
    }
}

fn field(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn number(v: &JsValue, name: &str) -> u64 {
    field(v, name).as_f64().unwrap_or(0.0) as u64
}

fn maybe(v: &JsValue, name: &str) -> Option<u64> {
    field(v, name).as_f64().map(|n| n as u64)
}

fn text(v: &JsValue, name: &str) -> String {
    field(v, name).as_string().unwrap_or_default()
}

/// One message into inputs: a frame, or an array of frames (replays and bursts), in order.
fn decode(gen: u64, data: JsValue) -> Vec<Input<JsValue>> {
    let Some(parsed) = data.as_string().and_then(|t| JSON::parse(&t).ok()) else {
        return vec![Input::Malformed { gen, message: "not JSON".into() }];
    };
    if Array::is_array(&parsed) {
        Array::from(&parsed).iter().map(|f| frame(gen, f)).collect()
    } else {
        vec![frame(gen, parsed)]
    }
}

fn frame(gen: u64, frame: JsValue) -> Input<JsValue> {
    let frame = match text(&frame, "op").as_str() {
        "event" => {
            let seq = number(&frame, "seq");
            return match field(&frame, "channel").as_string() {
                Some(channel) => Input::ChannelEvent { gen, channel, seq, payload: frame },
                None => Input::Event { gen, seq, payload: frame },
            };
        }
        "welcome" => ServerFrame::Welcome(Welcome {
            epoch: text(&frame, "epoch"),
            after: number(&frame, "after"),
            resumed: field(&frame, "resumed").is_truthy(),
            heartbeat_ms: number(&frame, "heartbeatMs"),
            head: number(&frame, "head"),
            expires_in_ms: maybe(&frame, "expiresInMs"),
        }),
        "subscribed" => ServerFrame::Subscribed(Subscribed {
            channel: text(&frame, "channel"),
            epoch: text(&frame, "epoch"),
            after: number(&frame, "after"),
            resumed: field(&frame, "resumed").is_truthy(),
            head: number(&frame, "head"),
        }),
        "refused" => ServerFrame::Refused {
            channel: text(&frame, "channel"),
            code: text(&frame, "code"),
            message: text(&frame, "message"),
        },
        "refreshed" => ServerFrame::Refreshed { expires_in_ms: maybe(&frame, "expiresInMs") },
        "retry" => ServerFrame::Retry { id: text(&frame, "id"), code: text(&frame, "code"), message: text(&frame, "message") },
        "pong" => ServerFrame::Pong { id: number(&frame, "id") },
        "ack" => ServerFrame::Ack { id: text(&frame, "id"), result: None },
        "nack" => ServerFrame::Nack { id: text(&frame, "id"), code: text(&frame, "code"), message: text(&frame, "message") },
        "error" => ServerFrame::Error { code: text(&frame, "code"), message: text(&frame, "message") },
        _ => return Input::Malformed { gen, message: "unknown frame".into() },
    };
    Input::Frame { gen, frame }
}

/// The text of a hello, ping or replay.
fn control(frame: &ClientFrame<()>) -> String {
    let n = |v: u64| JsValue::from_f64(v as f64);
    match frame {
        ClientFrame::Hello { token, resume } => {
            stringify(&[("op", "hello".into()), ("token", token.as_str().into()), ("resume", cursor(resume))])
        }
        ClientFrame::Ping { id } => stringify(&[("op", "ping".into()), ("id", n(*id))]),
        ClientFrame::Replay { after, channel } => {
            let channel = channel.as_deref().map_or(JsValue::UNDEFINED, JsValue::from);
            stringify(&[("op", "replay".into()), ("after", n(*after)), ("channel", channel)])
        }
        ClientFrame::Sub { channel, resume } => {
            stringify(&[("op", "sub".into()), ("channel", channel.as_str().into()), ("resume", cursor(resume))])
        }
        ClientFrame::Unsub { channel } => stringify(&[("op", "unsub".into()), ("channel", channel.as_str().into())]),
        ClientFrame::Refresh { token } => stringify(&[("op", "refresh".into()), ("token", token.as_str().into())]),
        ClientFrame::Send(_) => String::new(), // the core sends messages as SendText
    }
}

/// `{ epoch, seq }`, or `undefined` (left out of the frame) when there is none.
fn cursor(c: &Option<Cursor>) -> JsValue {
    c.as_ref().map_or(JsValue::UNDEFINED, |c| object(&[("epoch", c.epoch.as_str().into()), ("seq", (c.seq as f64).into())]))
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

/// JSON text of an object (`undefined` fields are left out, as JSON.stringify does).
fn stringify(fields: &[(&str, JsValue)]) -> String {
    JSON::stringify(&object(fields)).map(String::from).unwrap_or_default()
}
