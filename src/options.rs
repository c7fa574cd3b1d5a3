//! Client options with their documented defaults (camelCase, as JavaScript passes them).
//!
//! `token` is not here: it may be a JS function, so the browser layer takes it out first.
//! Unknown names are refused, so a typo such as `queueLimt` is an error, not a silent default.

use crate::core::backoff::Backoff;
use crate::core::outbox::Overflow;
use serde::Deserialize;

/// One server URL or several (the client moves to the next after a failed attempt).
///
/// ```
/// use spellwire::options::Urls;
/// let u: Urls = serde_json::from_str(r#"["ws://a/ws","ws://b/ws"]"#).unwrap();
/// assert_eq!(u.list().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Urls {
    /// A single URL.
    One(String),
    /// Several URLs, tried in turn.
    Many(Vec<String>),
}

impl Urls {
    /// The URLs as a slice.
    ///
    /// ```
    /// assert_eq!(spellwire::options::Urls::One("ws://a".into()).list(), ["ws://a"]);
    /// ```
    pub fn list(&self) -> &[String] {
        match self {
            Urls::One(url) => std::slice::from_ref(url),
            Urls::Many(urls) => urls,
        }
    }
}

/// A way to carry the protocol's frames (`transports` option).
///
/// ```
/// use spellwire::options::Transport;
/// let t: Vec<Transport> = serde_json::from_str(r#"["websocket","http"]"#).unwrap();
/// assert_eq!(t, [Transport::WebSocket, Transport::Http]);
/// assert_eq!(Transport::Http.as_str(), "http");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// One WebSocket at `url`.
    #[default]
    #[serde(rename = "websocket")]
    WebSocket,
    /// A streaming `fetch` downstream and POSTs upstream, at the URL [`http_url`] derives.
    Http,
}

impl Transport {
    /// The transport's name in JavaScript: `'websocket'` or `'http'`.
    ///
    /// ```
    /// assert_eq!(spellwire::options::Transport::WebSocket.as_str(), "websocket");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Http => "http",
        }
    }

    /// The transport a JavaScript name stands for.
    ///
    /// ```
    /// use spellwire::options::Transport;
    /// assert_eq!(Transport::from_name("http"), Some(Transport::Http));
    /// assert_eq!(Transport::from_name("sse"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Transport> {
        [Transport::WebSocket, Transport::Http].into_iter().find(|t| t.as_str() == name)
    }
}

/// The HTTP transport's base URL for a WebSocket URL: `ws` becomes `http` and `wss` `https`,
/// the query and fragment are dropped, and a path ending in `/ws` ends in `/http` instead
/// (any other path gets `/http` appended). The downstream is `{base}/stream`, the upstream
/// `{base}/send`.
///
/// ```
/// use spellwire::options::http_url;
/// assert_eq!(http_url("wss://example.com/ws"), "https://example.com/http");
/// assert_eq!(http_url("ws://h:8080/app/ws?x=1"), "http://h:8080/app/http");
/// assert_eq!(http_url("ws://h/realtime/"), "http://h/realtime/http");
/// assert_eq!(http_url("ws://h"), "http://h/http");
/// ```
pub fn http_url(ws: &str) -> String {
    let (scheme, rest) = match ws.strip_prefix("wss://") {
        Some(rest) => ("https://", rest),
        None => ("http://", ws.strip_prefix("ws://").unwrap_or(ws)),
    };
    let path = rest.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
    [scheme, path.strip_suffix("/ws").unwrap_or(path), "/http"].concat()
}

