//! The subscribe proxy (`--subscribe-proxy-url`): a `sub` for a channel the token does not
//! grant is asked of the application backend, with the send proxy's secret, timeout and size
//! limit ([`Backend`]).
//!
//! ```text
//! POST {subscribe_proxy_url}   Authorization: Bearer {proxy secret}   (when one is set)
//! {"user":"ann","channel":"crew:beta"}
//!   → 2xx {"result": ...}                         granted
//!   → 2xx {"error": {"message"}} / 4xx            refused forbidden (the backend's message)
//!   → 5xx, 408, 429, timeout, no connection, ...  refused unavailable (the client asks later)
//! ```
//!
//! Only the backend's own word refuses for good; anything else is `unavailable`, which the
//! client asks again after a backoff.

use serde_json::{json, Value};

use super::answer::Outcome;
use super::backend::Backend;
use crate::config::Config;
use crate::grants::Refusal;

/// Asks the backend of `config.subscribe_proxy_url` whether `user` may join `channel`; without
/// that URL, the channel is forbidden.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use spellwire_server::{config::Config, proxy::subscribe::ask};
/// assert_eq!(ask(&Config::default(), "ann", "crew:b").await.unwrap_err().code, "forbidden");
/// let down = Config { subscribe_proxy_url: Some("http://127.0.0.1:9/sub".into()), ..Config::default() };
/// assert_eq!(ask(&down, "ann", "crew:b").await.unwrap_err().code, "unavailable");
/// # });
/// ```
pub async fn ask(config: &Config, user: &str, channel: &str) -> Result<(), Refusal> {
    let Some(url) = &config.subscribe_proxy_url else { return Err(Refusal::forbidden(channel)) };
    let backend = Backend::new(url.clone(), config).map_err(|why| {
        tracing::warn!("subscribe proxy: {why}");
        Refusal::unavailable("the subscribe proxy could not be asked")
    })?;
    let outcome = backend.post(&json!({ "user": user, "channel": channel }), "subscribe proxy").await;
    let decided = verdict(channel, outcome);
    if let Err(r) = &decided {
        tracing::info!("subscribe proxy: {user} for {channel}: {} {}", r.code, r.message);
    }
    decided
}

/// What the backend's answer means for a `sub` of `channel`.
///
/// ```
/// use spellwire_server::proxy::{answer::Outcome, subscribe::verdict};
/// let yes = Outcome::Answered { status: 200, body: br#"{"result":null}"#.to_vec() };
/// assert!(verdict("crew:b", yes).is_ok());
/// let no = Outcome::Answered { status: 403, body: br#"{"error":{"message":"not yours"}}"#.to_vec() };
/// assert_eq!(verdict("crew:b", no).unwrap_err().message, "not yours");
/// let down = Outcome::Answered { status: 503, body: vec![] };
/// assert_eq!(verdict("crew:b", down).unwrap_err().code, "unavailable");
/// ```
pub fn verdict(channel: &str, outcome: Outcome) -> Result<(), Refusal> {
    let (status, body) = match outcome {
        Outcome::Answered { status, body } => (status, body),
        Outcome::TimedOut(t) => {
            return Err(Refusal::unavailable(format!("the backend did not answer within {} ms", t.as_millis())))
        }
        Outcome::Unreachable => return Err(Refusal::unavailable("the backend could not be reached")),
        Outcome::TooBig(n) => return Err(Refusal::unavailable(format!("the backend's answer is larger than {n} bytes"))),
    };
    let reply = serde_json::from_slice::<Value>(&body).ok();
    let given = reply.as_ref().and_then(|v| v.get("error")?.get("message")?.as_str()).map(str::to_owned);
    let denied = |status: u16| given.clone().unwrap_or_else(|| format!("the backend does not grant {channel} (HTTP {status})"));
    match status {
        200..=299 => match reply {
            Some(Value::Object(o)) if o.get("error").is_some_and(|e| !e.is_null()) => Err(Refusal::denied(denied(status))),
            Some(Value::Object(o)) if o.contains_key("result") => Ok(()),
            _ => Err(Refusal::unavailable("the backend's answer has neither result nor error")),
        },
        408 | 429 => Err(Refusal::unavailable(format!("the backend answered HTTP {status}"))),
        400..=499 => Err(Refusal::denied(denied(status))),
        _ => Err(Refusal::unavailable(format!("the backend answered HTTP {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn http(status: u16, body: &str) -> Outcome {
        Outcome::Answered { status, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn every_answer_maps_to_one_verdict() {
        let cases = [
            (http(200, r#"{"result":{"role":"member"}}"#), Ok(())),
            (http(204, r#"{"result":null}"#), Ok(())),
            (http(200, r#"{"result":1,"error":null}"#), Ok(())),
            (http(200, r#"{"error":{"code":"x","message":"no"}}"#), Err(("forbidden", "no"))),
            (http(200, r#"{"error":"no"}"#), Err(("forbidden", "the backend does not grant crew:b (HTTP 200)"))),
            (http(403, r#"{"error":{"message":"not yours"}}"#), Err(("forbidden", "not yours"))),
            (http(404, "nope"), Err(("forbidden", "the backend does not grant crew:b (HTTP 404)"))),
            (http(200, "<html>"), Err(("unavailable", "the backend's answer has neither result nor error"))),
            (http(200, "{}"), Err(("unavailable", "the backend's answer has neither result nor error"))),
            (http(200, "[1]"), Err(("unavailable", "the backend's answer has neither result nor error"))),
            (http(408, ""), Err(("unavailable", "the backend answered HTTP 408"))),
            (http(429, r#"{"error":{"message":"slow down"}}"#), Err(("unavailable", "the backend answered HTTP 429"))),
            (http(500, r#"{"result":1}"#), Err(("unavailable", "the backend answered HTTP 500"))),
            (http(302, ""), Err(("unavailable", "the backend answered HTTP 302"))),
            (Outcome::TimedOut(Duration::from_millis(50)), Err(("unavailable", "the backend did not answer within 50 ms"))),
            (Outcome::Unreachable, Err(("unavailable", "the backend could not be reached"))),
            (Outcome::TooBig(9), Err(("unavailable", "the backend's answer is larger than 9 bytes"))),
        ];
        for (outcome, want) in cases {
            let case = format!("{outcome:?}");
            let got = verdict("crew:b", outcome);
            let got = got.as_ref().map(|_| ()).map_err(|r| (r.code, r.message.as_str()));
            assert_eq!(got, want, "{case}");
        }
    }
}
