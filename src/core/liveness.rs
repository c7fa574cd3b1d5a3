//! Heartbeat and liveness, judged by wall-clock time.
//!
//! Hidden tabs throttle timers to about once a minute, so counting timer ticks would call a
//! healthy socket dead (or a dead one healthy). Instead every decision compares `now` with the
//! time the last frame arrived: a late timer simply finds the deadline already passed.
//!
//! Dead means both: nothing arrived for `interval + grace`, and a ping has been waiting for an
//! answer for `grace`. The second condition matters when the timer was throttled: an idle but
//! healthy socket whose ping could not be sent on time gets probed first, not dropped.

/// Ping schedule, round-trip time and the "no frame for too long" deadline of one socket.
///
/// ```
/// use spellwire::core::liveness::Liveness;
/// let mut l = Liveness::new(1000.0, 500.0);
/// l.start(0.0);
/// let id = l.ping(0.0);
/// assert_eq!(l.pong(id, 20.0), Some(20.0));
/// assert!(!l.is_dead(1400.0));
/// l.ping(1020.0); // due at 20 + 1000; no answer comes
/// assert!(l.is_dead(1600.0)); // no frame since t=20: 20 + 1000 + 500 < 1600
/// ```
#[derive(Debug, Clone)]
pub struct Liveness {
    interval_ms: f64,
    grace_ms: f64,
    last_rx: f64,
    last_ping: f64,
    pending: Option<(u64, f64)>,
    probe_since: Option<f64>,
    next_id: u64,
    latency: Option<f64>,
}

impl Liveness {
    /// Pings every `interval_ms`; dead after `interval_ms + grace_ms` without any frame.
    ///
    /// ```
    /// let l = spellwire::core::liveness::Liveness::new(25000.0, 10000.0);
    /// assert_eq!(l.latency(), None);
    /// ```
    pub fn new(interval_ms: f64, grace_ms: f64) -> Self {
        Liveness {
            interval_ms,
            grace_ms,
            last_rx: 0.0,
            last_ping: 0.0,
            pending: None,
            probe_since: None,
            next_id: 1,
            latency: None,
        }
    }

    /// Changes the interval (the server may advertise one) without losing the latency.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(25000.0, 10000.0);
    /// l.set_interval(1000.0);
    /// l.start(0.0);
    /// assert_eq!(l.next_deadline(), 1000.0);
    /// ```
    pub fn set_interval(&mut self, interval_ms: f64) {
        self.interval_ms = interval_ms;
    }

    /// A socket became ready at `now`: the clocks start from here.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// l.start(1000.0);
    /// assert!(!l.is_dead(1100.0));
    /// ```
    pub fn start(&mut self, now: f64) {
        self.last_rx = now;
        self.last_ping = now;
        self.pending = None;
        self.probe_since = None;
    }

    /// Any frame arrived: the socket is alive.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// l.start(0.0);
    /// l.received(140.0);
    /// assert!(!l.is_dead(200.0));
    /// ```
    pub fn received(&mut self, now: f64) {
        self.last_rx = self.last_rx.max(now);
        self.probe_since = None;
    }

    /// True when the next ping is due.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// l.start(0.0);
    /// assert!(l.ping_due(100.0));
    /// ```
    pub fn ping_due(&self, now: f64) -> bool {
        now >= self.last_ping + self.interval_ms
    }

    /// Records a ping sent at `now` and returns its id.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// assert_ne!(l.ping(0.0), l.ping(1.0));
    /// ```
    pub fn ping(&mut self, now: f64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.last_ping = now;
        self.pending = Some((id, now));
        self.probe_since.get_or_insert(now);
        id
    }

    /// A pong arrived; returns the smoothed latency when it answers the last ping.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// let id = l.ping(0.0);
    /// assert_eq!(l.pong(id + 1, 5.0), None); // an answer to some other ping
    /// ```
    pub fn pong(&mut self, id: u64, now: f64) -> Option<f64> {
        self.received(now);
        let (pending_id, sent) = self.pending?;
        if pending_id != id {
            return None;
        }
        self.pending = None;
        let rtt = (now - sent).max(0.0);
        let smoothed = match self.latency {
            Some(old) => old * 0.8 + rtt * 0.2,
            None => rtt,
        };
        self.latency = Some(smoothed);
        Some(smoothed)
    }

    /// Smoothed round-trip time in ms, once a pong arrived.
    ///
    /// ```
    /// assert_eq!(spellwire::core::liveness::Liveness::new(1.0, 1.0).latency(), None);
    /// ```
    pub fn latency(&self) -> Option<f64> {
        self.latency
    }

    /// True when nothing arrived for longer than interval + grace and a ping went unanswered
    /// for grace.
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// l.start(0.0);
    /// assert!(!l.is_dead(151.0)); // silent, but never asked: probe first
    /// l.ping(151.0);
    /// assert!(l.is_dead(202.0));
    /// ```
    pub fn is_dead(&self, now: f64) -> bool {
        let silent = now > self.last_rx + self.interval_ms + self.grace_ms;
        silent && self.probe_since.is_some_and(|t| now > t + self.grace_ms)
    }

    /// The earliest moment this socket needs attention (a ping or the death check).
    ///
    /// ```
    /// let mut l = spellwire::core::liveness::Liveness::new(100.0, 50.0);
    /// l.start(0.0);
    /// assert_eq!(l.next_deadline(), 100.0);
    /// ```
    pub fn next_deadline(&self) -> f64 {
        let ping_at = self.last_ping + self.interval_ms;
        let Some(probe) = self.probe_since else { return ping_at };
        let dead_at = (self.last_rx + self.interval_ms).max(probe) + self.grace_ms + 1.0;
        ping_at.min(dead_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_smoothed() {
        let mut l = Liveness::new(1000.0, 0.0);
        let a = l.ping(0.0);
        assert_eq!(l.pong(a, 10.0), Some(10.0));
        let b = l.ping(100.0);
        assert_eq!(l.pong(b, 120.0), Some(12.0)); // 10 * 0.8 + 20 * 0.2
    }

    #[test]
    fn a_throttled_timer_still_sees_death() {
        // A hidden tab's timer fires a minute late: an unanswered ping still means dead.
        let mut l = Liveness::new(25_000.0, 10_000.0);
        l.start(0.0);
        l.ping(0.0);
        assert!(l.is_dead(60_000.0));
        assert!(!l.is_dead(9_000.0));
    }

    #[test]
    fn a_throttled_timer_probes_a_healthy_idle_socket_first() {
        let mut l = Liveness::new(25_000.0, 10_000.0);
        l.start(0.0);
        let id = l.ping(0.0);
        l.pong(id, 5.0);
        assert!(!l.is_dead(60_000.0)); // silent a minute, but nothing went unanswered
        assert!(l.ping_due(60_000.0));
        l.ping(60_000.0);
        assert_eq!(l.next_deadline(), 70_001.0);
        assert!(l.is_dead(70_001.0));
    }
}
