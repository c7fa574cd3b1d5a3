//! Numbers to text without `core::fmt`, and cuts without panics: the wasm build then carries
//! no formatting machinery (nor its Unicode tables) for the few numbers in ids and messages
//! (clippy.toml holds that rule and what breaking it costs).

/// Appends `n` in base `RADIX` (2 to 16), lowercase, most significant digit first.
fn push_digits<const RADIX: u64>(n: u64, out: &mut String) {
    if n >= RADIX {
        push_digits::<RADIX>(n / RADIX, out);
    }
    let d = (n % RADIX) as u8;
    out.push(char::from(if d < 10 { b'0' + d } else { b'a' + d - 10 }));
}

/// `n` in decimal.
///
/// ```
/// use spellwire::core::text::decimal;
/// assert_eq!(decimal(0), "0");
/// assert_eq!(decimal(65536), "65536");
/// assert_eq!(decimal(u64::MAX), u64::MAX.to_string());
/// ```
pub fn decimal(n: u64) -> String {
    let mut out = String::new();
    push_digits::<10>(n, &mut out);
    out
}

/// `n` in lowercase hexadecimal.
///
/// ```
/// use spellwire::core::text::hex;
/// assert_eq!(hex(0), "0");
/// assert_eq!(hex(255), "ff");
/// assert_eq!(hex(u64::MAX), format!("{:x}", u64::MAX));
/// ```
pub fn hex(n: u64) -> String {
    let mut out = String::new();
    push_digits::<16>(n, &mut out);
    out
}

/// The first `max` characters of `s` (whole characters, never a split UTF-8 sequence).
///
/// ```
/// assert_eq!(spellwire::core::text::prefix("héllo", 2), "hé");
/// assert_eq!(spellwire::core::text::prefix("hi", 60), "hi");
/// assert_eq!(spellwire::core::text::prefix("a😀b", 2), "a😀");
/// ```
pub fn prefix(s: &str, max: usize) -> &str {
    // Where character number `max` starts. A character starts at every byte that is not a
    // UTF-8 continuation byte (0b10xx_xxxx), so counting needs no decoding (and the wasm no
    // char decoder).
    let mut starts = s.bytes().enumerate().filter(|(_, b)| b & 0xC0 != 0x80).map(|(i, _)| i);
    let end = starts.nth(max).unwrap_or(s.len());
    s.get(..end).unwrap_or(s)
}
