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

    pub(super) fn reject(&mut self, id: String, error: Error) {
        self.stats.rejected += 1;
        self.out.push(Output::Rejected { id, error });
    }
}
