//! Bounded memory of message ids already applied, so a resent `send` is acked but not applied
//! twice. The oldest ids are forgotten first; a client resends within seconds, not after
//! thousands of newer messages.

use std::collections::{HashSet, VecDeque};

/// A set of the most recent `cap` ids.
///
/// ```
/// let mut ids = spellwire_server::idem::IdSet::new(2);
/// assert!(ids.insert("a"));
/// assert!(!ids.insert("a")); // a resend
/// ids.insert("b");
/// ids.insert("c"); // "a" is forgotten
/// assert!(ids.insert("a"));
/// ```
#[derive(Debug)]
pub struct IdSet {
    cap: usize,
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl IdSet {
    /// An empty set remembering at most `cap` ids (at least one).
    pub fn new(cap: usize) -> Self {
        Self { cap: cap.max(1), order: VecDeque::new(), seen: HashSet::new() }
    }

    /// Remembers `id`; true when it was not already remembered (apply it), false for a resend.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.cap {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        self.order.push_back(id.to_owned());
        self.seen.insert(id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::IdSet;

    #[test]
    fn remembers_up_to_cap() {
        let mut s = IdSet::new(3);
        let fresh: Vec<bool> = ["a", "b", "a", "c", "d", "a", "d"].iter().map(|i| s.insert(i)).collect();
        assert_eq!(fresh, [true, true, false, true, true, true, false]);
    }
}
