//! The bounded queue of messages the server has not acked yet.
//!
//! A message enters on `send`, is written to the socket when one is open, and leaves only on
//! the server's ack (or nack). On every reconnect the whole queue is written again, in order,
//! with the original ids: the server acks each id once and applies it once.

use serde::Deserialize;

/// What `send` does when the queue already holds `queueLimit` unacked messages.
///
/// ```
/// use spellwire::core::outbox::Overflow;
/// let o: Overflow = serde_json::from_str(r#""drop-oldest""#).unwrap();
/// assert_eq!(o, Overflow::DropOldest);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// Refuse the new message (its promise rejects with `QueueFull`). The default.
    Reject,
    /// Evict the oldest message (its promise rejects with `QueueFull`) and keep the new one.
    DropOldest,
}

/// Result of a push that did not simply fit.
///
/// ```
/// use spellwire::core::outbox::{Outbox, Overflow, Pushed};
/// let mut o = Outbox::new(1, Overflow::DropOldest);
/// o.push("a".into(), "A".into());
/// assert_eq!(o.push("b".into(), "B".into()), Pushed::Evicted("a".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// Queued.
    Queued,
    /// Queued after evicting the message with this id.
    Evicted(String),
    /// Not queued: the queue is full and overflow is `reject`.
    Refused,
}

/// Unacked messages in send order: `(id, encoded frame, deferred)`. A deferred message is one
/// the server answered with `retry` (the application backend could not take it yet): it stays
/// queued and is written again by [`Outbox::take_deferred`] after a backoff, or with the rest
/// after a reconnect.
///
/// A `Vec`, not a `VecDeque`: the queue is short (`queueLimit`, 100 by default and at most
/// [`crate::options::MAX_QUEUE_LIMIT`]), so shifting it on an ack costs little, and the wasm
/// keeps no ring-buffer code.
///
/// ```
/// use spellwire::core::outbox::{Outbox, Overflow};
/// let mut o = Outbox::new(10, Overflow::Reject);
/// o.push("m1".into(), "{..}".into());
/// assert!(o.ack("m1"));
/// assert!(o.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct Outbox {
    limit: usize,
    overflow: Overflow,
    items: Vec<(String, String, bool)>,
}

impl Outbox {
    /// An empty queue holding at most `limit` messages.
    ///
    /// ```
    /// let o = spellwire::core::outbox::Outbox::new(100, spellwire::core::outbox::Overflow::Reject);
    /// assert_eq!(o.len(), 0);
    /// ```
    pub fn new(limit: usize, overflow: Overflow) -> Self {
        Outbox { limit, overflow, items: Vec::new() }
    }

    /// Adds a message at the back, applying the overflow rule when full.
    ///
    /// ```
    /// use spellwire::core::outbox::{Outbox, Overflow, Pushed};
    /// let mut o = Outbox::new(1, Overflow::Reject);
    /// assert_eq!(o.push("a".into(), "A".into()), Pushed::Queued);
    /// assert_eq!(o.push("b".into(), "B".into()), Pushed::Refused);
    /// ```
    pub fn push(&mut self, id: String, text: String) -> Pushed {
        let mut result = Pushed::Queued;
        if self.items.len() >= self.limit {
            match self.overflow {
                Overflow::DropOldest if !self.items.is_empty() => result = Pushed::Evicted(self.items.remove(0).0),
                _ => return Pushed::Refused, // reject, or limit 0
            }
        }
        self.items.push((id, text, false));
        result
    }

    /// Removes the message with this id; false when it was not there (a repeated ack).
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// assert!(!o.ack("nope"));
    /// ```
    pub fn ack(&mut self, id: &str) -> bool {
        match self.items.iter().position(|(i, _, _)| i == id) {
            Some(at) => {
                self.items.remove(at);
                true
            }
            None => false,
        }
    }

