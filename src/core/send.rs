//! `send`: size check, the bounded outbox, and rejecting what cannot be sent.

use super::machine::{Core, Stage};
use super::text::decimal;
use super::types::Output;
use crate::error::{Error, ErrorCode};

impl<P> Core<P> {
    pub(super) fn on_send(&mut self, id: String, text: String) {
        use super::outbox::Pushed;
        if self.closed_by_user {
            // Before the first connect (autoConnect: false) sends queue; after close() they fail.
            let error = Error::new(ErrorCode::Closed, "the client is closed; call connect() first");
            return self.reject(id, error);
        }
        if text.len() > self.opts.max_message_bytes {
            let (size, max) = (decimal(text.len() as u64), decimal(self.opts.max_message_bytes as u64));
            let msg = ["message is ", &size, " bytes; the limit (maxMessageBytes) is ", &max].concat();
            return self.reject(id, Error::new(ErrorCode::MessageTooLarge, msg));
        }
        let limit = decimal(self.opts.queue_limit as u64);
        match self.outbox.push(id.clone(), text.clone()) {
            Pushed::Refused => {
                let msg = ["the outbox already holds ", &limit, " unacked messages (queueLimit)"].concat();
                return self.reject(id, Error::new(ErrorCode::QueueFull, msg));
            }
            Pushed::Evicted(old) => {
                let msg = ["evicted by a newer message: the outbox holds ", &limit, " (drop-oldest)"].concat();
                self.reject(old, Error::new(ErrorCode::QueueFull, msg));
            }
            Pushed::Queued => {}
        }
        if self.stage == Stage::Ready {
            self.out.push(Output::SendText(text));
        }
    }

    /// `retry`: the server could not apply the message now (its backend is down or slow). It
    /// stays queued and is written again after a backoff that grows with each `retry` in a row,
    /// and at once with the rest after a reconnect.
    pub(super) fn on_retry(&mut self, now: f64, id: &str) {
        if !self.outbox.defer(id) {
            return; // acked or rejected meanwhile
        }
        self.stats.retried += 1;
        if self.resend_at.is_none() {
            self.resend_attempt = self.resend_attempt.saturating_add(1);
            let delay = self.opts.backoff.delay(self.resend_attempt, self.rng.next_f64());
            self.resend_at = Some(now + delay);
        }
    }

    /// Writes the deferred messages once their backoff has passed.
    pub(super) fn resend_deferred(&mut self, now: f64) {
        if self.resend_at.is_some_and(|t| now >= t) {
            self.resend_at = None;
            let texts = self.outbox.take_deferred();
            self.out.extend(texts.into_iter().map(Output::SendText));
        }
    }

    pub(super) fn reject(&mut self, id: String, error: Error) {
        self.stats.rejected += 1;
        self.out.push(Output::Rejected { id, error });
    }
}
