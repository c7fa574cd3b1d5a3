#![cfg(not(target_arch = "wasm32"))]
//! Property tests (proptest) of reading what the server sends with the shared serde types,
//! `protocol::ServerFrame<serde_json::Value>` (how Rust programs such as bench/loadgen read the
//! stream): any text, frame-shaped JSON with fields of any type, and mutations of the seed
//! corpus `tests/fuzz/server_frames.txt` either decode to a frame that writes back to the same
//! frame, or fail with an error; nothing panics. The browser's own decoder (`JSON.parse` plus
//! src/web/decode.rs) is fuzzed in tests/web_fuzz.rs.
//!
//! Cases per property: proptest's default (256) unless `PROPTEST_CASES` says otherwise; a
//! failing case is kept in tests/fuzz/regressions/decode.txt and replayed first by later runs.

mod fuzz;

use fuzz::props::{any_text, frames_text, SERVER_OPS};
use proptest::prelude::*;
use serde_json::Value;
use spellwire::core::rng::Rng;
use spellwire::protocol::ServerFrame;

type Frame = ServerFrame<Value>;

/// Decodes one message as the stream is read (a frame, or an array of frames); a decoded frame
/// must read back as itself once written.
fn check(text: &str) -> Result<(), TestCaseError> {
    let frames: Vec<Frame> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(_)) => serde_json::from_str(text).unwrap_or_default(),
        _ => serde_json::from_str(text).into_iter().collect(),
    };
    for frame in frames {
        let written = serde_json::to_string(&frame).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again: Frame = serde_json::from_str(&written).map_err(|e| TestCaseError::fail(format!("{written}: {e}")))?;
        prop_assert_eq!(again, frame, "{} did not read back", written);
    }
    Ok(())
}

#[test]
fn every_seed_decodes_or_fails_cleanly() {
    for line in fuzz::lines(fuzz::SERVER_FRAMES) {
        check(line).unwrap();
    }
}

#[test]
fn the_seeds_hold_frames_of_every_op() {
    // A corpus of nothing but garbage would test only the error path.
    let decoded: Vec<String> = fuzz::lines(fuzz::SERVER_FRAMES)
        .into_iter()
        .filter_map(|l| serde_json::from_str::<Frame>(l).ok())
        .map(|f| serde_json::to_value(f).unwrap()["op"].as_str().unwrap().to_owned())
        .collect();
    for op in SERVER_OPS {
        assert!(decoded.iter().any(|d| d == op), "no seed decodes as {op}");
    }
}

proptest! {
    #![proptest_config(fuzz::props::config("tests/fuzz/regressions/decode.txt"))]

    #[test]
    fn any_text_decodes_or_fails_cleanly(text in any_text()) {
        check(&text)?;
    }

    #[test]
    fn frame_shaped_json_decodes_or_fails_cleanly(text in frames_text(SERVER_OPS)) {
        check(&text)?;
    }

    #[test]
    fn mutated_seeds_decode_or_fail_cleanly(seed in any::<u64>()) {
        let corpus = fuzz::lines(fuzz::SERVER_FRAMES);
        let mut rng = Rng::new(seed);
        let line = corpus[(rng.next_f64() * corpus.len() as f64) as usize];
        check(&fuzz::mutate(&mut rng, line, &corpus))?;
    }
}
