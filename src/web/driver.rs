//! The driver: feeds the core and carries out its outputs. Shared by both client faces.
//!
//! Every entry point (socket event, timer, window hint, API call) goes through [`feed_all`], which
//! borrows the state only to call the core and to touch owned resources, never while user
//! code runs: a listener may call `send()` or `close()` from inside an event.

use super::convert::{self, describe};
use super::{decode, encode};
use super::dispatch::{Callback, Registry};
use super::listeners::{self, WindowListeners};
use super::promise::on_settled;
use super::http::HttpLink;
use super::socket::{Link, Sink, Socket, SocketEvent};
use super::storage;
use super::token::TokenSource;
use crate::core::{Core, Input, Output, Phase};
use crate::error::{Error, ErrorCode};
use crate::options::{Options, Transport};
use crate::protocol::Cursor;
use gloo_timers::callback::Timeout;
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;

/// The client's state, shared by the API object and (weakly) by every callback.
pub(crate) type Shared = Rc<RefCell<Inner>>;

/// Everything one client owns.
pub(crate) struct Inner {
    pub(crate) core: Core<JsValue>,
    pub(crate) registry: Registry,
    socket: Option<Link>,
    timer: Option<Timeout>,
    timer_at: Option<f64>,
    listeners: Option<WindowListeners>,
    /// Promises of sends awaiting their ack: `(id, resolve, reject)`, few at a time, searched in
    /// order (clippy.toml: no HashMap in the wasm).
    pending: Vec<(String, Function, Function)>,
    /// The outputs buffer [`feed_all`] reuses (taken while it runs, so a re-entrant feed from a
    /// listener gets a fresh one): the per-event path allocates nothing for them.
    outputs: Vec<Output<JsValue>>,
    /// The listeners of the event being delivered, reused the same way.
    listeners_buf: Vec<Callback>,
    token: TokenSource,
    /// The storage keys of the personal cursor and of the channels' (when persisting).
    cursor_key: Option<(String, String)>,
    saved: Option<Cursor>,
    /// [`Core::channels_version`] when the channel cursors were last written.
    saved_channels: u64,
    /// Set while a cursor save is due (see [`save_cursor`]).
    cursor_timer: Option<Timeout>,
    /// The client itself, while it can make progress on its own (see [`keep_alive`]).
    keep_alive: Option<Shared>,
    /// The clock as [`feed_all`] last read it: the time the fast path gives the next event
    /// (see there).
    clock: f64,
}

/// How long a new cursor may wait before it is written to sessionStorage. Writing it after
/// every event cost about 50 µs per message here, fifteen times the rest of the client's work
/// (bench/cpu.mjs); the page's `pagehide`, a hidden tab and `close()` write it at once, so a
/// reload resumes exactly. Only a page that dies without `pagehide` (a crash) can leave a
/// cursor up to this far behind, and its next load then sees those events once more.
const CURSOR_SAVE_MS: u32 = 200;

/// Milliseconds from a monotonic high-resolution clock (sub-ms, for latency).
/// Looked up once: `now()` runs for every socket message.
pub(crate) fn now() -> f64 {
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> = super::window().and_then(|w| w.performance());
    }
    PERFORMANCE.with(|p| p.as_ref().map_or_else(js_sys::Date::now, |p| p.now()))
}

