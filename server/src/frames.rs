//! Turning text into client frames with error messages a developer can act on, and server
//! frames into text.
//!
//! serde's own error for an internally tagged enum ("unknown variant") does not say which op
//! was sent or what was missing; clients deserve `unknown op "subscribe"`.

use serde_json::Value;
use spellwire::protocol::{ClientFrame, ServerFrame};

/// The ops a client may send (a test checks every [`ClientFrame`] variant is here).
const OPS: [&str; 7] = ["hello", "ping", "send", "replay", "sub", "unsub", "refresh"];

/// Serializes a server frame (infallible for `Value` payloads).
///
/// ```
/// use spellwire::protocol::ServerFrame;
/// let s = spellwire_server::frames::encode(&ServerFrame::Pong { id: 1 });
/// assert_eq!(s, r#"{"op":"pong","id":1}"#);
/// ```
pub fn encode(frame: &ServerFrame<Value>) -> String {
    serde_json::to_string(frame).expect("server frames always serialize")
}

/// A `bad_frame` error frame explaining `message`.
///
/// ```
/// let s = spellwire_server::frames::bad_frame("no op");
/// assert_eq!(s, r#"{"op":"error","code":"bad_frame","message":"no op"}"#);
/// ```
pub fn bad_frame(message: &str) -> String {
    encode(&ServerFrame::Error { code: "bad_frame".into(), message: message.into() })
}

/// Parses one client frame, or says in plain words what is wrong with it.
///
/// A `send` without `data` is read as `data: null` (JS drops `undefined` fields).
///
/// ```
/// use spellwire_server::frames::parse;
/// assert!(parse(r#"{"op":"ping","id":1}"#).is_ok());
/// assert_eq!(parse(r#"{"op":"nope"}"#).unwrap_err(), r#"unknown op "nope" (expected one of hello, ping, send, replay, sub, unsub, refresh)"#);
/// ```
pub fn parse(text: &str) -> Result<ClientFrame<Value>, String> {
    let mut value: Value =
        serde_json::from_str(text).map_err(|e| format!("frame is not valid JSON: {e}"))?;
    let obj = value.as_object_mut().ok_or("frame must be a JSON object with an \"op\" field")?;
    let op = match obj.get("op") {
        Some(Value::String(op)) => op.clone(),
        Some(_) => return Err("\"op\" must be a string".into()),
        None => return Err("frame has no \"op\" field".into()),
    };
    if !OPS.contains(&op.as_str()) {
        return Err(format!("unknown op {op:?} (expected one of {})", OPS.join(", ")));
    }
    if op == "send" {
        obj.entry("data").or_insert(Value::Null);
    }
    serde_json::from_value(value).map_err(|e| format!("bad {op} frame: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_each_kind_of_mistake() {
        let cases = [
            ("nope", "frame is not valid JSON"),
            ("[1]", "frame must be a JSON object"),
            (r#"{"id":1}"#, "frame has no \"op\" field"),
            (r#"{"op":3}"#, "\"op\" must be a string"),
            (r#"{"op":"subscribe"}"#, "unknown op \"subscribe\""),
            (r#"{"op":"sub"}"#, "bad sub frame: missing field `channel`"),
            (r#"{"op":"ping"}"#, "bad ping frame: missing field `id`"),
            (r#"{"op":"send","id":"a"}"#, "bad send frame: missing field `type`"),
        ];
        for (text, want) in cases {
            let got = parse(text).unwrap_err();
            assert!(got.starts_with(want), "{text}: {got}");
        }
    }

    #[test]
    fn every_client_frame_is_an_op_the_parser_knows() {
        let msg = spellwire::protocol::Message { id: "a".into(), kind: "t".into(), topic: None, data: Value::Null };
        let frames: [ClientFrame<Value>; 7] = [
            ClientFrame::Hello { token: "t".into(), resume: None },
            ClientFrame::Ping { id: 1 },
            ClientFrame::Send(msg),
            ClientFrame::Replay { after: 0, channel: Some("c:1".into()) },
            ClientFrame::Sub { channel: "c:1".into(), resume: None },
            ClientFrame::Unsub { channel: "c:1".into() },
            ClientFrame::Refresh { token: "t".into() },
        ];
        for frame in frames {
            // A new variant breaks this match: add it above and to OPS.
            match &frame {
                ClientFrame::Hello { .. } | ClientFrame::Ping { .. } | ClientFrame::Send(_) | ClientFrame::Replay { .. } => {}
                ClientFrame::Sub { .. } | ClientFrame::Unsub { .. } | ClientFrame::Refresh { .. } => {}
            }
            let text = serde_json::to_string(&frame).unwrap();
            assert_eq!(parse(&text).as_ref(), Ok(&frame), "{text}");
        }
    }

    #[test]
    fn send_without_data_means_null() {
        let f = parse(r#"{"op":"send","id":"a","type":"t"}"#).unwrap();
        let ClientFrame::Send(m) = f else { panic!("not a send") };
        assert_eq!(m.data, Value::Null);
    }
}
