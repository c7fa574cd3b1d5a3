//! The timer and the browser's hints (online, offline, visible): wall-clock checks of the socket.

use super::machine::Core;
use super::types::{Output, Phase};
use crate::protocol::{ClientFrame, CLOSE_TIMEOUT};

impl<P> Core<P> {
    pub(super) fn on_wake(&mut self, now: f64) {
        match self.phase {
            Phase::Reconnecting if self.retry_at.is_some_and(|t| now >= t) => self.start_attempt(now),
            Phase::Connecting if self.connect_deadline.is_some_and(|t| now >= t) => {
                self.note_attempt_end(self.stage);
                self.fail_attempt(now, "connect_timeout")
            }
            Phase::Open => self.check_open_socket(now),
            _ => {}
        }
    }

    /// Wall-clock checks of an open socket: dead, stuck gap repair, or ping due.
    pub(super) fn check_open_socket(&mut self, now: f64) {
        if self.live.is_dead(now) {
            self.fail_attempt(now, "heartbeat_timeout");
        } else if self.gap_deadline.is_some_and(|t| now >= t) || self.channel_gap_overdue(now) {
            self.fail_attempt(now, "gap_not_repaired");
        } else {
            if self.live.ping_due(now) {
                self.send_ping(now);
            }
            self.refresh_if_due(now);
            self.resend_deferred(now);
            self.resubscribe_due(now);
        }
    }

    pub(super) fn send_ping(&mut self, now: f64) {
        let id = self.live.ping(now);
        self.out.push(Output::SendFrame(ClientFrame::Ping { id }));
    }

    pub(super) fn on_online(&mut self, now: f64) {
        self.online = true;
        match (self.phase, self.hold_until) {
            (Phase::Offline, Some(until)) if self.held(now) => {
                self.phase = Phase::Reconnecting; // rate limited: wait out the rest of the hold
                self.retry_at = Some(until);
                self.reason = Some("rate_limited".into());
            }
            (Phase::Offline, _) => self.start_attempt(now),
            _ => {}
        }
    }

    pub(super) fn on_offline(&mut self, now: f64) {
        self.online = false;
        match self.phase {
            Phase::Reconnecting | Phase::Connecting => {
                self.abandon_socket(CLOSE_TIMEOUT, "offline");
                self.phase = Phase::Offline;
                self.retry_at = None;
                self.connect_deadline = None;
                self.reason = Some("offline".into());
            }
            // The socket may survive a network switch: probe it instead of dropping it.
            Phase::Open => self.send_ping(now),
            _ => {}
        }
    }

    pub(super) fn on_visible(&mut self, now: f64) {
        match self.phase {
            Phase::Open if self.live.is_dead(now) => self.fail_attempt(now, "heartbeat_timeout"),
            Phase::Open => self.send_ping(now),
            Phase::Reconnecting if !self.held(now) => self.start_attempt(now),
            _ => {}
        }
    }
}
