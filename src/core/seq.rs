//! Inbound sequence tracking: every event is delivered once, in order, or repaired.

use crate::protocol::Cursor;

/// What to do with an event that arrived with a given seq.
///
/// ```
/// use spellwire::core::seq::{SeqTracker, Verdict};
/// let mut t = SeqTracker::default();
/// t.restart("e1", 0);
/// assert_eq!(t.accept(1), Verdict::Deliver);
/// assert_eq!(t.accept(1), Verdict::Duplicate);
/// assert_eq!(t.accept(3), Verdict::Gap { after: 1 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The next one: hand it to subscribers.
    Deliver,
    /// Already delivered (a replay overlapping what we had): drop it.
    Duplicate,
    /// Events are missing before it: drop it and ask for everything after `after`.
    Gap {
        /// Last seq delivered.
        after: u64,
    },
}

/// The client's cursor: the server log's epoch and the last seq delivered.
///
/// ```
/// use spellwire::core::seq::SeqTracker;
/// let t = SeqTracker::from_cursor(Some(spellwire::protocol::Cursor { epoch: "e".into(), seq: 9 }));
/// assert_eq!(t.cursor().unwrap().seq, 9);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SeqTracker {
    epoch: Option<String>,
    last: u64,
}

impl SeqTracker {
    /// Starts from a saved cursor (e.g. sessionStorage after a page reload), or none.
    ///
    /// ```
    /// assert!(spellwire::core::seq::SeqTracker::from_cursor(None).cursor().is_none());
    /// ```
    pub fn from_cursor(cursor: Option<Cursor>) -> Self {
        match cursor {
            Some(c) => SeqTracker { epoch: Some(c.epoch), last: c.seq },
            None => SeqTracker::default(),
        }
    }

    /// The cursor to present in `hello`, once the client has seen a welcome.
    ///
    /// ```
    /// let mut t = spellwire::core::seq::SeqTracker::default();
    /// t.restart("e2", 4);
    /// assert_eq!(t.cursor().unwrap().epoch, "e2");
    /// ```
    pub fn cursor(&self) -> Option<Cursor> {
        let epoch = self.epoch.clone()?;
        Some(Cursor { epoch, seq: self.last })
    }

    /// The last seq delivered (0 before any).
    ///
    /// ```
    /// assert_eq!(spellwire::core::seq::SeqTracker::default().last(), 0);
    /// ```
    pub fn last(&self) -> u64 {
        self.last
    }

    /// Adopts the position a welcome frame announced: the next event is `after + 1`.
    ///
    /// ```
    /// let mut t = spellwire::core::seq::SeqTracker::default();
    /// t.restart("e", 10);
    /// assert_eq!(t.accept(11), spellwire::core::seq::Verdict::Deliver);
    /// ```
    pub fn restart(&mut self, epoch: &str, after: u64) {
        self.epoch = Some(epoch.to_owned());
        self.last = after;
    }

    /// Judges one event's seq and, when it is the next one, advances the cursor.
    ///
    /// ```
    /// let mut t = spellwire::core::seq::SeqTracker::default();
    /// t.restart("e", 0);
    /// t.accept(1);
    /// assert_eq!(t.cursor().unwrap().seq, 1);
    /// ```
    pub fn accept(&mut self, seq: u64) -> Verdict {
        if seq <= self.last {
            Verdict::Duplicate
        } else if seq == self.last + 1 {
            self.last = seq;
            Verdict::Deliver
        } else {
            Verdict::Gap { after: self.last }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        // (arrivals, expected verdicts) starting after seq 5
        let cases: &[(&[u64], &[Verdict])] = &[
            (&[6, 7, 8], &[Verdict::Deliver, Verdict::Deliver, Verdict::Deliver]),
            (&[6, 6, 5], &[Verdict::Deliver, Verdict::Duplicate, Verdict::Duplicate]),
            (&[7, 6, 7], &[Verdict::Gap { after: 5 }, Verdict::Deliver, Verdict::Deliver]),
            (&[1], &[Verdict::Duplicate]),
        ];
        for (arrivals, want) in cases {
            let mut t = SeqTracker::default();
            t.restart("e", 5);
            let got: Vec<Verdict> = arrivals.iter().map(|s| t.accept(*s)).collect();
            assert_eq!(&got, want, "arrivals {arrivals:?}");
        }
    }
}