    /// The encoded frames in send order, to write after a (re)connect.
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// o.push("a".into(), "A".into());
    /// assert_eq!(o.frames().collect::<Vec<_>>(), ["A"]);
    /// ```
    pub fn frames(&mut self) -> impl Iterator<Item = &str> {
        self.items.iter_mut().for_each(|item| item.2 = false); // all of them go out now
        self.items.iter().map(|(_, text, _)| text.as_str())
    }

    /// Marks the message with this id to be written again later; false when it is not queued
    /// (acked meanwhile, or a `retry` for someone else's id).
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// o.push("a".into(), "A".into());
    /// assert!(o.defer("a"));
    /// assert!(!o.defer("b"));
    /// ```
    pub fn defer(&mut self, id: &str) -> bool {
        let item = self.items.iter_mut().find(|(i, _, _)| i == id);
        item.map(|item| item.2 = true).is_some()
    }

    /// The deferred messages' frames, in send order, no longer deferred (they are being sent).
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// o.push("a".into(), "A".into());
    /// o.push("b".into(), "B".into());
    /// o.defer("b");
    /// assert_eq!(o.take_deferred(), ["B"]);
    /// assert!(o.take_deferred().is_empty());
    /// ```
    pub fn take_deferred(&mut self) -> Vec<String> {
        let deferred = self.items.iter_mut().filter(|item| item.2);
        deferred.map(|item| (item.2 = false, item.1.clone()).1).collect()
    }

    /// Removes the oldest message, returning its id: the one the server refused as too big
    /// (messages go out in order, so the first unacked one is the culprit).
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// o.push("a".into(), "A".into());
    /// assert_eq!(o.pop_oldest().as_deref(), Some("a"));
    /// ```
    pub fn pop_oldest(&mut self) -> Option<String> {
        (!self.items.is_empty()).then(|| self.items.remove(0).0)
    }

    /// Empties the queue, returning the ids (their promises must be settled).
    ///
    /// ```
    /// let mut o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// o.push("a".into(), "A".into());
    /// assert_eq!(o.clear(), ["a"]);
    /// ```
    pub fn clear(&mut self) -> Vec<String> {
        self.items.drain(..).map(|(id, _, _)| id).collect()
    }

    /// Number of unacked messages.
    ///
    /// ```
    /// let o = spellwire::core::outbox::Outbox::new(2, spellwire::core::outbox::Overflow::Reject);
    /// assert_eq!(o.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when every message was acked.
    ///
    /// ```
    /// assert!(spellwire::core::outbox::Outbox::new(1, spellwire::core::outbox::Overflow::Reject).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(o: &Outbox) -> Vec<String> {
        o.items.iter().map(|(i, _, _)| i.clone()).collect()
    }

    #[test]
    fn reject_keeps_the_queue_unchanged() {
        let mut o = Outbox::new(2, Overflow::Reject);
        o.push("a".into(), "A".into());
        o.push("b".into(), "B".into());
        assert_eq!(o.push("c".into(), "C".into()), Pushed::Refused);
        assert_eq!(ids(&o), ["a", "b"]);
    }

    #[test]
    fn drop_oldest_keeps_order() {
        let mut o = Outbox::new(2, Overflow::DropOldest);
        for id in ["a", "b", "c"] {
            o.push(id.into(), id.to_uppercase());
        }
        assert_eq!(ids(&o), ["b", "c"]);
        assert_eq!(o.frames().collect::<Vec<_>>(), ["B", "C"]);
    }

    #[test]
    fn acks_out_of_order_remove_only_their_message() {
        let mut o = Outbox::new(3, Overflow::Reject);
        for id in ["a", "b", "c"] {
            o.push(id.into(), id.into());
        }
        assert!(o.ack("b"));
        assert!(!o.ack("b"));
        assert_eq!(ids(&o), ["a", "c"]);
    }

    #[test]
    fn zero_limit_refuses_everything() {
        let mut o = Outbox::new(0, Overflow::DropOldest);
        assert_eq!(o.push("a".into(), "A".into()), Pushed::Refused);
    }
}
