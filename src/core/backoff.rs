//! When to try again: exponential backoff with jitter, as a pure function.
//!
//! Kept apart from any timer (phoenix's `timerCalc` idea): the schedule is a number, the
//! driver decides how to wait for it. Randomness comes in as an argument so tests can pin it.

use serde::Deserialize;

/// How much randomness spreads the retries of many clients after a server restart.
///
/// ```
/// use spellwire::core::backoff::Jitter;
/// assert_ne!(Jitter::Full, Jitter::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jitter {
    /// Uniform in `[0, cap]` (AWS "full jitter"): spreads a thundering herd best.
    Full,
    /// Uniform in `[cap/2, cap]`: never retries almost at once.
    Equal,
    /// Exactly `cap`: predictable, for tests and debugging.
    None,
}

/// The shortest wait (ms) before reconnecting after close 4429 (rate limited); a larger
/// `backoff.maxMs` raises it. See [`Backoff::rate_limited_delay`].
///
/// ```
/// assert_eq!(spellwire::core::backoff::RATE_LIMITED_MIN_MS, 10_000.0);
/// ```
pub const RATE_LIMITED_MIN_MS: f64 = 10_000.0;

/// The backoff schedule (`options.backoff`), with the documented defaults.
///
/// ```
/// use spellwire::core::backoff::{Backoff, Jitter};
/// let b = Backoff { jitter: Jitter::None, ..Backoff::default() };
/// assert_eq!(b.delay(1, 0.3), 500.0);
/// assert_eq!(b.delay(3, 0.3), 2000.0);
/// assert_eq!(b.delay(30, 0.3), 20000.0); // capped at maxMs
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Backoff {
    /// Cap of the first retry's delay (ms). Default 500.
    pub initial_ms: f64,
    /// Largest delay (ms). Default 20000.
    pub max_ms: f64,
    /// Growth per attempt. Default 2.
    pub factor: f64,
    /// Jitter kind. Default full.
    pub jitter: Jitter,
    /// Reconnect attempts (retries after the first failure) before state `failed`, until
    /// `retry()`. Default infinite.
    pub max_attempts: f64,
    /// A connection that stayed open this long (ms) resets the attempt count. Default 5000.
    pub reset_after_ms: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial_ms: 500.0,
            max_ms: 20_000.0,
            factor: 2.0,
            jitter: Jitter::Full,
            max_attempts: f64::INFINITY,
            reset_after_ms: 5_000.0,
        }
    }
}

impl Backoff {
    /// Delay in ms before retry number `attempt` (1-based), given `rand01` in `[0, 1)`.
    ///
    /// ```
    /// use spellwire::core::backoff::Backoff;
    /// let b = Backoff::default(); // full jitter
    /// assert_eq!(b.delay(2, 0.5), 500.0); // half of the 1000 ms cap
    /// ```
    pub fn delay(&self, attempt: u32, rand01: f64) -> f64 {
        let exponent = attempt.saturating_sub(1).min(64) as i32;
        let cap = (self.initial_ms * self.factor.powi(exponent)).min(self.max_ms);
        let cap = if cap.is_finite() { cap.max(0.0) } else { self.max_ms };
        match self.jitter {
            Jitter::Full => cap * rand01,
            Jitter::Equal => cap / 2.0 + cap / 2.0 * rand01,
            Jitter::None => cap,
        }
    }

    /// Delay in ms after the server closed with 4429 (rate limited): never shorter than
    /// [`RATE_LIMITED_MIN_MS`] nor than `maxMs`, and up to half as long again with jitter, so
    /// a client that was sending too fast stays away long enough for the server's limit to
    /// recover, and many clients limited at once do not come back together. `Jitter::None`
    /// waits exactly the floor.
    ///
    /// ```
    /// use spellwire::core::backoff::{Backoff, Jitter};
    /// let b = Backoff::default(); // maxMs 20000, full jitter
    /// assert_eq!(b.rate_limited_delay(0.0), 20_000.0);
    /// assert_eq!(b.rate_limited_delay(0.5), 25_000.0);
    /// let fast = Backoff { max_ms: 200.0, jitter: Jitter::None, ..Backoff::default() };
    /// assert_eq!(fast.rate_limited_delay(0.9), 10_000.0); // the floor, whatever maxMs says
    /// ```
    pub fn rate_limited_delay(&self, rand01: f64) -> f64 {
        let floor = self.max_ms.max(RATE_LIMITED_MIN_MS);
        match self.jitter {
            Jitter::None => floor,
            Jitter::Full | Jitter::Equal => floor + floor / 2.0 * rand01,
        }
    }

    /// Checks the numbers a user passed; the message names the bad field.
    ///
    /// ```
    /// use spellwire::core::backoff::Backoff;
    /// let b = Backoff { factor: 0.5, ..Backoff::default() };
    /// assert!(b.validate().unwrap_err().contains("factor"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let checks = [
            ("backoff.initialMs", self.initial_ms >= 0.0 && self.initial_ms.is_finite()),
            ("backoff.maxMs", self.max_ms >= self.initial_ms && self.max_ms.is_finite()),
            ("backoff.factor", self.factor >= 1.0 && self.factor.is_finite()),
            ("backoff.maxAttempts", self.max_attempts >= 1.0),
            ("backoff.resetAfterMs", self.reset_after_ms >= 0.0),
        ];
        match checks.iter().find(|(_, ok)| !ok) {
            Some((name, _)) => Err([name, " is out of range"].concat()),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_then_caps() {
        let b = Backoff { jitter: Jitter::None, ..Backoff::default() };
        let got: Vec<f64> = (1..=8).map(|a| b.delay(a, 0.0)).collect();
        assert_eq!(got, [500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 20000.0, 20000.0]);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        for jitter in [Jitter::Full, Jitter::Equal] {
            let b = Backoff { jitter, ..Backoff::default() };
            for attempt in 1..40 {
                for r in [0.0, 0.25, 0.5, 0.999] {
                    let d = b.delay(attempt, r);
                    let cap = (500.0 * 2f64.powi(attempt as i32 - 1)).min(20000.0);
                    let low = if jitter == Jitter::Equal { cap / 2.0 } else { 0.0 };
                    assert!(d >= low && d <= cap, "{jitter:?} {attempt} {r} -> {d}");
                }
            }
        }
    }

    #[test]
    fn huge_attempt_counts_do_not_overflow() {
        let b = Backoff { jitter: Jitter::None, ..Backoff::default() };
        assert_eq!(b.delay(u32::MAX, 0.5), 20000.0);
    }

    #[test]
    fn bad_numbers_are_named() {
        let bad = Backoff { max_ms: 10.0, ..Backoff::default() };
        assert_eq!(bad.validate(), Err("backoff.maxMs is out of range".into()));
        assert!(Backoff::default().validate().is_ok());
    }
}
