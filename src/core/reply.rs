//! What the core does with each frame the server sends.

use super::machine::{Core, Stage, GAP_REPAIR_MS};
use super::seq::Verdict;
use super::text::decimal;
use super::types::{Output, Phase};
use crate::error::{Error, ErrorCode};
use crate::protocol::{ClientFrame, ServerFrame, Welcome};

impl<P> Core<P> {
    pub(super) fn on_frame(&mut self, now: f64, frame: ServerFrame<P>) {
        self.live.received(now);
        match frame {
            ServerFrame::Welcome(w) => self.on_welcome(now, w),
            ServerFrame::Pong { id } => {
                self.live.pong(id, now);
            }
            ServerFrame::Ack { id, result } => {
                if self.outbox.ack(&id) {
                    self.stats.acked += 1;
                    self.resend_attempt = 0; // the server takes messages again
                    self.out.push(Output::Acked { id, result });
                }
            }
            ServerFrame::Nack { id, code, message } => {
                if self.outbox.ack(&id) {
                    self.reject(id, nack_error(&code, message));
                }
            }
            ServerFrame::Retry { id, .. } => self.on_retry(now, &id),
            ServerFrame::Refreshed { expires_in_ms } => self.on_refreshed(now, expires_in_ms),
            ServerFrame::Error { code, message } => {
                let error = Error::new(ErrorCode::Server, [code.as_str(), ": ", &message].concat());
                self.out.push(Output::Error(error));
            }
            ServerFrame::Event(e) => self.on_malformed(["event ", &decimal(e.seq), " without payload"].concat()),
            ServerFrame::Subscribed(s) if self.stage == Stage::Ready => self.on_subscribed(s),
            ServerFrame::Refused { channel, code, message } if self.stage == Stage::Ready => {
                self.on_refused(now, channel, code, message)
            }
            ServerFrame::Subscribed(_) | ServerFrame::Refused { .. } => {
                self.on_malformed("subscribed or refused before welcome".into())
            }
        }
    }

    fn on_welcome(&mut self, now: f64, w: Welcome) {
        if self.stage != Stage::Hello {
            return self.on_malformed("welcome outside the handshake".into());
        }
        self.stage = Stage::Ready;
        self.phase = Phase::Open;
        self.settle_transport();
        self.opened_at = Some(now);
        self.connect_deadline = None;
        self.reason = None;
        self.auth_retry_used = false;
        if self.ever_opened {
            self.stats.reconnects += 1;
        }
        self.ever_opened = true;
        let advertised = if w.heartbeat_ms > 0 { w.heartbeat_ms as f64 } else { 25_000.0 };
        // Never slower than the server asks: it closes sockets that stay silent too long.
        let interval = self.opts.heartbeat_ms.map_or(advertised, |mine| mine.min(advertised));
        self.live.set_interval(interval);
        self.live.start(now);
        if self.seq.cursor().is_some() && !w.resumed {
            self.stats.resets += 1;
            self.out.push(Output::Reset);
        }
        self.seq.restart(&w.epoch, w.after);
        self.schedule_refresh(now, w.expires_in_ms);
        self.replay_until = w.head;
        self.subscribe_all();
        self.resend_at = None; // every queued message goes out now, deferred ones included
        let queued: Vec<String> = self.outbox.frames().map(str::to_owned).collect();
        self.out.extend(queued.into_iter().map(Output::SendText));
        self.send_ping(now); // measure latency at once
    }

    pub(super) fn on_event(&mut self, now: f64, seq: u64, payload: P) {
        if self.stage != Stage::Ready {
            return self.on_malformed(["event ", &decimal(seq), " before welcome"].concat());
        }
        if self.accept_next_event(now, self.gen, seq) {
            return self.out.push(Output::Deliver(payload));
        }
        self.live.received(now);
        match self.seq.accept(seq) {
            Verdict::Deliver => {} // the next one: accept_next_event took it
            Verdict::Duplicate => self.stats.duplicates += 1,
            Verdict::Gap { after } if self.gap_deadline.is_none() => {
                self.stats.gaps += 1;
                self.gap_deadline = Some(now + GAP_REPAIR_MS);
                self.out.push(Output::SendFrame(ClientFrame::Replay { after, channel: None }));
            }
            Verdict::Gap { .. } => {} // replay already requested; it resends this one too
        }
    }

    pub(super) fn on_malformed(&mut self, message: String) {
        self.stats.bad_frames += 1;
        self.out.push(Output::Error(Error::new(ErrorCode::BadFrame, message)));
    }
}

/// A `nack`'s error: `Rejected`, with the application backend's own message when it refused
/// the message (code `rejected`), else the server's code and message (tested by the
/// transcripts in tests/gateway_transcripts.rs).
fn nack_error(code: &str, message: String) -> Error {
    if code == "rejected" {
        return Error::new(ErrorCode::Rejected, message);
    }
    Error::new(ErrorCode::Rejected, [code, ": ", &message].concat())
}
