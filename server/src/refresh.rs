//! A socket lives as long as its token: it is closed with 4419 once the token's `exp` (plus the
//! leeway) has passed, unless the client sent `{"op":"refresh","token":T}` with a fresh token
//! for the same user. The refresh happens in band, on the open socket, so nothing is replayed
//! and nothing can be missed; a reconnect would cost a handshake and a replay per expiry.

use std::sync::Arc;
use std::time::{Duration, Instant};

use spellwire::protocol::{ServerFrame, CLOSE_UNAUTHORIZED};

use crate::auth::{expires_in_ms, unix_now_ms};
use crate::conn::ConnHandle;
use crate::frames::encode;
use crate::AppState;

/// Handles `refresh` on `user`'s socket: a good token for the same user moves the socket's
/// expiry, replaces what it grants (`granted`, its `channels` claim, for later `sub`s) and is
/// answered with `refreshed`; any other token closes the socket with 4401.
pub fn on_refresh(state: &AppState, user: &str, conn: &ConnHandle, granted: &mut Arc<[String]>, token: &str) -> Option<String> {
    let claims = match state.auth.verify(token) {
        Ok(claims) => claims,
        Err(why) => {
            tracing::debug!("refresh for {user} refused: {why}");
            conn.close(CLOSE_UNAUTHORIZED, "unauthorized");
            return None;
        }
    };
    if claims.sub != user {
        conn.close(CLOSE_UNAUTHORIZED, "refresh token is for another user");
        return None;
    }
    conn.set_token_exp(claims.exp);
    *granted = claims.channels.into();
    let expires_in_ms = Some(expires_in_ms(claims.exp, unix_now_ms()));
    Some(encode(&ServerFrame::Refreshed { expires_in_ms }))
}

/// Why the read loop's wait ended without a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The client sent nothing for the idle timeout (close 4408).
    Idle,
    /// The token ran out (close 4419).
    Expired,
}

/// How long the read loop may wait for the next frame: the idle timeout, or less when the
/// token (`exp`, unix seconds) ends sooner. Its end is `exp + leeway`, the last moment
/// [`crate::auth::Auth::verify`] would still accept the token. Time is passed in, as both the
/// monotonic `now` the timer runs on and the wall-clock `now_ms` that `exp` is measured in.
///
/// ```
/// use std::time::{Duration, Instant};
/// use spellwire_server::refresh::{deadline, Wake};
/// let (now, idle) = (Instant::now(), Duration::from_secs(60));
/// assert_eq!(deadline(now, 100_000, idle, Some(110), 5), (now + Duration::from_secs(15), Wake::Expired));
/// assert_eq!(deadline(now, 100_000, idle, Some(900), 5), (now + idle, Wake::Idle));
/// assert_eq!(deadline(now, 100_000, idle, None, 5), (now + idle, Wake::Idle));
/// ```
pub fn deadline(now: Instant, now_ms: u64, idle: Duration, exp: Option<u64>, leeway_secs: u64) -> (Instant, Wake) {
    let left = exp.map(|exp| Duration::from_millis(expires_in_ms(exp + leeway_secs, now_ms)));
    match left {
        Some(left) if left < idle => (now + left, Wake::Expired),
        _ => (now + idle, Wake::Idle),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_already_past_its_end_wakes_at_once() {
        let now = Instant::now();
        let idle = Duration::from_secs(60);
        assert_eq!(deadline(now, 200_000, idle, Some(100), 5), (now, Wake::Expired));
        assert_eq!(deadline(now, 104_999, idle, Some(100), 5), (now + Duration::from_millis(1), Wake::Expired));
    }
}
