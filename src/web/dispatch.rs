//! Who listens to what: lifecycle names, application event types, `*`, and topics.

use std::rc::Rc;
use wasm_bindgen::JsValue;

/// A listener; an `Err` (the listener threw) becomes an `error` event.
pub(crate) type Callback = Rc<dyn Fn(&JsValue) -> Result<(), String>>;

/// Lifecycle names: an application event with one of these types still reaches `*` and its
/// topic's subscribers, but never these listeners.
pub(crate) const RESERVED: [&str; 4] = ["state", "error", "reset", "*"];

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

    /// Removes a listener and hands it back (`None` when already removed), for the caller to
    /// drop once its borrow of the client has ended: dropping a Rust listener can drop what it
    /// captured, even the last handle of this very client, whose close needs the client.
    pub(crate) fn remove(&mut self, id: u32) -> Option<Callback> {
        let at = self.entries.iter().position(|(i, _, _)| *i == id)?;
        Some(self.entries.remove(at).2)
    }

    /// Listeners of a lifecycle name.
    pub(crate) fn named(&self, name: &str) -> Vec<Callback> {
        let mut out = Vec::new();
        self.push_matching(&mut out, |k| matches!(k, Key::Name(n) if n == name));
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
        let (mut by_type, mut by_topic) = (false, false);
        for (_, key, _) in &self.entries {
            match key {
                Key::Name(n) if !RESERVED.contains(&n.as_str()) => by_type = true,
                Key::Topic(_) => by_topic = true,
                Key::Name(_) => {}
            }
        }
        if let Some(kind) = by_type.then(|| field("type")).flatten() {
            if !RESERVED.contains(&kind.as_str()) {
                self.push_matching(out, |k| matches!(k, Key::Name(n) if *n == kind));
            }
        }
        self.push_matching(out, |k| matches!(k, Key::Name(n) if n == "*"));
        if let Some(topic) = by_topic.then(|| field("topic")).flatten() {
            self.push_matching(out, |k| matches!(k, Key::Topic(t) if *t == topic));
        }
    }

    fn push_matching(&self, out: &mut Vec<Callback>, pred: impl Fn(&Key) -> bool) {
        out.extend(self.entries.iter().filter(|(_, k, _)| pred(k)).map(|(_, _, cb)| cb.clone()));
    }
}
