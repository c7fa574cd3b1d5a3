//! Redis key names, built so that no two users, and no user and a message id, can ever name
//! the same key, and so that one user's keys share a Redis Cluster slot.
//!
//! A user's keys are `{prefix}:u:{<user>}:<what>`, with `what` one of a fixed few words. The
//! user sits between braces, which makes it the key's hash tag, and `%`, `{` and `}` in it are
//! percent-escaped, so the user part ends at the first `}` and reads back unambiguously: two
//! different users, or two different `what`s, always give two different keys. Message ids and
//! publish idempotency keys never take part in a user's key name: ids are hashed into a member
//! of the user's `ids` set, and idempotency keys live under `{prefix}:idem:`.

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
    fn a_users_keys_share_one_hash_tag() {
        let tag = |k: &str| k[k.find('{').unwrap() + 1..k.find('}').unwrap()].to_owned();
        for u in ["ann", "a:b", "x}y{z"] {
            let tags: HashSet<String> = ["meta", "log", "ids", "applied"].iter().map(|w| tag(&user_key("p", u, w))).collect();
            assert_eq!(tags.len(), 1, "{u}: {tags:?}");
            assert_eq!(tags.into_iter().next().unwrap(), escape(u));
        }
    }
}
