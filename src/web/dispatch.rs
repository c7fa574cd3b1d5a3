//! Who listens to what: lifecycle names, application event types, `*`, topics, and channels.
//!
//! Channel events reach only their channel's listeners: `*`, types and topics are the personal
//! stream's, so a page that joins a channel sees nothing new in its existing listeners.

use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// A listener; an `Err` (the listener threw) becomes an `error` event.
pub(crate) type Callback = Rc<dyn Fn(&JsValue) -> Result<(), String>>;

// A listener runs once per event, so its call is the hot path's one call out of the wasm.
// `Function.call` through wasm-bindgen's `catch` wraps each call in a closure over `arguments`
// (garbage per event) and stores its result in the externref table; this returns a bool and
// keeps what was thrown aside until asked for.
#[wasm_bindgen(inline_js = "let thrown;
export function callListener(f, v) { try { f(v); return false; } catch (e) { thrown = e; return true; } }
export function takeThrown() { const e = thrown; thrown = undefined; return e; }")]
extern "C" {
    #[wasm_bindgen(js_name = callListener)]
    fn call_listener(f: &js_sys::Function, value: &JsValue) -> bool;
    #[wasm_bindgen(js_name = takeThrown)]
    fn take_thrown() -> JsValue;
}

/// A JS function as a [`Callback`]: what it throws becomes the `Err`'s message.
pub(crate) fn js_listener(f: js_sys::Function) -> Callback {
    Rc::new(move |v: &JsValue| match call_listener(&f, v) {
        false => Ok(()),
        true => Err(super::convert::describe(&take_thrown())),
    })
}

/// Lifecycle names: an application event with one of these types (or `*`) still reaches `*`
/// and its topic's subscribers, but never these listeners.
const LIFECYCLE: [&str; 3] = ["state", "error", "reset"];

/// What a listener listens to, sorted out once when it is added: the per-event match then
/// compares no names but the event's own type and topic.
enum Key {
    /// `*`: every application event of the personal stream.
    Any,
    /// A lifecycle name: `state`, `error` or `reset`.
    Lifecycle(String),
    /// An application event type.
    Type(String),
    Topic(String),
    /// A channel's event listener.
    Channel(String),
    /// A channel's error listener (its refusals).
    ChannelError(String),
}

/// Listeners in registration order, each with an id for removal.
#[derive(Default)]
pub(crate) struct Registry {
    next_id: u32,
    entries: Vec<(u32, Key, Callback)>,
}

impl Registry {
    /// Adds a listener for a name (`state`, `error`, `reset`, `*`, or an event type).
    pub(crate) fn on(&mut self, name: &str, cb: Callback) -> u32 {
        let key = match name {
            "*" => Key::Any,
            _ if LIFECYCLE.contains(&name) => Key::Lifecycle(name.to_owned()),
            _ => Key::Type(name.to_owned()),
        };
        self.add(key, cb)
    }

    /// Adds a subscriber to a topic's events.
    pub(crate) fn subscribe(&mut self, topic: &str, cb: Callback) -> u32 {
        self.add(Key::Topic(topic.to_owned()), cb)
    }

    /// Adds a channel's event listener and, when given, its error listener, under one id.
    pub(crate) fn channel(&mut self, name: &str, on_event: Callback, on_error: Option<Callback>) -> u32 {
        let id = self.add(Key::Channel(name.to_owned()), on_event);
        if let Some(cb) = on_error {
            self.entries.push((id, Key::ChannelError(name.to_owned()), cb));
        }
        id
    }

    fn add(&mut self, key: Key, cb: Callback) -> u32 {
        self.next_id += 1;
        self.entries.push((self.next_id, key, cb));
        self.next_id
    }

    /// Removes the listeners of one registration and hands them back (none when already
    /// removed), for the caller to drop once its borrow of the client has ended: dropping a
    /// Rust listener can drop what it captured, even the last handle of this very client,
    /// whose close needs the client.
    pub(crate) fn remove(&mut self, id: u32) -> Vec<Callback> {
        let mut removed = Vec::new();
        while let Some(at) = self.entries.iter().position(|(i, _, _)| *i == id) {
            removed.push(self.entries.remove(at).2);
        }
        removed
    }

    /// Listeners of a lifecycle name.
    pub(crate) fn named(&self, name: &str) -> Vec<Callback> {
        let mut out = Vec::new();
        self.push_matching(&mut out, &|k| matches!(k, Key::Lifecycle(n) if n == name));
        out
    }

    /// Listeners an application event reaches: its type, then `*`, then its topic.
    ///
    /// This runs for every event, so the event's `type` and `topic` are read from the JS object
    /// only when some listener could match them (the common `*`-only page reads neither).
    /// The listeners go into `out` (cleared first), which the caller reuses: no allocation per
    /// event once it has room.
    pub(crate) fn for_event(&self, event: &JsValue, out: &mut Vec<Callback>) {
        out.clear();
        let field = |name: &'static str| super::fields::get(event, name).as_string();
        let by_type = self.entries.iter().any(|(_, k, _)| matches!(k, Key::Type(_)));
        let by_topic = self.entries.iter().any(|(_, k, _)| matches!(k, Key::Topic(_)));
        if let Some(kind) = by_type.then(|| field("type")).flatten() {
            self.push_matching(out, &|k| matches!(k, Key::Type(n) if *n == kind));
        }
        self.push_matching(out, &|k| matches!(k, Key::Any));
        if let Some(topic) = by_topic.then(|| field("topic")).flatten() {
            self.push_matching(out, &|k| matches!(k, Key::Topic(t) if *t == topic));
        }
    }

    /// Listeners of a channel's events, into `out` (cleared first, reused like [`Registry::for_event`]).
    pub(crate) fn for_channel(&self, name: &str, out: &mut Vec<Callback>) {
        out.clear();
        self.push_matching(out, &|k| matches!(k, Key::Channel(n) if n == name));
    }

    /// Error listeners of a channel.
    pub(crate) fn channel_errors(&self, name: &str) -> Vec<Callback> {
        let mut out = Vec::new();
        self.push_matching(&mut out, &|k| matches!(k, Key::ChannelError(n) if n == name));
        out
    }

    /// `pred` is a `&dyn Fn`: a generic one put a copy of this loop in the wasm per caller.
    fn push_matching(&self, out: &mut Vec<Callback>, pred: &dyn Fn(&Key) -> bool) {
        out.extend(self.entries.iter().filter(|(_, k, _)| pred(k)).map(|(_, _, cb)| cb.clone()));
    }
}
