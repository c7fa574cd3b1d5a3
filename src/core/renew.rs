//! Token renewal on an open socket: `welcome` and `refreshed` say when the token expires; a
//! little before then the core asks for a new token and sends it in a `refresh` frame, so the
//! socket stays up. A socket whose token expired anyway is closed by the server with 4419.

use super::machine::{Core, Stage};
use super::types::{Output, Phase};
use crate::error::{Error, ErrorCode};
use crate::protocol::ClientFrame;

/// The most time before expiry at which a token is renewed (ms).
const RENEW_AHEAD_MAX_MS: f64 = 30_000.0;
/// The share of the token's remaining life spent before renewing it, for short-lived tokens.
const RENEW_AT_SHARE: f64 = 0.8;

/// When to renew a token that expires in `expires_in_ms`, counted from the same moment:
/// 30 s ahead, or at 80% of its life when it lives less than 150 s.
///
/// ```
/// use spellwire::core::renew_after;
/// assert_eq!(renew_after(3_600_000.0), 3_570_000.0);
/// assert_eq!(renew_after(5_000.0), 4_000.0);
/// ```
pub fn renew_after(expires_in_ms: f64) -> f64 {
    let ahead = (expires_in_ms * (1.0 - RENEW_AT_SHARE)).min(RENEW_AHEAD_MAX_MS);
    (expires_in_ms - ahead).max(0.0)
}

impl<P> Core<P> {
    /// Plans the next renewal after a `welcome` or `refreshed`. A fixed token cannot be
    /// renewed: the server closes with 4419 at expiry and the client then stops.
    pub(super) fn schedule_refresh(&mut self, now: f64, expires_in_ms: Option<u64>) {
        self.refreshing = false;
        self.refresh_at = match expires_in_ms {
            Some(ms) if self.token_refreshable => Some(now + renew_after(ms as f64)),
            _ => None,
        };
    }

    /// At the planned time, asks the driver for a new token (answered by `Input::Token`).
    pub(super) fn refresh_if_due(&mut self, now: f64) {
        if self.refresh_at.is_some_and(|t| now >= t) && !self.refreshing {
            self.refresh_at = None;
            self.refreshing = true;
            self.out.push(Output::FetchToken { gen: self.gen });
        }
    }

    /// A token fetched for renewal: sent in-band. If the token function failed, the socket
    /// carries on until the server closes it with 4419, and the reconnect asks again.
    pub(super) fn on_refresh_token(&mut self, token: Result<String, String>) {
        self.refreshing = false;
        match token {
            Ok(token) => {
                self.token = token.clone();
                self.out.push(Output::SendFrame(ClientFrame::Refresh { token }));
            }
            Err(why) => self.out.push(Output::Error(Error::new(ErrorCode::Token, why))),
        }
    }

    /// `refreshed`: the new token is in force; plan the next renewal.
    pub(super) fn on_refreshed(&mut self, now: f64, expires_in_ms: Option<u64>) {
        self.stats.refreshes += 1;
        self.schedule_refresh(now, expires_in_ms);
    }

    /// Whether a token that arrives now answers a renewal (not an attempt's own fetch).
    pub(super) fn awaits_refresh_token(&self) -> bool {
        self.refreshing && self.stage == Stage::Ready
    }

    /// Close 4419: the token expired on an open socket. A token function is asked again at
    /// once and the client resumes (reason `token_expired` while it reconnects); a fixed token
    /// cannot be renewed, so the client fails with reason `unauthorized`, as for a refused one.
    pub(super) fn on_token_expired(&mut self, now: f64) {
        if self.token_refreshable {
            self.reason = Some("token_expired".into());
            self.opened_at = None;
            self.start_attempt(now);
            return;
        }
        self.phase = Phase::Failed;
        self.retry_at = None;
        self.connect_deadline = None;
        self.reason = Some("unauthorized".into()); // as for a refused token: a new one is needed
        let msg = "the token expired (close 4419) and a fixed token cannot be renewed: pass a token function, or call retry() with a new token";
        self.out.push(Output::Error(Error::new(ErrorCode::Unauthorized, msg)));
    }
}
