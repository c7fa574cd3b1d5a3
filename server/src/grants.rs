//! Who may join which channel: the token's `channels` claim, then (when configured) the
//! backend's subscribe proxy ([`crate::proxy::subscribe`]), else nobody (docs/PROTOCOL.md,
//! "Channels", "Permission"). Also the rule a `channels` claim must follow to be accepted.

use spellwire::protocol::check_channel;

use crate::AppState;

/// Most entries a token's `channels` claim may hold.
pub const MAX_GRANTS: usize = 256;

/// Why a `sub` is refused: the `refused` frame's code and message.
///
/// ```
/// let r = spellwire_server::grants::Refusal::forbidden("crew:b");
/// assert_eq!(r.code, "forbidden");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `bad_channel`, `forbidden`, `too_many_channels` or `unavailable`.
    pub code: &'static str,
    /// Said to the client as is.
    pub message: String,
}

impl Refusal {
    /// Neither the token nor the backend grants `channel`.
    pub fn forbidden(channel: &str) -> Self {
        Self::denied(format!("this token does not grant {channel}"))
    }

    /// `forbidden`, in the backend's words.
    ///
    /// ```
    /// assert_eq!(spellwire_server::grants::Refusal::denied("crews only").code, "forbidden");
    /// ```
    pub fn denied(message: impl Into<String>) -> Self {
        Self { code: "forbidden", message: message.into() }
    }

    /// The subscribe proxy (or the store) cannot decide now; the client asks again later.
    ///
    /// ```
    /// assert_eq!(spellwire_server::grants::Refusal::unavailable("down").code, "unavailable");
    /// ```
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self { code: "unavailable", message: message.into() }
    }
}

/// Whether `granted` (a token's `channels` claim) lists `channel`, exactly or as `namespace:*`.
///
/// ```
/// use spellwire_server::grants::claims_grant;
/// let granted = vec!["crew:alpha".to_string(), "room:*".to_string()];
/// assert!(claims_grant(&granted, "crew:alpha"));
/// assert!(claims_grant(&granted, "room:lobby"));
/// assert!(!claims_grant(&granted, "crew:beta"));
/// assert!(!claims_grant(&granted, "roomy:x")); // a pattern covers its own namespace only
/// ```
pub fn claims_grant(granted: &[String], channel: &str) -> bool {
    let ns = channel.split_once(':').map(|(ns, _)| ns);
    granted.iter().any(|g| match g.strip_suffix(":*") {
        Some(pattern_ns) => ns == Some(pattern_ns),
        None => g == channel,
    })
}

/// Decides a `sub` of `user`, whose token granted `granted`: a bad name is refused first, then
/// the claims are read; the subscribe proxy (when configured) is asked about the rest, which
/// may take up to `--proxy-timeout-ms`.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use spellwire_server::{grants::may_subscribe, AppState};
/// let state = AppState::new(Default::default());
/// let granted = vec!["crew:*".to_string()];
/// assert!(may_subscribe(&state, "ann", &granted, "crew:a").await.is_ok());
/// assert_eq!(may_subscribe(&state, "ann", &granted, "room:a").await.unwrap_err().code, "forbidden");
/// assert_eq!(may_subscribe(&state, "ann", &granted, "crew").await.unwrap_err().code, "bad_channel");
/// # });
/// ```
pub async fn may_subscribe(state: &AppState, user: &str, granted: &[String], channel: &str) -> Result<(), Refusal> {
    check_channel(channel).map_err(|why| Refusal { code: "bad_channel", message: why.into() })?;
    if claims_grant(granted, channel) {
        return Ok(());
    }
    crate::proxy::subscribe::ask(&state.config, user, channel).await
}

/// Whether `ns` is a channel namespace: 1 to 32 of `A-Z a-z 0-9 _ -`.
///
/// ```
/// use spellwire_server::grants::valid_namespace;
/// assert!(valid_namespace("run_2-b"));
/// assert!(!valid_namespace(""));
/// assert!(!valid_namespace("a:b"));
/// ```
pub fn valid_namespace(ns: &str) -> bool {
    (1..=32).contains(&ns.len()) && ns.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Checks one entry of a `channels` claim: a channel name ([`check_channel`]) or `namespace:*`.
///
/// ```
/// use spellwire_server::grants::check_grant;
/// assert!(check_grant("crew:alpha").is_ok());
/// assert!(check_grant("crew:*").is_ok());
/// assert!(check_grant("*").is_err());
/// ```
pub fn check_grant(entry: &str) -> Result<(), String> {
    match entry.strip_suffix(":*") {
        Some(ns) if valid_namespace(ns) => Ok(()),
        Some(_) => Err(format!("{entry:.140}: a pattern is namespace:* with a namespace of 1 to 32 of A-Z a-z 0-9 _ -")),
        None => check_channel(entry).map_err(|why| format!("{entry:.140}: {why}")),
    }
}

/// Checks a whole `channels` claim: at most [`MAX_GRANTS`] entries, each by [`check_grant`].
///
/// ```
/// use spellwire_server::grants::check_grants;
/// assert!(check_grants(&["room:*".to_string(), "run:42".to_string()]).is_ok());
/// assert!(check_grants(&["room:a b".to_string()]).unwrap_err().starts_with("channels: room:a b"));
/// ```
pub fn check_grants(entries: &[String]) -> Result<(), String> {
    if entries.len() > MAX_GRANTS {
        return Err(format!("channels: at most {MAX_GRANTS} entries"));
    }
    entries.iter().try_for_each(|e| check_grant(e)).map_err(|why| format!("channels: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_cover_their_namespace_and_nothing_else() {
        let granted = strings(&["run:*", "crew:alpha", "room:lobby:*"]);
        let yes = ["run:42", "run:42:steps", "run:a.b@c=d", "crew:alpha"];
        let no = ["runs:1", "ru:1", "xrun:1", "crew:alpha2", "crew:alph", "crew:alpha:x", "room:lobby:1", "room:lobby"];
        for c in yes {
            assert!(claims_grant(&granted, c), "{c}");
        }
        for c in no {
            assert!(!claims_grant(&granted, c), "{c}");
        }
        assert!(!claims_grant(&[], "run:1"));
        assert!(!claims_grant(&strings(&["*"]), "run:1"), "no wildcard over namespaces");
        assert!(!claims_grant(&strings(&[":*"]), "run:1"));
    }

    #[test]
    fn only_names_and_namespace_patterns_are_valid_entries() {
        for good in ["run:*", "run:42", "a:b", "A_-9:*", &format!("{}:*", "n".repeat(32))] {
            assert!(check_grant(good).is_ok(), "{good}");
        }
        let long_ns = format!("{}:*", "n".repeat(33));
        let long_name = format!("run:{}", "x".repeat(125));
        for bad in ["", "*", ":*", "run", "run:", "run:**", "run:a*", "r n:*", "a:b:*", "é:*", &long_ns, &long_name] {
            assert!(check_grant(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_claim_holds_at_most_the_maximum() {
        let full = vec!["run:*".to_string(); MAX_GRANTS];
        assert!(check_grants(&full).is_ok());
        let over = vec!["run:*".to_string(); MAX_GRANTS + 1];
        assert!(check_grants(&over).unwrap_err().contains("256"));
    }
}
