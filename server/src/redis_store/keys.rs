//! Redis key and pub/sub channel names, built so that no two streams (users or channels), and
//! no stream and a message id, can ever name the same key, and so that one stream's keys share
//! a Redis Cluster slot.
//!
//! A user's keys are `{prefix}:u:{<user>}:<what>`, a channel's `{prefix}:c:{<channel>}:<what>`,
//! with `what` one of a fixed few words. The name sits between braces, which makes it the key's
//! hash tag, and `%`, `{` and `}` in it are percent-escaped, so the name ends at the first `}`
//! and reads back unambiguously: two different streams, or two different `what`s, always give
//! two different keys; the `u`/`c` before the brace keeps a user named like a channel apart
//! from it. Message ids and publish idempotency keys never take part in a key name: ids are
//! hashed into a member of the user's `ids` set, and idempotency keys live under
//! `{prefix}:idem:`.
//!
//! Each stream's events are published on its own pub/sub channel, [`events_channel`], so a
//! node subscribes to the streams its sockets read and receives nothing else.

use crate::stream::Stream;

/// A user's key: `{prefix}:u:{<escaped user>}:{what}`.
///
/// ```
/// use spellwire_server::redis_store::keys::user_key;
/// assert_eq!(user_key("sw", "ann", "log"), "sw:u:{ann}:log");
/// assert_eq!(user_key("sw", "a:id:b", "log"), "sw:u:{a:id:b}:log");
/// assert_eq!(user_key("sw", "a}b", "meta"), "sw:u:{a%7Db}:meta");
/// ```
pub fn user_key(prefix: &str, user: &str, what: &str) -> String {
    format!("{prefix}:u:{{{}}}:{what}", escape(user))
}

/// A stream's key: [`user_key`] for a user, `{prefix}:c:{<escaped channel>}:{what}` for a
/// channel.
///
/// ```
/// use spellwire_server::{redis_store::keys::stream_key, stream::Stream};
/// assert_eq!(stream_key("sw", &Stream::User("crew:a".into()), "log"), "sw:u:{crew:a}:log");
/// assert_eq!(stream_key("sw", &Stream::Channel("crew:a".into()), "log"), "sw:c:{crew:a}:log");
/// ```
pub fn stream_key(prefix: &str, stream: &Stream, what: &str) -> String {
    match stream {
        Stream::User(user) => user_key(prefix, user, what),
        Stream::Channel(channel) => format!("{prefix}:c:{{{}}}:{what}", escape(channel)),
    }
}

/// The pub/sub channel a stream's events are published on: `{prefix}:ev:u:{<user>}` or
/// `{prefix}:ev:c:{<channel>}` (escaped as in [`user_key`]).
///
/// ```
/// use spellwire_server::{redis_store::keys::events_channel, stream::Stream};
/// assert_eq!(events_channel("sw", &Stream::User("ann".into())), "sw:ev:u:{ann}");
/// assert_eq!(events_channel("sw", &Stream::Channel("room:1".into())), "sw:ev:c:{room:1}");
/// ```
pub fn events_channel(prefix: &str, stream: &Stream) -> String {
    let (kind, name) = wire_parts(stream);
    format!("{prefix}:ev:{kind}:{{{}}}", escape(name))
}

/// How a published message names its stream: `u:` or `c:` and the name, unescaped (names hold
/// no newline, which ends it in the message).
///
/// ```
/// use spellwire_server::{redis_store::keys::{wire_id, parse_wire_id}, stream::Stream};
/// let s = Stream::Channel("run:42".into());
/// assert_eq!(wire_id(&s), "c:run:42");
/// assert_eq!(parse_wire_id("c:run:42"), Some(s));
/// assert_eq!(parse_wire_id("x:ann"), None);
/// ```
pub fn wire_id(stream: &Stream) -> String {
    let (kind, name) = wire_parts(stream);
    format!("{kind}:{name}")
}

/// The stream a [`wire_id`] names.
///
/// ```
/// use spellwire_server::{redis_store::keys::parse_wire_id, stream::Stream};
/// assert_eq!(parse_wire_id("u:ann"), Some(Stream::User("ann".into())));
/// ```
pub fn parse_wire_id(id: &str) -> Option<Stream> {
    match id.split_once(':')? {
        ("u", user) => Some(Stream::User(user.to_owned())),
        ("c", channel) => Some(Stream::Channel(channel.to_owned())),
        _ => None,
    }
}

fn wire_parts(stream: &Stream) -> (&'static str, &str) {
    match stream {
        Stream::User(user) => ("u", user),
        Stream::Channel(channel) => ("c", channel),
    }
}

/// `user` with `%`, `{` and `}` percent-escaped.
///
/// ```
/// use spellwire_server::redis_store::keys::escape;
/// assert_eq!(escape("a:b.c-d_e"), "a:b.c-d_e");
/// assert_eq!(escape("%7D}{"), "%257D%7D%7B");
/// ```
pub fn escape(user: &str) -> String {
    let mut out = String::with_capacity(user.len());
    for c in user.chars() {
        match c {
            '%' => out.push_str("%25"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            c => out.push(c),
        }
    }
    out
}

/// Why `prefix` cannot be used: a brace in it would become the hash tag of every key.
///
/// ```
/// use spellwire_server::redis_store::keys::check_prefix;
/// assert!(check_prefix("spellwire:prod").is_ok());
/// assert!(check_prefix("sw{1}").is_err());
/// ```
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    if prefix.contains(['{', '}']) {
        return Err(format!("--redis-prefix {prefix:?} must not contain braces (they mark a user's hash tag)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Users and key words chosen to collide under a layout that joins parts with `:` alone,
    /// or that does not escape the braces or the escape character.
    #[test]
    fn no_two_users_or_words_share_a_key() {
        let users = ["a", "a:id:b", "a:id:b:log", "a}", "a%7D", "a%257D", "a}:log", "{a}", "a:u:{b", "b"];
        let words = ["meta", "log", "ids", "applied", "id:b:log"];
        let mut seen = HashSet::new();
        for u in users {
            for w in words {
                assert!(seen.insert(user_key("p", u, w)), "{u} / {w} collides");
            }
        }
    }

    #[test]
    fn users_and_channels_of_one_name_never_share_a_key_or_a_channel() {
        let mut seen = HashSet::new();
        for name in ["crew:a", "a", "u:{a}", "c:{a}", "a}:log"] {
            for s in [Stream::User(name.into()), Stream::Channel(name.into())] {
                for w in ["meta", "log"] {
                    assert!(seen.insert(stream_key("p", &s, w)), "{s:?} / {w}");
                }
                assert!(seen.insert(events_channel("p", &s)), "{s:?}");
            }
        }
    }

    #[test]
    fn a_users_keys_share_one_hash_tag() {
        let tag = |k: &str| k[k.find('{').unwrap() + 1..k.find('}').unwrap()].to_owned();
        for u in ["ann", "a:b", "x}y{z"] {
            let tags: HashSet<String> = ["meta", "log", "ids", "applied"].iter().map(|w| tag(&user_key("p", u, w))).collect();
            assert_eq!(tags.len(), 1, "{u}: {tags:?}");
            assert_eq!(tags.into_iter().next().unwrap(), escape(u));
        }
    }
}