/// Everything that tunes a client. Every field has a default except `url`.
///
/// ```
/// use spellwire::options::Options;
/// let o: Options = serde_json::from_str(r#"{"url":"ws://127.0.0.1:8080/ws"}"#).unwrap();
/// assert_eq!(o.queue_limit, 100);
/// assert_eq!(o.connect_timeout_ms, 5000.0);
/// assert!(o.auto_connect);
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    /// WebSocket URL(s) of the server, e.g. `ws://127.0.0.1:8080/ws`.
    pub url: Urls,
    /// Connect at construction (page load). Default true.
    #[serde(default = "yes")]
    pub auto_connect: bool,
    /// Reconnect schedule.
    #[serde(default)]
    pub backoff: Backoff,
    /// Give up on an attempt that is not welcomed within this many ms. Default 5000.
    #[serde(default = "connect_timeout")]
    pub connect_timeout_ms: f64,
    /// Ping interval in ms; when absent, the server's advertised value (25000 by default).
    #[serde(default)]
    pub heartbeat_ms: Option<f64>,
    /// Extra silence tolerated beyond the interval before a socket counts as dead. Default 10000.
    #[serde(default = "grace")]
    pub liveness_grace_ms: f64,
    /// Most unacked messages kept while offline or in flight. Default 100.
    #[serde(default = "queue_limit")]
    pub queue_limit: usize,
    /// What `send` does when the queue is full. Default `reject`.
    #[serde(default = "reject")]
    pub overflow: Overflow,
    /// Largest encoded message `send` accepts, in bytes (the server's limit). Default 65536.
    #[serde(default = "max_message")]
    pub max_message_bytes: usize,
    /// Keep the cursor in sessionStorage so a reload of the tab resumes. Default true.
    #[serde(default = "yes")]
    pub persist_cursor: bool,
    /// The transports the client may use, the first one first. Default `["websocket", "http"]`.
    /// When WebSocket attempts end before opening twice in a row (closed, or timed out, before
    /// the socket opened: what a proxy refusing the upgrade looks like) and `http` is listed, the
    /// next attempt uses HTTP ([`http_url`] of `url`); once an HTTP attempt is welcomed the
    /// client stays on HTTP for the page's life, and one that ends before its welcome (a server
    /// that is down) sends it back to WebSocket. `retry()` and `connect()` start again from the
    /// first listed transport.
    #[serde(default = "transports")]
    pub transports: Vec<Transport>,
}

/// Every option name, for layers whose deserializer cannot refuse unknown fields itself
/// (serde-wasm-bindgen reads only the fields it knows). `token` is handled by the browser layer.
///
/// ```
/// assert!(spellwire::options::OPTION_NAMES.contains(&"queueLimit"));
/// ```
pub const OPTION_NAMES: &[&str] = &[
    "url",
    "token",
    "autoConnect",
    "backoff",
    "connectTimeoutMs",
    "heartbeatMs",
    "livenessGraceMs",
    "queueLimit",
    "overflow",
    "maxMessageBytes",
    "persistCursor",
    "transports",
];

/// Every `backoff` option name (see [`OPTION_NAMES`]).
///
/// ```
/// assert!(spellwire::options::BACKOFF_NAMES.contains(&"jitter"));
/// ```
pub const BACKOFF_NAMES: &[&str] =
    &["initialMs", "maxMs", "factor", "jitter", "maxAttempts", "resetAfterMs"];

/// `ws://` or `wss://`, then a host with no whitespace: what the browser would refuse at every
/// attempt (turning a typo into an endless retry loop) is refused once, at construction.
fn url_looks_valid(url: &str) -> bool {
    let rest = url.strip_prefix("ws://").or_else(|| url.strip_prefix("wss://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !r.contains(char::is_whitespace)
    })
}

fn yes() -> bool {
    true
}
fn connect_timeout() -> f64 {
    5000.0
}
fn grace() -> f64 {
    10_000.0
}
/// The largest `queueLimit`: the outbox keeps every unacked message in memory (up to
/// `maxMessageBytes` each) and shifts the queue on each ack, which stays cheap at this length.
///
/// ```
/// let mut o = spellwire::options::Options::new("ws://x/ws");
/// o.queue_limit = spellwire::options::MAX_QUEUE_LIMIT + 1;
/// assert!(o.validate().unwrap_err().contains("queueLimit"));
/// ```
pub const MAX_QUEUE_LIMIT: usize = 10_000;

fn transports() -> Vec<Transport> {
    vec![Transport::WebSocket, Transport::Http]
}
fn queue_limit() -> usize {
    100
}
fn reject() -> Overflow {
    Overflow::Reject
}
fn max_message() -> usize {
    65_536
}

impl Options {
    /// Options for one URL with every default, handy in Rust and in tests.
    ///
    /// ```
    /// let o = spellwire::options::Options::new("ws://x/ws");
    /// assert_eq!(o.url.list(), ["ws://x/ws"]);
    /// ```
    pub fn new(url: &str) -> Self {
        Options {
            url: Urls::One(url.to_owned()),
            auto_connect: true,
            backoff: Backoff::default(),
            connect_timeout_ms: connect_timeout(),
            heartbeat_ms: None,
            liveness_grace_ms: grace(),
            queue_limit: queue_limit(),
            overflow: reject(),
            max_message_bytes: max_message(),
            persist_cursor: true,
            transports: transports(),
        }
    }

