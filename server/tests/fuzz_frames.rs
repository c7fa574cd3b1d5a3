//! Property tests (proptest) of the server's frame parser, `frames::parse`: whatever a client
//! sends, it never panics, every refusal is one of its plain-words messages, and every frame it
//! accepts survives a round trip through serde. Inputs: any text, frame-shaped JSON with fields
//! of any type, and mutations of the seed corpus `tests/fuzz/client_frames.txt`.
//!
//! Cases per property: proptest's default (256) unless `PROPTEST_CASES` says otherwise
//! (scripts/test.sh's fuzz step runs more). A failing case is kept in the client crate's
//! tests/fuzz/regressions/frames.txt, beside the corpus, and replayed first by every later run.

#[path = "../../tests/fuzz/mod.rs"]
mod fuzz;

use fuzz::props::{any_text, frames_text, CLIENT_OPS};
use proptest::prelude::*;
use spellwire::core::rng::Rng;
use spellwire_server::frames::parse;

/// How each of `parse`'s refusals begins (see its docs): anything else is a message nobody wrote.
const REFUSALS: [&str; 6] = [
    "frame is not valid JSON: ",
    "frame must be a JSON object",
    "frame has no \"op\" field",
    "\"op\" must be a string",
    "unknown op ",
    "bad ",
];

/// The property every input must satisfy: an error that says what was wrong, or a frame that
/// reads back the same after being written out.
fn check(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Err(message) => {
            prop_assert!(REFUSALS.iter().any(|r| message.starts_with(r)), "unexplained refusal {message:?} of {text:?}");
            prop_assert!(message.len() <= text.len() + 400, "message longer than its input: {message:?}");
        }
        Ok(frame) => {
            let again = serde_json::to_string(&frame).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parse(&again).ok(), Some(frame), "{} did not read back", again);
        }
    }
    Ok(())
}

#[test]
fn every_seed_is_parsed_or_refused_in_words() {
    for line in fuzz::lines(fuzz::CLIENT_FRAMES) {
        check(line).unwrap();
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let deep = format!(r#"{{"op":"send","id":"a","type":"t","data":{}{}}}"#, "[".repeat(2000), "]".repeat(2000));
    let message = parse(&deep).unwrap_err();
    assert!(message.starts_with("frame is not valid JSON: recursion limit exceeded"), "{message}");
}

proptest! {
    #![proptest_config(fuzz::props::config("../tests/fuzz/regressions/frames.txt"))]

    #[test]
    fn any_text_is_parsed_or_refused_in_words(text in any_text()) {
        check(&text)?;
    }

    #[test]
    fn frame_shaped_json_is_parsed_or_refused_in_words(text in frames_text(CLIENT_OPS)) {
        check(&text)?;
    }

    #[test]
    fn mutated_seeds_are_parsed_or_refused_in_words(seed in any::<u64>()) {
        let corpus = fuzz::lines(fuzz::CLIENT_FRAMES);
        let mut rng = Rng::new(seed);
        let line = corpus[(rng.next_f64() * corpus.len() as f64) as usize];
        check(&fuzz::mutate(&mut rng, line, &corpus))?;
    }
}
