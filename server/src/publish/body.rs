//! The body of `POST /api/publish`, read strictly: one event, one event for several users or
//! channels, or a batch of these. Each event names its targets one way: `user`, `users`,
//! `channel` or `channels`. Everything is checked before anything is stored, so a 400 never leaves half
//! a batch behind.
//!
//! Unknown fields are refused (unlike the socket protocol, which ignores them): a misspelt
//! `idempotencyKey` would otherwise silently turn a safe retry into a duplicate.

use std::collections::HashSet;

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use spellwire::protocol::check_channel;

use crate::api::{check_user, ApiError};
use crate::session::MAX_TYPE_CHARS;
use crate::stream::Stream;

/// Most events one request may store, counting each user of `users` once.
pub const MAX_APPENDS: usize = 1000;
/// Longest accepted `idempotencyKey`, in characters.
pub const MAX_KEY_CHARS: usize = 256;

/// One validated event to publish to one or more users.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Whose logs get the event, in the request's order, distinct (empty for channels).
    pub users: Vec<String>,
    /// Which channels' logs get the event instead, in the request's order, distinct.
    pub channels: Vec<String>,
    /// Whether the request said `users` or `channels` (answered `{seqs}`) rather than `user`
    /// or `channel` (`{seq}`).
    pub many: bool,
    /// The event's `type`.
    pub kind: String,
    /// The event's `topic`.
    pub topic: Option<String>,
    /// The event's payload (`null` when absent).
    pub data: Value,
    /// The `idempotencyKey`, if given.
    pub key: Option<String>,
}

impl Item {
    /// The logs the event goes to: its users' or its channels', in the request's order.
    ///
    /// ```
    /// use spellwire_server::stream::Stream;
    /// let req = spellwire_server::publish::body::parse(br#"{"users":["ann","bob"],"type":"t"}"#).unwrap();
    /// assert_eq!(req.items[0].streams(), [Stream::User("ann".into()), Stream::User("bob".into())]);
    /// ```
    pub fn streams(&self) -> Vec<Stream> {
        // One of the two is empty ([`parse`] refuses an event with both kinds of target).
        let users = self.users.iter().map(|u| Stream::User(u.clone()));
        users.chain(self.channels.iter().map(|c| Stream::Channel(c.clone()))).collect()
    }