    /// The transport the first attempt uses (WebSocket when the list is empty, which
    /// [`Options::validate`] refuses).
    ///
    /// ```
    /// assert_eq!(spellwire::options::Options::new("ws://x/ws").first_transport().as_str(), "websocket");
    /// ```
    pub fn first_transport(&self) -> Transport {
        self.transports.first().copied().unwrap_or_default()
    }

    /// Checks ranges and URLs; the message names the bad option.
    ///
    /// ```
    /// let mut o = spellwire::options::Options::new("http://x");
    /// assert!(o.validate().unwrap_err().contains("ws://"));
    /// o.url = spellwire::options::Urls::One("wss://x".into());
    /// assert!(o.validate().is_ok());
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let urls = self.url.list();
        if urls.is_empty() {
            return Err("url must name at least one server".into());
        }
        if let Some(bad) = urls.iter().find(|u| !url_looks_valid(u)) {
            return Err(["url \"", bad, "\" must be ws:// or wss:// followed by a host"].concat());
        }
        let t = &self.transports;
        if t.is_empty() || t.len() > 2 || (t.len() == 2 && t[0] == t[1]) {
            return Err("transports must list 'websocket', 'http' or both, each once".into());
        }
        self.backoff.validate()?;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.connect_timeout_ms) {
            return Err("connectTimeoutMs must be a positive number".into());
        }
        if !self.heartbeat_ms.is_none_or(positive) {
            return Err("heartbeatMs must be a positive number".into());
        }
        if !(self.liveness_grace_ms.is_finite() && self.liveness_grace_ms >= 0.0) {
            return Err("livenessGraceMs must be zero or more".into());
        }
        if self.queue_limit == 0 {
            return Err("queueLimit must be 1 or more (0 would refuse every send)".into());
        }
        if self.queue_limit > MAX_QUEUE_LIMIT {
            let most = crate::core::text::decimal(MAX_QUEUE_LIMIT as u64);
            return Err(["queueLimit must be ", &most, " or less (each unacked message is kept in memory)"].concat());
        }
        if self.max_message_bytes < 64 {
            return Err("maxMessageBytes must be 64 or more (a send frame needs room for its id)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_refused_by_name() {
        type Case = (fn(&mut Options), &'static str);
        let cases: [Case; 8] = [
            (|o| o.url = Urls::One("ws://".into()), "host"),
            (|o| o.url = Urls::One("ws://bad host/ws".into()), "host"),
            (|o| o.url = Urls::Many(vec![]), "at least one"),
            (|o| o.queue_limit = 0, "queueLimit"),
            (|o| o.queue_limit = MAX_QUEUE_LIMIT + 1, "10000 or less"),
            (|o| o.max_message_bytes = 0, "maxMessageBytes"),
            (|o| o.transports.clear(), "transports"),
            (|o| o.transports = vec![Transport::Http, Transport::Http], "each once"),
        ];
        for (spoil, needle) in cases {
            let mut o = Options::new("ws://127.0.0.1:8080/ws");
            spoil(&mut o);
            let err = o.validate().unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
        assert!(Options::new("wss://example.com").validate().is_ok());
    }

    #[test]
    fn typos_are_refused_by_name() {
        let err = serde_json::from_str::<Options>(r#"{"url":"ws://x","queueLimt":5}"#).unwrap_err();
        assert!(err.to_string().contains("queueLimt"), "{err}");
    }

    #[test]
    fn name_lists_match_the_structs() {
        // Every listed name is accepted; serde's deny_unknown_fields refuses anything else.
        let mut json = String::from(r#"{"url":"ws://x","backoff":{"#);
        let backoff: Vec<String> = BACKOFF_NAMES.iter().map(|n| format!(r#""{n}":null"#)).collect();
        json += &backoff.join(",");
        json += "}";
        for name in OPTION_NAMES.iter().filter(|n| !["url", "token", "backoff"].contains(n)) {
            json += &format!(r#","{name}":null"#);
        }
        json += "}";
        let err = serde_json::from_str::<Options>(&json).unwrap_err().to_string();
        assert!(!err.contains("unknown field"), "{err}");
    }

    #[test]
    fn nested_backoff_keeps_other_defaults() {
        let o: Options =
            serde_json::from_str(r#"{"url":"ws://x","backoff":{"initialMs":10,"jitter":"none"}}"#)
                .unwrap();
        assert_eq!(o.backoff.initial_ms, 10.0);
        assert_eq!(o.backoff.max_ms, 20000.0);
    }
}
