//! Who listens to what: lifecycle names, application event types, `*`, and topics.

use js_sys::Reflect;
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A listener; an `Err` (the listener threw) becomes an `error` event.
pub(crate) type Callback = Rc<dyn Fn(&JsValue) -> Result<(), String>>;

/// Lifecycle names: an application event with one of these types still reaches `*` and its
/// topic's subscribers, but never these listeners.
pub(crate) const RESERVED: [&str; 4] = ["state", "error", "reset", "*"];

#[derive(Clone, PartialEq)]
enum Key {
    Name(String),
    Topic(String),
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
        self.add(Key::Name(name.to_owned()), cb)
    }

    /// Adds a subscriber to a topic's events.
    pub(crate) fn subscribe(&mut self, topic: &str, cb: Callback) -> u32 {
        self.add(Key::Topic(topic.to_owned()), cb)
    }

    fn add(&mut self, key: Key, cb: Callback) -> u32 {
        self.next_id += 1;
        self.entries.push((self.next_id, key, cb));
        self.next_id
    }

    /// Removes a listener; removing twice is harmless.
    pub(crate) fn remove(&mut self, id: u32) {
        self.entries.retain(|(i, _, _)| *i != id);
    }

    /// Listeners of a lifecycle name.
    pub(crate) fn named(&self, name: &str) -> Vec<Callback> {
        let key = Key::Name(name.to_owned());
        self.matching(|k| *k == key)
    }

    /// Listeners an application event reaches: its type, then `*`, then its topic.
    pub(crate) fn for_event(&self, event: &JsValue) -> Vec<Callback> {
        let field = |name: &str| Reflect::get(event, &name.into()).ok().and_then(|v| v.as_string());
        let kind = field("type").filter(|k| !RESERVED.contains(&k.as_str()));
        let topic = field("topic");
        let mut out = Vec::new();
        if let Some(kind) = kind {
            out.extend(self.named(&kind));
        }
        out.extend(self.named("*"));
        if let Some(topic) = topic {
            let key = Key::Topic(topic);
            out.extend(self.matching(|k| *k == key));
        }
        out
    }

    fn matching(&self, pred: impl Fn(&Key) -> bool) -> Vec<Callback> {
        self.entries.iter().filter(|(_, k, _)| pred(k)).map(|(_, _, cb)| cb.clone()).collect()
    }
}
