//! What the fuzz tests share: the seed corpora (`server_frames.txt`, `client_frames.txt`) and a
//! mutator that bends their lines into near-misses (cut, spliced, tokens inserted), driven by a
//! seeded generator so a failing case can be replayed from its seed. The native property tests
//! (proptest) and the browser fuzz (tests/web_fuzz.rs) use the same mutations; the server's
//! `server/tests/fuzz_frames.rs` includes this file by path.
#![allow(dead_code)] // each test file uses part of it

#[cfg(not(target_arch = "wasm32"))]
pub mod acts;
#[cfg(not(target_arch = "wasm32"))]
pub mod props;

use spellwire::core::rng::Rng;

/// Largest input a fuzz test builds, in bytes: every case stays small and bounded.
pub const MAX_INPUT: usize = 4096;

/// Messages a server might send a client.
pub const SERVER_FRAMES: &str = include_str!("server_frames.txt");
/// Messages a client might send the server.
pub const CLIENT_FRAMES: &str = include_str!("client_frames.txt");

/// The inputs of a corpus file: every line but blank ones and `# ` comments.
pub fn lines(corpus: &'static str) -> Vec<&'static str> {
    corpus.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("# ")).collect()
}

/// Pieces that tend to matter to a JSON frame reader: structure, extreme numbers, the names of
/// the protocol's fields and ops, escapes that JSON allows but Rust strings do not (`\ud800`).
const TOKENS: [&str; 32] = [
    "\"", "{", "}", "[", "]", ",", ":", "null", "true", "false", "-1", "0", "-0", "1.5", "1e400",
    "9007199254740993", "18446744073709551616", "\"op\"", "\"event\"", "\"seq\"", "\"type\"",
    "\"welcome\"", "\"ack\"", "\"id\"", "\"data\"", "\\u0000", "\\ud800", "\\\"", "😀", " ", "\n", "\"\"",
];

fn pick(rng: &mut Rng, n: usize) -> usize {
    ((rng.next_f64() * n as f64) as usize).min(n.saturating_sub(1))
}

/// A char-boundary range `[a, b)` of `text`, at most `max` chars long.
fn range(rng: &mut Rng, text: &str, max: usize) -> (usize, usize) {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    let a = pick(rng, bounds.len());
    let b = (a + pick(rng, max + 1)).min(bounds.len() - 1);
    (bounds[a], bounds[b])
}

/// One edit of `text`: delete, duplicate or replace a short range, insert a token, or cut.
fn edit(rng: &mut Rng, text: &mut String) {
    let (a, b) = range(rng, text, 8);
    match pick(rng, 5) {
        0 => drop(text.drain(a..b)),
        1 => {
            let copy = text[a..b].to_owned();
            text.insert_str(b, &copy);
        }
        2 => text.replace_range(a..b, TOKENS[pick(rng, TOKENS.len())]),
        3 => text.insert_str(a, TOKENS[pick(rng, TOKENS.len())]),
        _ => text.truncate(b),
    }
}

/// `line` after one to four random edits, or two corpus lines joined in an array; never longer
/// than [`MAX_INPUT`].
///
/// ```ignore
/// let mut rng = Rng::new(1);
/// let bent = mutate(&mut rng, r#"{"op":"ping","id":1}"#, &lines(CLIENT_FRAMES));
/// ```
pub fn mutate(rng: &mut Rng, line: &str, corpus: &[&str]) -> String {
    let mut text = line.to_owned();
    if pick(rng, 8) == 0 {
        text = ["[", line, ",", corpus[pick(rng, corpus.len())], "]"].concat();
    }
    for _ in 0..=pick(rng, 4) {
        edit(rng, &mut text);
    }
    let mut cut = text.len().min(MAX_INPUT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text
}
