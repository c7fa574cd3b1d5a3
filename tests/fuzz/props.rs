//! proptest's side of the fuzz tests: the configuration (where failing cases are kept) and
//! strategies for text and JSON that look like protocol frames: right field names with values of
//! any type (often the right one), extreme numbers, odd ops, nesting. Sizes are capped, so no
//! case allocates much.

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Number, Value};

/// proptest's defaults (256 cases, or `PROPTEST_CASES`), with failing cases saved to `file`
/// (relative to the package being tested) and replayed first by every later run. proptest's
/// default place for them needs a `src/lib.rs` beside the test, which integration tests lack.
pub fn config(file: &'static str) -> ProptestConfig {
    ProptestConfig { failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))), ..ProptestConfig::default() }
}

/// Every field name of the protocol, in both directions.
pub const FIELDS: &[&str] = &[
    "op", "token", "resume", "epoch", "seq", "id", "type", "topic", "data", "after", "resumed",
    "heartbeatMs", "head", "expiresInMs", "result", "code", "message",
];

/// The ops the server sends.
pub const SERVER_OPS: &[&str] = &["welcome", "event", "pong", "ack", "nack", "retry", "refreshed", "error"];
/// The ops a client sends.
pub const CLIENT_OPS: &[&str] = &["hello", "ping", "send", "replay", "refresh"];

/// Any text up to 300 characters, or up to 512 arbitrary bytes read as UTF-8 (lossily).
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,300}",
        prop::collection::vec(any::<u8>(), 0..512).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

/// A JSON leaf, with the extremes of each type.
pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        select(vec![0u64, 1, 2, 3, 9_007_199_254_740_993, u64::MAX]).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::String),
        select(FIELDS).prop_map(Value::from),
    ]
}

/// Any JSON value: arrays and objects nested up to 3 deep, at most 6 items each.
pub fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 32, 6, |inner| {
        let key = prop_oneof![select(FIELDS).prop_map(String::from), "\\PC{0,8}"];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A value a protocol field would plausibly hold, or anything at all.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (0u64..10).prop_map(Value::from),
        2 => select(vec!["e1", "T", "a-1", "chat", "room:1", ""]).prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(serde_json::json!({ "epoch": "e1", "seq": 1 })),
        2 => value(),
    ]
}

/// A frame-shaped object: mostly one of `ops` (else any string or any leaf, or no op), then up
/// to 8 protocol fields.
pub fn frame(ops: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let op = prop_oneof![
        8 => select(ops).prop_map(Value::from),
        1 => "\\PC{0,8}".prop_map(Value::String),
        1 => leaf(),
    ];
    let fields = prop::collection::vec((select(FIELDS), field_value()), 0..8);
    (op, fields, prop::bool::weighted(0.05)).prop_map(|(op, fields, no_op)| {
        let mut object: serde_json::Map<String, Value> = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        if !no_op {
            object.insert("op".into(), op);
        }
        Value::Object(object)
    })
}

/// A frame, or (sometimes) a JSON array of up to 4 frames, as text.
pub fn frames_text(ops: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => frame(ops).prop_map(|f| f.to_string()),
        1 => prop::collection::vec(frame(ops), 0..4).prop_map(|fs| Value::Array(fs).to_string()),
    ]
}
