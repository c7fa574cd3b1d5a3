//! How often one socket is served a `replay`. A replay copies every retained event after
//! `after` into the socket's queue (with Redis, reads them over the network first), so a client
//! repeating `{"op":"replay","after":0}` could make the server copy the user's whole log over and
//! over. One socket is served at most one replay per interval; requests in between are merged
//! into a single pending one (from the smallest `after`, which covers them all, since the client
//! drops what it already has) and served when the interval has passed. Merging rather than
//! refusing keeps an honest client's gap repaired without an error to handle. The socket's reader
//! serves a replay inline, so a second cannot start before the first is queued whole.
//!
//! Each stream a socket reads (its personal stream and each channel) has its own gate
//! ([`Replays`]): a gap in one channel is not held back by a repair of another.

use std::collections::HashMap;

/// One socket's replay requests: when the next may be served, and the one waiting.
///
/// ```
/// use spellwire_server::limits::replay::ReplayGate;
/// let mut g = ReplayGate::default();
/// assert_eq!(g.request(0, 41, 1_000_000), Some(41)); // the first is served at once
/// assert_eq!(g.request(10, 50, 1_000_000), None);    // merged, to be served later
/// assert_eq!(g.request(20, 45, 1_000_000), None);
/// assert_eq!(g.due(), Some(1_000_000));
/// assert_eq!(g.take_due(1_000_000, 1_000_000), Some(45));
/// assert_eq!(g.due(), None);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct ReplayGate {
    /// Earliest time (µs, [`super::now_us`]) the next replay may be served.
    next_us: u64,
    /// The `after` of the merged requests waiting for `next_us`.
    pending: Option<u64>,
}

impl ReplayGate {
    /// A replay from `after` asked at `now_us`: the `after` to serve now, or None when it waits
    /// (merged with any other waiting request) until [`ReplayGate::due`].
    pub fn request(&mut self, now_us: u64, after: u64, interval_us: u64) -> Option<u64> {
        self.pending = Some(self.pending.map_or(after, |p| p.min(after)));
        self.take_due(now_us, interval_us)
    }

    /// When the waiting replay may be served, if one is waiting.
    pub fn due(&self) -> Option<u64> {
        self.pending.map(|_| self.next_us)
    }

    /// The waiting replay's `after` if it may be served at `now_us`; the next interval starts.
    pub fn take_due(&mut self, now_us: u64, interval_us: u64) -> Option<u64> {
        if now_us < self.next_us {
            return None;
        }
        let after = self.pending.take()?;
        self.next_us = now_us.saturating_add(interval_us);
        Some(after)
    }
}

/// One socket's replay gates: the personal stream's, and one per channel asked about.
///
/// ```
/// use spellwire_server::limits::replay::Replays;
/// let mut r = Replays::default();
/// assert_eq!(r.request(None, 0, 4, 1_000_000), Some(4));
/// assert_eq!(r.request(Some("crew:a"), 0, 7, 1_000_000), Some(7)); // its own gate
/// assert_eq!(r.request(Some("crew:a"), 5, 3, 1_000_000), None);
/// assert_eq!(r.due(), Some(1_000_000));
/// assert_eq!(r.take_due(1_000_000, 1_000_000), [(Some("crew:a".to_string()), 3)]);
/// ```
#[derive(Debug, Default)]
pub struct Replays {
    personal: ReplayGate,
    channels: HashMap<String, ReplayGate>,
}

impl Replays {
    /// A replay of `channel` (None: the personal stream) from `after`, asked at `now_us`: the
    /// `after` to serve now, or None when it waits ([`ReplayGate::request`]).
    pub fn request(&mut self, channel: Option<&str>, now_us: u64, after: u64, interval_us: u64) -> Option<u64> {
        self.gate(channel).request(now_us, after, interval_us)
    }

    /// When the earliest waiting replay may be served, if one is waiting.
    pub fn due(&self) -> Option<u64> {
        let channels = self.channels.values().filter_map(ReplayGate::due);
        self.personal.due().into_iter().chain(channels).min()
    }

    /// Every waiting replay that may be served at `now_us`, as `(channel, after)`.
    pub fn take_due(&mut self, now_us: u64, interval_us: u64) -> Vec<(Option<String>, u64)> {
        let mut due: Vec<(Option<String>, u64)> = Vec::new();
        if let Some(after) = self.personal.take_due(now_us, interval_us) {
            due.push((None, after));
        }
        for (channel, gate) in &mut self.channels {
            if let Some(after) = gate.take_due(now_us, interval_us) {
                due.push((Some(channel.clone()), after));
            }
        }
        due
    }

    /// Drops `channel`'s gate (the socket left it), with any replay waiting there.
    pub fn forget(&mut self, channel: &str) {
        self.channels.remove(channel);
    }

    fn gate(&mut self, channel: Option<&str>) -> &mut ReplayGate {
        match channel {
            None => &mut self.personal,
            Some(channel) => self.channels.entry(channel.to_owned()).or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000;

    #[test]
    fn a_flood_is_served_once_per_interval() {
        let mut g = ReplayGate::default();
        let mut served = Vec::new();
        // 50 requests a second for 3 s, each from a different `after`; the timer fires on time.
        for i in 0..150u64 {
            let now = i * SEC / 50;
            if let Some(after) = g.due().filter(|&due| due <= now).and_then(|_| g.take_due(now, SEC)) {
                served.push((now, after));
            }
            if let Some(after) = g.request(now, 100 - i % 7, SEC) {
                served.push((now, after));
            }
        }
        let times: Vec<u64> = served.iter().map(|s| s.0).collect();
        assert_eq!(times, [0, SEC, 2 * SEC], "one per second");
        assert!(served[1..].iter().all(|s| s.1 == 94), "merged from the smallest after: {served:?}");
    }

    #[test]
    fn requests_spaced_by_the_interval_are_all_served_at_once() {
        let mut g = ReplayGate::default();
        for k in 0..5 {
            assert_eq!(g.request(k * SEC, k, SEC), Some(k));
        }
        assert_eq!(g.due(), None);
    }

    #[test]
    fn zero_interval_serves_everything() {
        let mut g = ReplayGate::default();
        assert!((0..100).all(|i| g.request(7, i, 0) == Some(i)));
    }
}
