//! Which transport the next attempt uses. WebSocket attempts that end before the socket
//! opens, twice in a row, look like a proxy that refuses or cuts the upgrade (a server that is
//! merely down fails over HTTP just the same, so nothing is lost by moving). When `http` is
//! listed the client then moves to HTTP and stays there for the page's life: probing WebSocket
//! again would cost those users a failed attempt, and its delay, every time. `retry()` and
//! `connect()` start again from the first listed transport.

use super::machine::Core;
use crate::options::Transport;

/// WebSocket attempts that must end before opening, in a row, before the client moves to HTTP.
const FAILURES_BEFORE_FALLBACK: u8 = 2;

impl<P> Core<P> {
    /// An attempt ended; `before_open` when its socket had been asked for and never opened.
    pub(super) fn note_attempt_end(&mut self, before_open: bool) {
        if self.transport != Transport::WebSocket || !before_open {
            return;
        }
        self.failed_before_open += 1;
        if self.failed_before_open >= FAILURES_BEFORE_FALLBACK && self.opts.transports.contains(&Transport::Http) {
            self.transport = Transport::Http;
        }
    }

    /// A fresh start (`connect()`, `retry()`): the first listed transport, no failures counted.
    pub(super) fn start_over_transports(&mut self) {
        self.transport = self.opts.first_transport();
        self.failed_before_open = 0;
    }
}