/// Builds a client and, unless `autoConnect` is false, starts connecting.
pub(crate) fn create(opts: Options, token: TokenSource) -> Result<Shared, Error> {
    opts.validate().map_err(|m| Error::new(ErrorCode::BadOptions, m))?;
    let cursor_key = opts.persist_cursor.then(|| storage::keys(&opts.url.list()[0]));
    let cursor = cursor_key.as_ref().and_then(|(k, _)| storage::load(k));

    let seed = (js_sys::Math::random() * 9.0e15) as u64;
    let auto_connect = opts.auto_connect;
    let refreshable = matches!(token, TokenSource::Dynamic(_));
    let shared = Rc::new(RefCell::new(Inner {
        core: Core::new(opts, cursor.clone(), seed).with_refreshable_token(refreshable),
        registry: Registry::default(),
        socket: None,
        timer: None,
        timer_at: None,
        listeners: None,
        pending: Vec::new(),
        outputs: Vec::new(),
        listeners_buf: Vec::new(),
        token,
        cursor_key,
        saved: cursor,
        saved_channels: 0,
        cursor_timer: None,
        keep_alive: None,
        clock: now(),
    }));
    let channels_key = shared.borrow().cursor_key.as_ref().map(|(_, key)| key.clone());
    if let Some(key) = channels_key {
        storage::load_channels(&key, |name, cursor| shared.borrow_mut().core.restore_channel_cursor(name, cursor));
    }
    let weak = Rc::downgrade(&shared);
    let hint = Rc::new(move |input| with(&weak, |s| feed(s, input)));
    let weak = Rc::downgrade(&shared);
    let hidden = Rc::new(move || with(&weak, write_cursor));
    shared.borrow_mut().listeners = Some(WindowListeners::attach(hint, hidden));
    if !listeners::online() {
        feed(&shared, Input::Offline);
    }
    if auto_connect {
        feed(&shared, Input::Connect);
    }
    Ok(shared)
}

fn with(weak: &Weak<RefCell<Inner>>, f: impl FnOnce(&Shared)) {
    if let Some(shared) = weak.upgrade() {
        f(&shared)
    }
}

/// [`feed_all`] with one input.
pub(crate) fn feed(shared: &Shared, input: Input<JsValue>) {
    feed_all(shared, vec![input]); // one Vec built here rather than at each caller
}

/// Hands inputs to the core, carries out the outputs, then re-arms the timer.
///
/// The next event of the personal stream, the commonest input by far, takes the core's fast
/// path ([`Core::accept_next_event`](crate::core::Core::accept_next_event)): delivered at once,
/// with no outputs to build and no timer or keep-alive to revisit, as it changes neither, and
/// without reading the clock (a tenth of what the client adds to raw's CPU per event,
/// bench/cpu.mjs). It is given the time of the last clock read instead, never later than its
/// arrival: liveness only ever learns that the socket was heard a little earlier than it was,
/// and a socket is still called dead only after a ping has gone unanswered, with nothing
/// heard, for the whole grace (the timer, and any other input, reads the clock anew).
pub(crate) fn feed_all(shared: &Shared, inputs: Vec<Input<JsValue>>) {
    let mut outputs = std::mem::take(&mut shared.borrow_mut().outputs);
    let mut now = None; // read at the first input that is not the next event
    for input in inputs {
        if let Input::Event { gen, seq, payload } = &input {
            if next_event(shared, *gen, *seq, payload) {
                continue;
            }
        }
        let now = *now.get_or_insert_with(|| {
            let now = self::now();
            shared.borrow_mut().clock = now;
            now
        });
        shared.borrow_mut().core.handle_into(now, input, &mut outputs);
        for output in outputs.drain(..) {
            carry_out(shared, output);
        }
    }
    shared.borrow_mut().outputs = outputs;
    save_cursor(shared);
    if let Some(now) = now {
        rearm_timer(shared, now);
        keep_alive(shared);
    }
}

/// The fast path of [`feed_all`]: delivers the event and returns true when it is the next one.
fn next_event(shared: &Shared, gen: u64, seq: u64, payload: &JsValue) -> bool {
    let mut inner = shared.borrow_mut();
    let heard = inner.clock;
    let next = inner.core.accept_next_event(heard, gen, seq);
    drop(inner);
    if next {
        deliver(shared, None, payload);
    }
    next
}

