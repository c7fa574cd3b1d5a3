//! A tiny seeded random source for jitter, so the core stays deterministic under test.

/// xorshift64*: plenty for spreading retries; not for anything secret.
///
/// ```
/// use spellwire::core::rng::Rng;
/// let mut a = Rng::new(7);
/// let mut b = Rng::new(7);
/// assert_eq!(a.next_f64(), b.next_f64());
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (the browser glue seeds it from `Math.random()`).
    ///
    /// ```
    /// let r = spellwire::core::rng::Rng::new(0); // zero is remapped, never stuck
    /// # let _ = r;
    /// ```
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// Next number, uniform in `[0, 1)`.
    ///
    /// ```
    /// let x = spellwire::core::rng::Rng::new(1).next_f64();
    /// assert!((0.0..1.0).contains(&x));
    /// ```
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}
