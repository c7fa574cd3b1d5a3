//! Browser fuzz: the seed corpus `tests/fuzz/server_frames.txt` and a few hundred mutations of
//! it go through the real client's message handling in headless Chromium (the server's
//! `/test/send-raw` writes each, as it is, on the client's socket). A panic in wasm traps inside
//! the socket's message handler and reaches the page as an uncaught error (and, inside a borrow,
//! would wedge the client for good), so: no uncaught error on the page during the fuzz, and
//! afterwards the client is still open, has reported every message the browser cannot parse as
//! a bad frame, has handed no fuzzed event to its listeners, and delivers the next real event.
//!
//! Run by scripts/test.sh with the other browser tests (same server, same `SPELLWIRE_HTTP`).
#![cfg(target_arch = "wasm32")]

mod fuzz;
mod support;

use serde_json::Value;
use spellwire::core::rng::Rng;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mutated messages sent after the corpus itself.
const MUTATIONS: usize = 300;
/// Real events the user gets before the fuzz: fuzzed events with these seqs are duplicates.
const REAL_BEFORE: u64 = 3;

/// Whether the browser could read `text` as an event the client would deliver (a seq past the
/// cursor): such a message would be a real delivery, not a fuzz case, and would leave the
/// client's cursor ahead of the server's log. Text serde cannot read (a lone surrogate, a
/// number out of range) is judged by whether it mentions events at all.
fn could_deliver(text: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(text) else { return text.contains("event") };
    let frames = match value {
        Value::Array(list) => list,
        one => vec![one],
    };
    let delivers = |f: &Value| {
        let seq = f.get("seq").and_then(Value::as_f64);
        f.get("op").and_then(Value::as_str) == Some("event") && seq.is_some_and(|s| s > REAL_BEFORE as f64)
    };
    frames.iter().any(delivers)
}

/// The corpus, then [`MUTATIONS`] mutations of it, none of which could deliver an event (at
/// most ten tries per mutation kept).
fn messages(seed: u64) -> Vec<String> {
    let corpus = fuzz::lines(fuzz::SERVER_FRAMES);
    let mut rng = Rng::new(seed);
    let mut all: Vec<String> = corpus.iter().map(|l| l.to_string()).filter(|m| !could_deliver(m)).collect();
    let want = all.len() + MUTATIONS;
    for _ in 0..10 * MUTATIONS {
        let line = corpus[(rng.next_f64() * corpus.len() as f64) as usize];
        let bent = fuzz::mutate(&mut rng, line, &corpus);
        if !could_deliver(&bent) {
            all.push(bent);
        }
        if all.len() == want {
            break;
        }
    }
    all
}

fn unparseable(text: &str) -> bool {
    js_sys::JSON::parse(text).is_err()
}

/// The page's uncaught errors (a wasm trap in a socket handler lands here) while it lives.
struct Uncaught {
    errors: Recorder,
    listener: JsValue,
}

impl Uncaught {
    fn watch() -> Self {
        let errors = Recorder::default();
        let listener = errors.listener();
        web_sys::window().unwrap().add_event_listener_with_callback("error", listener.unchecked_ref()).unwrap();
        Uncaught { errors, listener }
    }
}

impl Drop for Uncaught {
    fn drop(&mut self) {
        let window = web_sys::window().unwrap();
        window.remove_event_listener_with_callback("error", self.listener.unchecked_ref()).unwrap();
    }
}

/// Has the server write each message on `user`'s socket, in order.
async fn send_all(user: &str, messages: &[String], seed: u64) {
    for text in messages {
        let answer = hook("send-raw", user, &[("text", text.as_str().into())]).await;
        assert_eq!(num(&answer, "sent"), 1.0, "seed {seed}: the socket went away before {text:?}");
    }
}

#[wasm_bindgen_test]
async fn fuzzed_server_messages_leave_the_client_open_and_delivering() {
    let u = user("fuzz");
    let client = client_for(&u, &[]).await;
    let all = record(&client, "*");
    assert!(wait_until(5000, || client.state() == "open").await);
    for i in 1..=REAL_BEFORE {
        notify(&u, "real", None, (i as f64).into()).await;
    }
    assert!(wait_until(3000, || all.len() == REAL_BEFORE as usize).await);
    let seed = (js_sys::Math::random() * 1e15) as u64;
    let sent = messages(seed);
    assert!(sent.len() > MUTATIONS, "seed {seed}: only {} messages survived the filter", sent.len());
    let uncaught = Uncaught::watch();
    send_all(&u, &sent, seed).await;
    notify(&u, "real", None, JsValue::NULL).await;
    let delivered = wait_until(5000, || all.len() > REAL_BEFORE as usize).await;
    assert_eq!(uncaught.errors.strings("message"), Vec::<String>::new(), "seed {seed}: uncaught errors");
    assert!(delivered, "seed {seed}: no event after the fuzz");
    assert_eq!(client.state(), "open", "seed {seed}");
    assert_eq!(all.seqs(), [1, 2, 3, 4], "seed {seed}: a fuzzed event reached the listeners");
    let bad = sent.iter().filter(|t| unparseable(t)).count() as f64;
    assert!(num(&client.stats(), "badFrames") >= bad, "seed {seed}: {bad} unparseable messages went unreported");
}
