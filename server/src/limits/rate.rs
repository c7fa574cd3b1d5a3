//! The frame rate limit of one socket: a token bucket of `burst` frames refilled at `per_sec`,
//! kept as a single number, the time at which the bucket would be full again (the generic cell
//! rate algorithm). An idle socket pays 8 bytes for it and nothing is allocated.

/// How fast a socket may send: `per_sec` frames a second on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Sustained frames per second (at least 1).
    pub per_sec: u32,
    /// Frames the socket may send back to back after being quiet (at least 1).
    pub burst: u32,
}

/// One socket's frame budget.
///
/// ```
/// use spellwire_server::limits::rate::{FrameBudget, Rate};
/// let rate = Rate { per_sec: 10, burst: 3 };
/// let mut b = FrameBudget::default();
/// assert!((0..3).all(|_| b.admit(0, rate))); // the burst
/// assert!(!b.admit(0, rate));                // one more at once is over
/// assert!(b.admit(100_000, rate));           // 100 ms later one frame has been earned
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct FrameBudget {
    /// When (µs, [`super::now_us`]) the bucket would be full again if nothing more were sent.
    full_at_us: u64,
}

impl FrameBudget {
    /// Takes one frame arriving at `now_us` out of the budget; false when the socket is over
    /// its limit (the frame is not counted then).
    pub fn admit(&mut self, now_us: u64, rate: Rate) -> bool {
        let interval = 1_000_000 / u64::from(rate.per_sec.max(1));
        let slack = interval * u64::from(rate.burst.max(1) - 1);
        if self.full_at_us > now_us.saturating_add(slack) {
            return false;
        }
        self.full_at_us = self.full_at_us.max(now_us) + interval;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate { per_sec: 50, burst: 100 };

    /// How many of `frames` frames, sent `gap_us` apart from `start_us`, are admitted before
    /// the first refusal.
    fn admitted(start_us: u64, gap_us: u64, frames: u64) -> u64 {
        let mut b = FrameBudget::default();
        (0..frames).take_while(|i| b.admit(start_us + i * gap_us, RATE)).count() as u64
    }

    #[test]
    fn burst_then_sustained_rate() {
        let cases = [
            // (start, gap between frames, frames sent, admitted before the first refusal)
            (0, 0, 150, 100),                     // all at once: the burst
            (5_000_000_000, 0, 150, 100),         // the same much later: the bucket starts full
            (0, 20_000, 10_000, 10_000),          // exactly 50/s forever
            (0, 25_000, 10_000, 10_000),          // slower than that
            (0, 10_000, 10_000, 199),             // 100/s: gains 1 per 2 frames, the burst lasts 2 s
            (0, 19_000, 10_000, 1_981),           // a little too fast is still found out
        ];
        for (start, gap, frames, want) in cases {
            assert_eq!(admitted(start, gap, frames), want, "start {start} gap {gap}");
        }
    }

    #[test]
    fn a_quiet_socket_earns_its_burst_back_and_no_more() {
        let mut b = FrameBudget::default();
        assert!((0..100).all(|_| b.admit(0, RATE)));
        assert!(!b.admit(0, RATE));
        let later = 60_000_000; // a minute of silence
        assert!((0..100).all(|_| b.admit(later, RATE)));
        assert!(!b.admit(later, RATE), "silence does not bank more than the burst");
    }

    #[test]
    fn a_refused_frame_costs_nothing() {
        let mut b = FrameBudget::default();
        assert!((0..100).all(|_| b.admit(0, RATE)));
        assert!((0..50).all(|_| !b.admit(0, RATE)));
        assert!(b.admit(20_000, RATE), "the next earned frame is not eaten by the refused ones");
    }
}