/// A client that is connecting, open, reconnecting or waiting for the network holds itself, so
/// it keeps running when the page drops its last reference: the socket, timer and window
/// callbacks hold it only weakly, and the JS object's finalizer would otherwise free it in the
/// middle of a stream, without a word (as a WebSocket with listeners is never collected while
/// open). `close()` (and a client that gave up, `failed`) lets go; the page's handle, if any,
/// then decides how long it lives.
fn keep_alive(shared: &Shared) {
    let mut inner = shared.borrow_mut();
    let running = matches!(inner.core.phase(), Phase::Connecting | Phase::Open | Phase::Reconnecting | Phase::Offline);
    if running != inner.keep_alive.is_some() {
        inner.keep_alive = running.then(|| shared.clone()); // the caller holds `shared`: never the last
    }
}

fn carry_out(shared: &Shared, output: Output<JsValue>) {
    match output {
        Output::FetchToken { gen } => fetch_token(shared, gen),
        Output::Open { gen, url, transport: Transport::WebSocket } => open_socket(shared, gen, &url),
        Output::Open { gen, url, transport: Transport::Http } => {
            let link = HttpLink::open(&url, gen, sink(Rc::downgrade(shared)));
            shared.borrow_mut().socket = Some(Link::Http(gen, link));
        }
        Output::Close { gen, code, reason } => {
            let socket = shared.borrow_mut().socket.take();
            match socket {
                Some(s) if s.gen() == gen => s.close(code, &reason),
                other => shared.borrow_mut().socket = other,
            }
        }
        Output::SendFrame(frame) => match encode::control(&frame) {
            Ok(text) => send_text(shared, &text),
            Err(e) => emit(shared, "error", &convert::error(&Error::new(ErrorCode::BadArgument, e))),
        },
        Output::SendText(text) => send_text(shared, &text),
        Output::Deliver(event) => deliver(shared, None, &event),
        Output::DeliverChannel { channel, payload } => deliver(shared, Some(&channel), &payload),
        Output::Reset => emit(shared, "reset", &convert::object(&[("reason", "history_gone".into())])),
        Output::ChannelReset(channel) => {
            let fields = [("reason", "history_gone".into()), ("channel", channel.as_str().into())];
            emit(shared, "reset", &convert::object(&fields))
        }
        Output::Refused { channel, code, message } => refused(shared, &channel, &code, &message),
        Output::Acked { id, result } => {
            let value = result.unwrap_or_else(|| convert::object(&[("id", id.as_str().into())]));
            settle(shared, &id, Ok(value))
        }
        Output::Rejected { id, error } => settle(shared, &id, Err(convert::error(&error))),
        Output::Error(error) => emit(shared, "error", &convert::error(&error)),
        Output::State(info) => emit(shared, "state", &convert::state(&info)),
    }
}

/// Hands an event to its listeners: the personal stream's (by type, `*`, topic) or a channel's.
fn deliver(shared: &Shared, channel: Option<&str>, event: &JsValue) {
    let mut listeners = std::mem::take(&mut shared.borrow_mut().listeners_buf);
    match channel {
        None => shared.borrow().registry.for_event(event, &mut listeners),
        Some(name) => shared.borrow().registry.for_channel(name, &mut listeners),
    }
    call_all(shared, if channel.is_some() { "channel" } else { "event" }, &listeners, event);
    listeners.clear(); // drops the clones now: a removed listener is freed at once
    shared.borrow_mut().listeners_buf = listeners;
}

/// A `refused` channel: `{ channel, code, message }` to its error listeners, and a
/// `SpellwireError` `ChannelRefused` with `channel` set to the client's `error` listeners.
fn refused(shared: &Shared, channel: &str, code: &str, message: &str) {
    let info = convert::object(&[("channel", channel.into()), ("code", code.into()), ("message", message.into())]);
    let listeners = shared.borrow().registry.channel_errors(channel);
    call_all(shared, "channel error", &listeners, &info);
    let error = Error::new(ErrorCode::ChannelRefused, [channel, ": ", code, ": ", message].concat());
    emit(shared, "error", &convert::error_with(&error, "channel", channel));
}

fn fetch_token(shared: &Shared, gen: u64) {
    let weak = Rc::downgrade(shared);
    let source = shared.borrow().token.clone();
    source.fetch(move |token| with(&weak, |s| feed(s, Input::Token { gen, token })));
}

