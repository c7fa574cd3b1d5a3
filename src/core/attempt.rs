//! One connection attempt's life: token, socket, hello, and what happens when it ends
//! (backoff, unauthorized, close by the user).

use super::backoff::Backoff;
use super::machine::{Core, Stage};
use super::text::decimal;
use super::types::{Output, Phase};
use crate::error::{Error, ErrorCode};
use crate::options::{http_url, Transport};
use crate::protocol::{
    ClientFrame, CLOSE_RATE_LIMITED, CLOSE_TIMEOUT, CLOSE_TOKEN_EXPIRED, CLOSE_TOO_BIG, CLOSE_UNAUTHORIZED,
};

impl<P> Core<P> {
    pub(super) fn on_connect_request(&mut self, now: f64) {
        if matches!(self.phase, Phase::Open | Phase::Connecting) {
            return;
        }
        self.attempt = 0;
        self.auth_retry_used = false;
        self.closed_by_user = false;
        self.hold_until = None; // retry() or connect(): the caller chose to try now
        self.reason = None; // a fresh start: earlier failures no longer explain anything
        self.start_over_transports();
        self.start_attempt(now);
    }

    pub(super) fn start_attempt(&mut self, now: f64) {
        self.gen += 1;
        self.phase = Phase::Connecting;
        self.stage = Stage::Token;
        self.retry_at = None;
        self.connect_deadline = Some(now + self.opts.connect_timeout_ms);
        self.out.push(Output::FetchToken { gen: self.gen });
    }

    pub(super) fn on_token(&mut self, now: f64, token: Result<String, String>) {
        if self.stage != Stage::Token {
            return;
        }
        match token {
            Ok(token) => {
                self.token = token;
                self.stage = Stage::Socket;
                let urls = self.opts.url.list();
                let url = &urls[self.url_index % urls.len()];
                let transport = self.transport;
                let url = if transport == Transport::Http { http_url(url) } else { url.clone() };
                self.out.push(Output::Open { gen: self.gen, url, transport });
            }
            Err(why) => {
                self.out.push(Output::Error(Error::new(ErrorCode::Token, why)));
                self.fail_attempt(now, "token_error");
            }
        }
    }

    pub(super) fn on_opened(&mut self) {
        if self.stage != Stage::Socket {
            return;
        }
        self.stage = Stage::Hello;
        self.failed_before_open = 0;
        let hello = ClientFrame::Hello { token: self.token.clone(), resume: self.seq.cursor() };
        self.out.push(Output::SendFrame(hello));
    }

    pub(super) fn on_closed(&mut self, now: f64, code: u16) {
        self.note_attempt_end(self.stage);
        self.stage = Stage::Idle;
        self.gen += 1; // the socket is gone: nothing more from it counts
        self.refresh_at = None;
        self.refreshing = false;
        if code == CLOSE_TOKEN_EXPIRED {
            return self.on_token_expired(now);
        }
        if code == CLOSE_UNAUTHORIZED {
            self.on_unauthorized(now);
            return;
        }
        if code == CLOSE_RATE_LIMITED {
            return self.on_rate_limited(now);
        }
        if code == CLOSE_TOO_BIG {
            self.drop_oversized_message();
        }
        self.fail_attempt(now, &["closed:", &decimal(code.into())].concat());
    }

    /// Close 4429: this socket sent frames faster than the server allows. Coming back at the
    /// usual pace would only be limited again, so the wait is [`Backoff::rate_limited_delay`]
    /// (at least 10 s), and neither a tab becoming visible nor the network coming back cuts
    /// it short; `retry()` does, as the caller's explicit choice.
    fn on_rate_limited(&mut self, now: f64) {
        self.fail_attempt(now, "rate_limited");
        let until = now + self.opts.backoff.rate_limited_delay(self.rng.next_f64());
        self.hold_until = Some(until);
        if self.phase == Phase::Reconnecting {
            self.retry_at = Some(until);
        }
    }

    /// Whether the server asked the client to stay away (4429) and that time has not passed.
    pub(super) fn held(&self, now: f64) -> bool {
        self.hold_until.is_some_and(|t| now < t)
    }

    /// The server closed with 1009: a queued message is above its limit (lower than
    /// `maxMessageBytes`). Resending it after every reconnect would loop forever, so the oldest
    /// unacked message (the first one written) is rejected instead.
    fn drop_oversized_message(&mut self) {
        if let Some(id) = self.outbox.pop_oldest() {
            let msg = "the server closed with 1009 (message too big): its limit is below maxMessageBytes";
            self.reject(id, Error::new(ErrorCode::MessageTooLarge, msg));
        }
    }

    pub(super) fn on_unauthorized(&mut self, now: f64) {
        if self.token_refreshable && !self.auth_retry_used {
            // The token may have expired: ask the token source once more before giving up.
            self.auth_retry_used = true;
            self.reason = Some("unauthorized".into());
            self.start_attempt(now);
            return;
        }
        self.phase = Phase::Failed;
        self.retry_at = None;
        self.connect_deadline = None;
        self.reason = Some("unauthorized".into());
        let msg = "the server refused the token (close 4401); call retry() with a new token";
        self.out.push(Output::Error(Error::new(ErrorCode::Unauthorized, msg)));
    }

    /// Ends the current attempt (or connection) and schedules the next one, if any.
    pub(super) fn fail_attempt(&mut self, now: f64, reason: &str) {
        self.abandon_socket(CLOSE_TIMEOUT, reason);
        let backoff: &Backoff = &self.opts.backoff;
        if self.opened_at.is_some_and(|t| now - t >= backoff.reset_after_ms) {
            self.attempt = 0;
        }
        self.opened_at = None;
        self.connect_deadline = None;
        self.gap_deadline = None;
        self.url_index += 1;
        self.reason = Some(reason.to_owned());
        if !self.online {
            self.phase = Phase::Offline;
            self.retry_at = None;
            return;
        }
        self.attempt = self.attempt.saturating_add(1);
        if f64::from(self.attempt) > backoff.max_attempts {
            self.phase = Phase::Failed;
            self.retry_at = None;
            self.reason = Some("max_attempts".into());
            return;
        }
        let delay = backoff.delay(self.attempt, self.rng.next_f64());
        self.retry_at = Some(now + delay);
        self.phase = Phase::Reconnecting;
    }

    /// Closes our own socket, if any; its late events are ignored from here on.
    pub(super) fn abandon_socket(&mut self, code: u16, reason: &str) {
        if self.stage != Stage::Idle {
            let reason = reason.to_owned();
            self.out.push(Output::Close { gen: self.gen, code, reason });
            self.gen += 1;
            self.stage = Stage::Idle;
        }
    }

    pub(super) fn on_close_request(&mut self) {
        if self.phase == Phase::Closed && self.stage == Stage::Idle && self.outbox.is_empty() {
            self.closed_by_user = true; // nothing to tear down, but stopped all the same
            return;
        }
        self.abandon_socket(1000, "client closed");
        self.phase = Phase::Closed;
        self.closed_by_user = true;
        self.retry_at = None;
        self.connect_deadline = None;
        self.reason = Some("closed_by_client".into());
        for id in self.outbox.clear() {
            let error = Error::new(ErrorCode::Closed, "the client was closed before the server acked");
            self.reject(id, error);
        }
    }
}
