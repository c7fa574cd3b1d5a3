//! Which transport the next attempt uses. WebSocket attempts that end before the socket
//! opens, twice in a row, look like a proxy that refuses or cuts the upgrade; so does a server
//! that is down, which HTTP cannot reach either. So when `http` is listed the client tries HTTP
//! next, and only an HTTP attempt that is welcomed settles it: from then on the client stays
//! on HTTP for the page's life (probing WebSocket again would cost those users a failed attempt,
//! and its delay, every time). An HTTP attempt that ends before its welcome sends the client
//! back to WebSocket, so a server restart does not move its clients to HTTP for good.
//! `retry()` and `connect()` start again from the first listed transport.

use super::machine::{Core, Stage};
use crate::options::Transport;

/// WebSocket attempts that must end before opening, in a row, before the client moves to HTTP.
const FAILURES_BEFORE_FALLBACK: u8 = 2;

impl<P> Core<P> {
    /// An attempt ended at `stage` (how far it got).
    pub(super) fn note_attempt_end(&mut self, stage: Stage) {
        match self.transport {
            Transport::WebSocket if stage == Stage::Socket => {
                self.failed_before_open += 1;
                if self.failed_before_open >= FAILURES_BEFORE_FALLBACK && self.opts.transports.contains(&Transport::Http) {
                    self.transport = Transport::Http;
                }
            }
            Transport::Http if stage != Stage::Ready && !self.http_settled && self.opts.first_transport() == Transport::WebSocket => {
                self.transport = Transport::WebSocket;
                self.failed_before_open = 0;
            }
            _ => {}
        }
    }

    /// A welcome: over HTTP, the client stays on HTTP from now on.
    pub(super) fn settle_transport(&mut self) {
        self.http_settled |= self.transport == Transport::Http;
    }

    /// A fresh start (`connect()`, `retry()`): the first listed transport, no failures counted.
    pub(super) fn start_over_transports(&mut self) {
        self.transport = self.opts.first_transport();
        self.failed_before_open = 0;
        self.http_settled = false;
    }
}