fn open_socket(shared: &Shared, gen: u64, url: &str) {
    match Socket::open(url, gen, sink(Rc::downgrade(shared))) {
        Ok(socket) => shared.borrow_mut().socket = Some(Link::Ws(socket)),
        Err(e) => {
            let msg = ["cannot open ", url, ": ", &describe(&e)].concat();
            emit(shared, "error", &convert::error(&Error::new(ErrorCode::BadOptions, msg)));
            let weak = Rc::downgrade(shared);
            let closed = move |_| with(&weak, |s| feed(s, Input::Closed { gen, code: 1006 }));
            on_settled(&JsValue::UNDEFINED, closed);
        }
    }
}

fn sink(weak: Weak<RefCell<Inner>>) -> Sink {
    Rc::new(move |gen, event| {
        let inputs = match event {
            // The next event, one per message: straight to the fast path, no Vec of inputs.
            SocketEvent::Parsed(code, payload) if code > 0.0 && code.is_finite() => {
                let (Some(shared), seq) = (weak.upgrade(), code as u64) else { return };
                if next_event(&shared, gen, seq, &payload) {
                    return save_cursor(&shared); // what feed_all does after its inputs
                }
                vec![Input::Event { gen, seq, payload }]
            }
            SocketEvent::Opened => vec![Input::Opened { gen }],
            SocketEvent::Parsed(code, value) => decode::parsed(gen, code, value),
            SocketEvent::Text(text) => decode::message(gen, &text),
            SocketEvent::Binary => {
                let message = "binary frames are not part of the protocol".into();
                vec![Input::Malformed { gen, message }]
            }
            SocketEvent::Closed(code) => vec![Input::Closed { gen, code }],
        };
        with(&weak, |s| feed_all(s, inputs));
    })
}

fn send_text(shared: &Shared, text: &str) {
    let inner = shared.borrow();
    if let Some(link) = inner.socket.as_ref() {
        link.send(text, inner.core.token());
    }
}

/// Calls listeners with no borrow held; a throwing listener becomes an `error` event.
fn call_all(shared: &Shared, name: &str, listeners: &[Callback], value: &JsValue) {
    for listener in listeners {
        if let Err(msg) = listener(value) {
            if name == "error" {
                web_sys::console::error_2(&"spellwire: an error listener threw:".into(), &msg.into());
            } else {
                let article = if name.starts_with('e') { "an " } else { "a " }; // "an event", "a channel"
                let e = Error::new(ErrorCode::Listener, [article, name, " listener threw: ", &msg].concat());
                emit(shared, "error", &convert::error(&e));
            }
        }
    }
}

/// Emits a lifecycle event (`state`, `error`, `reset`) to its listeners.
pub(crate) fn emit(shared: &Shared, name: &str, value: &JsValue) {
    let listeners = shared.borrow().registry.named(name);
    call_all(shared, name, &listeners, value);
}

fn settle(shared: &Shared, id: &str, result: Result<JsValue, JsValue>) {
    let entry = {
        let mut inner = shared.borrow_mut();
        let index = inner.pending.iter().position(|(key, _, _)| key == id);
        index.map(|i| inner.pending.swap_remove(i))
    };
    let Some((_, resolve, reject)) = entry else { return };
    let _ = match result {
        Ok(value) => resolve.call1(&JsValue::NULL, &value),
        Err(error) => reject.call1(&JsValue::NULL, &error),
    };
}

fn rearm_timer(shared: &Shared, now: f64) {
    let mut inner = shared.borrow_mut();
    let next = inner.core.next_wake();
    if next == inner.timer_at {
        return;
    }
    inner.timer_at = next;
    inner.timer = next.map(|at| {
        let weak = Rc::downgrade(shared);
        let delay = (at - now).ceil().clamp(0.0, 2.0e9) as u32;
        Timeout::new(delay, move || {
            with(&weak, |s| {
                s.borrow_mut().timer_at = None;
                feed(s, Input::Wake);
            })
        })
    });
}

