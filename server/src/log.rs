//! One user's replay log: the events a reconnecting tab may still ask for.
//!
//! Sequence numbers start at 1 and are never reused within an epoch, even after old entries
//! are evicted, so a client cursor stays meaningful. Retention is by count and by age. Time is
//! passed in (`now`) so the eviction rules can be tested without sleeping.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much history a log keeps.
///
/// ```
/// let r = spellwire_server::log::Retention { max_events: 1000, max_age: std::time::Duration::from_secs(120) };
/// assert_eq!(r.max_events, 1000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Keep at most this many events (at least one is always kept once stored).
    pub max_events: usize,
    /// Drop events older than this.
    pub max_age: Duration,
}

/// The retained range: events `first ..= head` are available; `first = head + 1` when empty.
///
/// ```
/// let w = spellwire_server::log::Window { first: 1, head: 0 };
/// assert!(w.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Lowest retained seq.
    pub first: u64,
    /// Highest seq ever assigned (0 before the first event).
    pub head: u64,
}

impl Window {
    /// True when nothing is retained.
    pub fn is_empty(&self) -> bool {
        self.first > self.head
    }
}

/// A per-user log of serialized event frames, ready to be written to sockets.
///
/// A first append makes room for exactly one entry (a first push would make room for four):
/// most users hold one event or a few, and with one event each 100,000 users took 46 MB instead
/// of 59 MB (`tests/sweep_rss.rs`).
///
/// ```
/// use spellwire_server::log::{EventLog, Retention};
/// use std::time::{Duration, Instant};
/// let mut log = EventLog::new(Retention { max_events: 2, max_age: Duration::from_secs(60) });
/// let now = Instant::now();
/// for _ in 0..3 { log.append(now, |seq| format!("{{\"seq\":{seq}}}")); }
/// assert_eq!(log.window().first, 2);
/// assert_eq!(log.since(2, now).len(), 1);
/// ```
#[derive(Debug)]
pub struct EventLog {
    retention: Retention,
    head: u64,
    entries: VecDeque<(u64, Instant, Arc<str>)>,
}

impl EventLog {
    /// An empty log; the first event will get seq 1.
    pub fn new(retention: Retention) -> Self {
        Self { retention, head: 0, entries: VecDeque::new() }
    }

    /// Assigns the next seq, lets `render` build the frame for it, stores and returns it.
    pub fn append(&mut self, now: Instant, render: impl FnOnce(u64) -> String) -> (u64, Arc<str>) {
        self.head += 1;
        let frame: Arc<str> = render(self.head).into();
        if self.entries.capacity() == 0 {
            self.entries.reserve_exact(1);
        }
        self.entries.push_back((self.head, now, frame.clone()));
        self.evict(now);
        (self.head, frame)
    }

    /// The retained range after evicting what is too old at `now`.
    pub fn window_at(&mut self, now: Instant) -> Window {
        self.evict(now);
        self.window()
    }

    /// The retained range as of the last eviction.
    pub fn window(&self) -> Window {
        let first = self.entries.front().map_or(self.head + 1, |e| e.0);
        Window { first, head: self.head }
    }

    /// Every retained frame with seq greater than `after`, oldest first.
    pub fn since(&mut self, after: u64, now: Instant) -> Vec<Arc<str>> {
        self.evict(now);
        let skip = self.entries.partition_point(|e| e.0 <= after);
        self.entries.iter().skip(skip).map(|e| e.2.clone()).collect()
    }

    fn evict(&mut self, now: Instant) {
        while self.entries.len() > self.retention.max_events.max(1) {
            self.entries.pop_front();
        }
        while let Some(&(_, at, _)) = self.entries.front() {
            if now.saturating_duration_since(at) <= self.retention.max_age {
                break;
            }
            self.entries.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(max_events: usize, secs: u64) -> EventLog {
        EventLog::new(Retention { max_events, max_age: Duration::from_secs(secs) })
    }

    #[test]
    fn seqs_start_at_one_and_keep_growing_after_eviction() {
        let mut l = log(2, 60);
        let t = Instant::now();
        let seqs: Vec<u64> = (0..5).map(|_| l.append(t, |s| s.to_string()).0).collect();
        assert_eq!(seqs, [1, 2, 3, 4, 5]);
        assert_eq!(l.window(), Window { first: 4, head: 5 });
    }

    #[test]
    fn since_returns_only_later_frames() {
        let mut l = log(10, 60);
        let t = Instant::now();
        for _ in 0..4 {
            l.append(t, |s| s.to_string());
        }
        let got: Vec<String> = l.since(2, t).iter().map(|f| f.to_string()).collect();
        assert_eq!(got, ["3", "4"]);
        assert!(l.since(4, t).is_empty());
        assert_eq!(l.since(0, t).len(), 4);
    }

    #[test]
    fn old_events_expire_but_head_stays() {
        let mut l = log(10, 5);
        let t = Instant::now();
        l.append(t, |s| s.to_string());
        l.append(t + Duration::from_secs(3), |s| s.to_string());
        let w = l.window_at(t + Duration::from_secs(7));
        assert_eq!(w, Window { first: 2, head: 2 });
        let w = l.window_at(t + Duration::from_secs(20));
        assert!(w.is_empty());
        assert_eq!(w, Window { first: 3, head: 2 });
    }

    #[test]
    fn empty_log_window() {
        assert_eq!(log(1, 1).window(), Window { first: 1, head: 0 });
    }
}
