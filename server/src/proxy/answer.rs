//! How the backend's answer to a forwarded `send` becomes the client's `ack`, `nack` or
//! `retry`. The rule: only the backend's own word refuses a message for good (an `error`, a
//! 4xx); anything that may pass (5xx, timeout, no connection, 408, 429) is a `retry`, and the
//! client resends the same id later. A 2xx the server cannot read is refused, so a broken
//! backend shows up as errors rather than as messages resent forever.

use std::time::Duration;

use serde_json::Value;
use spellwire::protocol::ServerFrame;

/// What happened to one forwarded send.
#[derive(Debug)]
pub enum Outcome {
    /// The backend answered with this status and body.
    Answered {
        /// HTTP status.
        status: u16,
        /// The whole body.
        body: Vec<u8>,
    },
    /// No complete answer within the proxy timeout.
    TimedOut(Duration),
    /// No connection, or it broke (the detail is logged, not shown to the client).
    Unreachable,
    /// The answer's body passed this many bytes.
    TooBig(usize),
}

/// The frame for the client, for the message `id`.
///
/// ```
/// use spellwire::protocol::ServerFrame;
/// use spellwire_server::proxy::answer::{frame, Outcome};
/// let ok = Outcome::Answered { status: 200, body: br#"{"result":{"n":1}}"#.to_vec() };
/// assert_eq!(frame("m1".into(), ok), ServerFrame::Ack { id: "m1".into(), result: Some(serde_json::json!({"n":1})) });
/// let down = Outcome::Answered { status: 503, body: vec![] };
/// assert!(matches!(frame("m1".into(), down), ServerFrame::Retry { .. }));
/// ```
pub fn frame(id: String, outcome: Outcome) -> ServerFrame<Value> {
    match outcome {
        Outcome::TimedOut(t) => {
            retry(id, "backend_timeout", format!("the backend did not answer within {} ms", t.as_millis()))
        }
        Outcome::Unreachable => retry(id, "backend_unavailable", "the backend could not be reached".into()),
        Outcome::TooBig(n) => nack(id, "bad_backend_reply", format!("the backend's answer is larger than {n} bytes")),
        Outcome::Answered { status, body } => by_status(id, status, &body),
    }
}

fn by_status(id: String, status: u16, body: &[u8]) -> ServerFrame<Value> {
    match status {
        200..=299 => success(id, body),
        408 => retry(id, "backend_timeout", "the backend answered HTTP 408".into()),
        429 => retry(id, "backend_busy", "the backend answered HTTP 429".into()),
        400..=499 => refused(id, status, body),
        500..=599 => retry(id, "backend_unavailable", format!("the backend answered HTTP {status}")),
        _ => nack(id, "bad_backend_reply", format!("the backend answered HTTP {status}")),
    }
}

/// A 2xx: `{"result": X}` acks with X, `{"error": {"message"}}` refuses.
fn success(id: String, body: &[u8]) -> ServerFrame<Value> {
    let Ok(Value::Object(mut reply)) = serde_json::from_slice::<Value>(body) else {
        return nack(id, "bad_backend_reply", "the backend's answer is not a JSON object".into());
    };
    match (reply.remove("error").filter(|e| !e.is_null()), reply.remove("result")) {
        (Some(error), _) => match error_message(&error) {
            Some(message) => nack(id, "rejected", message),
            None => nack(id, "bad_backend_reply", "the backend's error is not {\"code\", \"message\"}".into()),
        },
        (None, Some(result)) => ServerFrame::Ack { id, result: Some(result) },
        (None, None) => nack(id, "bad_backend_reply", "the backend's answer has neither result nor error".into()),
    }
}

/// A 4xx: refused, with the backend's `error.message` when it gave one.
fn refused(id: String, status: u16, body: &[u8]) -> ServerFrame<Value> {
    let given = serde_json::from_slice::<Value>(body).ok().and_then(|v| error_message(&v["error"]));
    let message = given.unwrap_or_else(|| format!("the backend refused the message (HTTP {status})"));
    nack(id, "rejected", message)
}

fn error_message(error: &Value) -> Option<String> {
    error.get("message")?.as_str().map(str::to_owned)
}

fn nack(id: String, code: &str, message: String) -> ServerFrame<Value> {
    ServerFrame::Nack { id, code: code.into(), message }
}

fn retry(id: String, code: &str, message: String) -> ServerFrame<Value> {
    ServerFrame::Retry { id, code: code.into(), message }
}

#[cfg(test)]
mod tests {
    use super::{frame, Outcome};
    use serde_json::json;
    use spellwire::protocol::ServerFrame;
    use std::time::Duration;

    /// The op and code (or result) a case ends in.
    fn verdict(outcome: Outcome) -> (&'static str, String) {
        match frame("i".into(), outcome) {
            ServerFrame::Ack { result, .. } => ("ack", json!(result).to_string()),
            ServerFrame::Nack { code, message, .. } => ("nack", format!("{code}: {message}")),
            ServerFrame::Retry { code, .. } => ("retry", code),
            other => panic!("{other:?}"),
        }
    }

    fn http(status: u16, body: &str) -> Outcome {
        Outcome::Answered { status, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn every_answer_maps_to_one_verdict() {
        let cases = [
            (http(200, r#"{"result":{"n":1}}"#), ("ack", r#"{"n":1}"#)),
            (http(201, r#"{"result":null}"#), ("ack", "null")),
            (http(200, r#"{"result":1,"error":null}"#), ("ack", "1")),
            (http(200, r#"{"error":{"code":"x","message":"no"}}"#), ("nack", "rejected: no")),
            (http(200, r#"{"error":"no"}"#), ("nack", "bad_backend_reply: the backend's error is not {\"code\", \"message\"}")),
            (http(200, "<html>"), ("nack", "bad_backend_reply: the backend's answer is not a JSON object")),
            (http(200, "[1]"), ("nack", "bad_backend_reply: the backend's answer is not a JSON object")),
            (http(200, "{}"), ("nack", "bad_backend_reply: the backend's answer has neither result nor error")),
            (http(422, r#"{"error":{"code":"x","message":"too long"}}"#), ("nack", "rejected: too long")),
            (http(404, "not found"), ("nack", "rejected: the backend refused the message (HTTP 404)")),
            (http(408, ""), ("retry", "backend_timeout")),
            (http(429, ""), ("retry", "backend_busy")),
            (http(500, r#"{"result":1}"#), ("retry", "backend_unavailable")),
            (http(503, ""), ("retry", "backend_unavailable")),
            (http(302, ""), ("nack", "bad_backend_reply: the backend answered HTTP 302")),
            (Outcome::TimedOut(Duration::from_secs(5)), ("retry", "backend_timeout")),
            (Outcome::Unreachable, ("retry", "backend_unavailable")),
            (Outcome::TooBig(10), ("nack", "bad_backend_reply: the backend's answer is larger than 10 bytes")),
        ];
        for (outcome, (op, detail)) in cases {
            let case = format!("{outcome:?}");
            assert_eq!(verdict(outcome), (op, detail.to_string()), "{case}");
        }
    }
}