/// Schedules a write of the cursors when one moved (at most one per [`CURSOR_SAVE_MS`]).
fn save_cursor(shared: &Shared) {
    let mut inner = shared.borrow_mut();
    let moved = inner.saved.as_ref().map(|c| c.seq) != Some(inner.core.last_seq())
        || inner.saved_channels != inner.core.channels_version();
    if inner.cursor_key.is_none() || !moved || inner.cursor_timer.is_some() {
        return; // not persisting, nothing moved, or a write is already due (runs per message)
    }
    let weak = Rc::downgrade(shared);
    inner.cursor_timer = Some(Timeout::new(CURSOR_SAVE_MS, move || with(&weak, write_cursor)));
}

/// Writes the cursor now if it changed since the last write.
fn write_cursor(shared: &Shared) {
    shared.borrow_mut().write_cursor();
}

impl Inner {
    fn write_cursor(&mut self) {
        self.cursor_timer = None; // dropping a pending Timeout cancels it
        let Some((key, channels_key)) = self.cursor_key.as_ref() else { return };
        let version = self.core.channels_version();
        if self.saved_channels != version {
            storage::save_channels(channels_key, self.core.channel_cursors());
            self.saved_channels = version;
        }
        let Some(cursor) = self.core.cursor() else { return };
        if self.saved.as_ref() != Some(&cursor) {
            storage::save(key, &cursor);
            self.saved = Some(cursor);
        }
    }
}

impl Drop for Inner {
    /// A client freed with a write still due writes it now (a running client is never freed:
    /// it holds itself until closed or failed, see [`keep_alive`]).
    fn drop(&mut self) {
        if self.cursor_timer.is_some() {
            self.write_cursor();
        }
    }
}

/// `close()` of either face: closes, then writes the cursor at once.
pub(crate) fn close(shared: &Shared) {
    feed(shared, Input::Close);
    write_cursor(shared);
}

/// What [`join_channel`] registered, for [`leave_channel`].
pub(crate) struct ChannelHandle {
    pub(crate) name: String,
    pub(crate) id: u32,
}

/// `channel()` of either face: checks the name (`check_channel`'s words, `BadArgument`),
/// registers the listeners and joins (the first listener of a channel sends `sub`).
pub(crate) fn join_channel(shared: &Shared, name: String, on_event: Callback, on_error: Option<Callback>) -> Result<ChannelHandle, Error> {
    if let Err(why) = crate::protocol::check_channel(&name) {
        let shown = crate::core::text::prefix(&name, 60);
        return Err(Error::new(ErrorCode::BadArgument, ["channel \"", shown, "\": ", why].concat()));
    }
    let id = shared.borrow_mut().registry.channel(&name, on_event, on_error);
    feed(shared, Input::JoinChannel(name.clone()));
    Ok(ChannelHandle { name, id })
}

/// Removes a channel registration's listeners; the channel's last one sends `unsub`. A second
/// call does nothing.
pub(crate) fn leave_channel(shared: &Shared, handle: &ChannelHandle) {
    let removed = shared.borrow_mut().registry.remove(handle.id);
    if !removed.is_empty() {
        feed(shared, Input::LeaveChannel(handle.name.clone()));
    }
    drop(removed); // after the borrow (see Registry::remove)
}

/// `send`: validates, encodes with the original id, queues; the promise settles on ack, with
/// the application backend's result when the server passed one on (send proxy), else `{ id }`.
pub(crate) fn send(shared: &Shared, kind: &str, data: JsValue, topic: Option<String>) -> Promise {
    let id = shared.borrow_mut().core.next_message_id();
    let (promise, resolve, reject) = super::promise::deferred();
    shared.borrow_mut().pending.push((id.clone(), resolve, reject));
    match encode::message(&id, kind, topic.as_deref(), data) {
        Ok(text) => feed(shared, Input::Send { id, text }),
        Err(msg) => settle(shared, &id, Err(convert::error(&Error::new(ErrorCode::BadArgument, msg)))),
    }
    promise
}