    /// A digest of everything the event stores, so a key reused for a different event is
    /// told apart from a retry.
    ///
    /// ```
    /// let body = br#"{"user":"ann","type":"t","data":1,"idempotencyKey":"k"}"#;
    /// let a = spellwire_server::publish::body::parse(body).unwrap().items.remove(0);
    /// let mut b = a.clone();
    /// b.data = serde_json::json!(2);
    /// assert_eq!(a.fingerprint(), a.clone().fingerprint());
    /// assert_ne!(a.fingerprint(), b.fingerprint());
    /// ```
    pub fn fingerprint(&self) -> String {
        let canonical = match self.channels.is_empty() {
            true => json!([self.users, self.many, self.kind, self.topic, self.data]),
            false => json!([self.users, self.channels, self.many, self.kind, self.topic, self.data]),
        };
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A parsed request: its items, and whether it was a batch (answered `{results}`).
#[derive(Debug)]
pub struct Request {
    /// The events, in the request's order.
    pub items: Vec<Item>,
    /// Whether the body was `{"events": [...]}`.
    pub batch: bool,
}

impl Item {
    /// The names of the event's targets (users or channels), as the answer's `seqs` keys.
    ///
    /// ```
    /// let req = spellwire_server::publish::body::parse(br#"{"channels":["crew:a","crew:b"],"type":"t"}"#).unwrap();
    /// assert_eq!(req.items[0].names(), ["crew:a", "crew:b"]);
    /// ```
    pub fn names(&self) -> &[String] {
        if self.channels.is_empty() {
            &self.users
        } else {
            &self.channels
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EventIn {
    user: Option<String>,
    users: Option<Vec<String>>,
    channel: Option<String>,
    channels: Option<Vec<String>>,
    #[serde(rename = "type")]
    kind: String,
    topic: Option<String>,
    #[serde(default)]
    data: Value,
    idempotency_key: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchIn {
    events: Vec<EventIn>,
}

/// Reads and checks a publish body; a 400 [`ApiError`] says what is wrong (in a batch, which
/// event: `events[2]: ...`).
///
/// ```
/// use spellwire_server::publish::body::parse;
/// let one = parse(br#"{"users":["ann","bob"],"type":"t"}"#).unwrap();
/// assert!(!one.batch && one.items[0].many);
/// let batch = parse(br#"{"events":[{"user":"ann","type":"a"},{"user":"bob","type":"b"}]}"#).unwrap();
/// assert_eq!(batch.items.len(), 2);
/// assert_eq!(parse(br#"{"user":"ann","type":"t","idempotency_key":"k"}"#).unwrap_err().code, "bad_request");
/// ```
pub fn parse(body: &[u8]) -> Result<Request, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad("bad_request", format!("body is not JSON: {e}")))?;
    let batch = value.get("events").is_some();
    let items = if batch {
        let events = from_value::<BatchIn>(value)?.events;
        if events.is_empty() {
            return Err(ApiError::bad("bad_request", "events must not be empty"));
        }
        let each = events.into_iter().enumerate().map(|(i, e)| item(e).map_err(|err| at(i, err)));
        each.collect::<Result<Vec<_>, _>>()?
    } else {
        vec![item(from_value(value)?)?]
    };
    check_request(&items)?;
    Ok(Request { items, batch })
}

fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value)
        .map_err(|e| ApiError::bad("bad_request", format!("body is not the expected JSON: {e}")))
}

/// Names the batch entry an error is about.
fn at(i: usize, mut err: ApiError) -> ApiError {
    err.message = format!("events[{i}]: {}", err.message);
    err
}

/// The targets of one event: users or channels, and whether a list was given.
struct Targets {
    users: Vec<String>,
    channels: Vec<String>,
    many: bool,
}

fn item(e: EventIn) -> Result<Item, ApiError> {
    let Targets { users, channels, many } = targets(e.user, e.users, e.channel, e.channels)?;
    let chars = e.kind.chars().count();
    if chars == 0 || chars > MAX_TYPE_CHARS {
        return Err(ApiError::bad("bad_type", format!("type must be 1 to {MAX_TYPE_CHARS} characters")));
    }
    if let Some(key) = &e.idempotency_key {
        let chars = key.chars().count();
        if chars == 0 || chars > MAX_KEY_CHARS {
            let why = format!("idempotencyKey must be 1 to {MAX_KEY_CHARS} characters");
            return Err(ApiError::bad("bad_idempotency_key", why));
        }
    }
    Ok(Item { users, channels, many, kind: e.kind, topic: e.topic, data: e.data, key: e.idempotency_key })
}

/// Exactly one of `user`, `users`, `channel`, `channels`, each name checked.
fn targets(user: Option<String>, users: Option<Vec<String>>, channel: Option<String>, channels: Option<Vec<String>>) -> Result<Targets, ApiError> {
    let given = [user.is_some(), users.is_some(), channel.is_some(), channels.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        let why = "give exactly one of user, users, channel and channels (an event goes to users or to channels, not both)";
        return Err(ApiError::bad("bad_request", why));
    }
    let to_users = |users: Vec<String>, many| check_users(&users).map(|()| Targets { users, channels: Vec::new(), many });
    let to_channels = |channels: Vec<String>, many| check_channels(&channels).map(|()| Targets { users: Vec::new(), channels, many });
    match (user, users, channel, channels) {
        (Some(user), ..) => to_users(vec![user], false),
        (_, Some(users), ..) => to_users(users, true),
        (_, _, Some(channel), _) => to_channels(vec![channel], false),
        (_, _, _, Some(channels)) => to_channels(channels, true),
        _ => Err(ApiError::bad("bad_user", "user (or users, channel, channels) is required")),
    }
}

fn check_users(users: &[String]) -> Result<(), ApiError> {
    if users.is_empty() {
        return Err(ApiError::bad("bad_user", "users must not be empty"));
    }
    users.iter().try_for_each(|u| check_user(u))?;
    let distinct: HashSet<&String> = users.iter().collect();
    if distinct.len() != users.len() {
        return Err(ApiError::bad("bad_user", "users must be distinct"));
    }
    Ok(())
}

/// Channel names by the protocol's rule ([`check_channel`]): a bad one is a 422
/// `bad_channel` naming the rule it breaks.
fn check_channels(channels: &[String]) -> Result<(), ApiError> {
    if channels.is_empty() {
        return Err(ApiError::bad("bad_channel", "channels must not be empty"));
    }
    for channel in channels {
        check_channel(channel).map_err(|why| bad_channel(format!("{channel:?}: {why}")))?;
    }
    let distinct: HashSet<&String> = channels.iter().collect();
    if distinct.len() != channels.len() {
        return Err(ApiError::bad("bad_channel", "channels must be distinct"));
    }
    Ok(())
}

/// A 422 `bad_channel`.
fn bad_channel(message: String) -> ApiError {
    ApiError { status: StatusCode::UNPROCESSABLE_ENTITY, code: "bad_channel", message }
}

/// Limits across the whole request: its size, and one use per idempotency key.
fn check_request(items: &[Item]) -> Result<(), ApiError> {
    let appends: usize = items.iter().map(|i| i.names().len()).sum();
    if appends > MAX_APPENDS {
        let why = format!("{appends} events (one per user or channel per event); the limit is {MAX_APPENDS}");
        return Err(ApiError::bad("too_many_events", why));
    }
    let mut keys = HashSet::new();
    for (i, key) in items.iter().enumerate().filter_map(|(i, it)| Some((i, it.key.as_ref()?))) {
        if !keys.insert(key) {
            return Err(at(i, ApiError::bad("bad_idempotency_key", "idempotencyKey repeats an earlier event's")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn code(body: &str) -> &'static str {
        parse(body.as_bytes()).map(|_| "ok").unwrap_or_else(|e| e.code)
    }

    #[test]
    fn bodies_and_their_verdicts() {
        let cases = [
            (r#"{"user":"ann","type":"t"}"#, "ok"),
            (r#"{"user":"ann","type":"t","topic":"x","data":{"a":1},"idempotencyKey":"k"}"#, "ok"),
            (r#"{"users":["ann","bob"],"type":"t"}"#, "ok"),
            (r#"{"events":[{"user":"ann","type":"t"}]}"#, "ok"),
            ("nope", "bad_request"),
            ("[]", "bad_request"),
            (r#"{"type":"t"}"#, "bad_user"),
            (r#"{"user":"a b","type":"t"}"#, "bad_user"),
            (r#"{"user":"ann","users":["bob"],"type":"t"}"#, "bad_request"),
            (r#"{"users":[],"type":"t"}"#, "bad_user"),
            (r#"{"users":["ann","ann"],"type":"t"}"#, "bad_user"),
            (r#"{"user":"ann"}"#, "bad_request"),
            (r#"{"user":"ann","type":""}"#, "bad_type"),
            (r#"{"user":"ann","type":"t","idempotencyKey":""}"#, "bad_idempotency_key"),
            (r#"{"user":"ann","type":"t","extra":1}"#, "bad_request"),
            (r#"{"events":[]}"#, "bad_request"),
            (r#"{"events":[{"user":"ann","type":"t"}],"user":"ann"}"#, "bad_request"),
            (r#"{"events":[{"user":"ann","type":"t","idempotencyKey":"k"},{"user":"bob","type":"t","idempotencyKey":"k"}]}"#, "bad_idempotency_key"),
            (r#"{"channel":"crew:a","type":"t"}"#, "ok"),
            (r#"{"channels":["crew:a","room:1"],"type":"t","idempotencyKey":"k"}"#, "ok"),
            (r#"{"events":[{"channel":"crew:a","type":"t"},{"user":"ann","type":"t"}]}"#, "ok"),
            (r#"{"channel":"crew:a","user":"ann","type":"t"}"#, "bad_request"),
            (r#"{"channels":["crew:a"],"users":["ann"],"type":"t"}"#, "bad_request"),
            (r#"{"channel":"crew:a","channels":["crew:b"],"type":"t"}"#, "bad_request"),
            (r#"{"channel":"crew","type":"t"}"#, "bad_channel"),
            (r#"{"channels":["crew:a","crew:a"],"type":"t"}"#, "bad_channel"),
            (r#"{"channels":[],"type":"t"}"#, "bad_channel"),
        ];
        for (body, want) in cases {
            assert_eq!(code(body), want, "{body}");
        }
    }

    #[test]
    fn a_bad_channel_is_a_422_naming_the_rule() {
        let e = parse(br#"{"events":[{"user":"ann","type":"t"},{"channel":"crew:a b","type":"t"}]}"#).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (422, "bad_channel"));
        assert!(e.message.starts_with("events[1]: \"crew:a b\": a channel name"), "{}", e.message);
    }

    #[test]
    fn a_user_and_a_channel_of_the_same_name_are_different_events() {
        let user = parse(br#"{"user":"crew:a","type":"t"}"#).unwrap().items.remove(0);
        let channel = parse(br#"{"channel":"crew:a","type":"t"}"#).unwrap().items.remove(0);
        assert_ne!(user.fingerprint(), channel.fingerprint());
    }

    #[test]
    fn batch_errors_name_the_event() {
        let e = parse(br#"{"events":[{"user":"ann","type":"t"},{"user":"ann","type":""}]}"#).unwrap_err();
        assert!(e.message.starts_with("events[1]: "), "{}", e.message);
    }

    #[test]
    fn appends_are_bounded_across_the_request() {
        let users: Vec<String> = (0..=super::MAX_APPENDS).map(|i| format!("u{i}")).collect();
        let body = serde_json::json!({ "users": users, "type": "t" }).to_string();
        assert_eq!(code(&body), "too_many_events");
    }
}
