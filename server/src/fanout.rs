//! The sockets of one stream (a user's personal stream or a channel) on this node, each with
//! the last seq it was given.
//!
//! This is where the no-gap, no-overlap rule is applied to each socket: a *pending* socket
//! queues live events until its replay is known ([`Live::go_live`] then sends those after the
//! replay's `head`), a live one takes only `seq == last + 1`, and anything further ahead is a
//! gap, reported and never forwarded, which the hub repairs by re-reading the log
//! ([`Live::offer`] is idempotent, so reading too much is harmless). Why that is enough, for
//! the memory store and across Redis nodes (including which pub/sub subscription must be
//! confirmed before which snapshot), is argued once, in [`crate::hub::backend`].

use std::sync::Arc;
use std::time::Instant;

use crate::conn::{ConnHandle, Out, CLOSE_OVERLOADED};

/// One socket and how far it got.
struct Sub {
    conn: ConnHandle,
    /// Last seq queued to this socket (meaningless while pending).
    last: u64,
    /// Live events that arrived before the replay was known, oldest first.
    pending: Option<Vec<(u64, Arc<str>)>>,
    /// A push failed: the socket is closed or being closed for overflowing.
    dead: bool,
}

/// Live state of one stream on this node: its sockets and test-hook switches.
#[derive(Default)]
pub struct Live {
    subs: Vec<Sub>,
    /// Pings from this user go unanswered until then (test hook).
    pub mute_pongs_until: Option<Instant>,
    /// A resync task is running for this stream.
    pub resyncing: bool,
    /// A gap was seen since the running resync read the stream.
    pub gap: bool,
    /// When the last socket left, if one did: the stream is forgotten a retention period later
    /// ([`crate::hub::Hub::sweep`]), so a client that drops and comes back keeps its cursor.
    pub left_at: Option<Instant>,
}

impl Live {
    /// Adds a socket that already got its replay up to `last`.
    pub fn add_live(&mut self, conn: ConnHandle, last: u64) {
        self.reserve_one();
        self.subs.push(Sub { conn, last, pending: None, dead: false });
    }

    /// Adds a socket whose replay is not known yet; live events are queued for it.
    pub fn add_pending(&mut self, conn: ConnHandle) {
        self.reserve_one();
        self.subs.push(Sub { conn, last: 0, pending: Some(Vec::new()), dead: false });
    }

    /// Most users have one socket: room for exactly one at first (a first push would make room
    /// for four), the usual doubling after that.
    fn reserve_one(&mut self) {
        if self.subs.capacity() == 0 {
            self.subs.reserve_exact(1);
        }
    }

    /// Makes socket `id` live after its replay ended at `head`: flushes queued events after
    /// `head`. Returns true when a queued event showed a gap.
    pub fn go_live(&mut self, id: u64, head: u64) -> bool {
        let Some(sub) = self.subs.iter_mut().find(|s| s.conn.id == id) else { return false };
        let queued = sub.pending.take().unwrap_or_default();
        sub.last = head;
        let mut gap = false;
        for (seq, frame) in queued {
            gap |= sub.offer(seq, &frame) == Offer::Gap;
        }
        self.subs.retain(|s| !s.dead);
        gap
    }

    /// Forgets socket `id`.
    pub fn remove(&mut self, id: u64) {
        self.subs.retain(|s| s.conn.id != id);
    }

    /// Offers an event to every socket; returns how many took it and whether any has a gap.
    pub fn offer(&mut self, seq: u64, frame: &Arc<str>) -> (usize, bool) {
        let (mut took, mut gap) = (0, false);
        for sub in &mut self.subs {
            match sub.offer(seq, frame) {
                Offer::Sent => took += 1,
                Offer::Gap => gap = true,
                Offer::Skipped => {}
            }
        }
        self.subs.retain(|s| !s.dead);
        (took, gap)
    }

    /// After a resync fed every retained event up to `head`: sockets still behind lost events
    /// to retention; close them (1013) so their client reconnects and learns it (`reset`).
    /// Only sockets the read could have repaired (`last >= from`) are judged.
    pub fn close_behind(&mut self, from: u64, head: u64) {
        let hopeless = |s: &Sub| s.pending.is_none() && from <= s.last && s.last < head;
        for sub in self.subs.iter().filter(|s| hopeless(s)) {
            sub.conn.close(CLOSE_OVERLOADED, "fell behind the log; resume from your cursor");
        }
        self.subs.retain(|s| !hopeless(s));
    }

    /// Lowest `last` over live sockets: where a resync must read from.
    pub fn lowest(&self) -> Option<u64> {
        self.subs.iter().filter(|s| s.pending.is_none()).map(|s| s.last).min()
    }

    /// Whether any socket is registered.
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Whether this state can be forgotten at `now`: no socket for at least `linger` (or
    /// never one), no resync running, no test-hook switch still on.
    pub fn idle(&self, now: Instant, linger: std::time::Duration) -> bool {
        let left_long_ago = self.left_at.is_none_or(|t| now.saturating_duration_since(t) >= linger);
        let muted = self.mute_pongs_until.is_some_and(|t| now < t);
        self.subs.is_empty() && !self.resyncing && !muted && left_long_ago
    }

    /// Removes every socket, returning their handles.
    pub fn take(&mut self) -> Vec<ConnHandle> {
        std::mem::take(&mut self.subs).into_iter().map(|s| s.conn).collect()
    }

    /// The socket handles.
    pub fn conns(&self) -> impl Iterator<Item = &ConnHandle> {
        self.subs.iter().map(|s| &s.conn)
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Offer {
    Sent,
    Skipped,
    Gap,
}

impl Sub {
    fn offer(&mut self, seq: u64, frame: &Arc<str>) -> Offer {
        if let Some(queue) = &mut self.pending {
            queue.push((seq, frame.clone()));
            return Offer::Skipped;
        }
        if seq <= self.last {
            return Offer::Skipped;
        }
        if seq > self.last + 1 {
            return Offer::Gap;
        }
        if !self.conn.push(Out::Frame(frame.clone())) {
            self.dead = true;
            return Offer::Skipped;
        }
        self.last = seq;
        Offer::Sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u64) -> Arc<str> {
        seq.to_string().into()
    }

    fn drain(rx: &mut tokio::sync::mpsc::Receiver<Out>) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(Out::Frame(f)) = rx.try_recv() {
            got.push(f.to_string());
        }
        got
    }

    #[test]
    fn pending_socket_gets_only_events_after_its_replay() {
        let (h, mut rx, _ctl) = ConnHandle::new();
        let mut live = Live::default();
        live.add_pending(h.clone());
        for s in 3..=6 {
            live.offer(s, &frame(s));
        }
        assert!(!live.go_live(h.id, 4));
        live.offer(7, &frame(7));
        live.offer(7, &frame(7));
        assert_eq!(drain(&mut rx), ["5", "6", "7"]);
    }

    #[test]
    fn idle_only_without_sockets_and_a_retention_after_the_last_left() {
        let (h, _rx, _ctl) = ConnHandle::new();
        let (t, linger) = (Instant::now(), std::time::Duration::from_secs(5));
        let mut live = Live::default();
        assert!(live.idle(t, linger), "never had a socket");
        live.add_live(h.clone(), 0);
        assert!(!live.idle(t, linger));
        live.remove(h.id);
        live.left_at = Some(t);
        assert!(!live.idle(t + linger / 2, linger), "left too recently");
        assert!(live.idle(t + linger, linger));
        live.resyncing = true;
        assert!(!live.idle(t + linger, linger));
    }

    #[test]
    fn gaps_are_reported_not_forwarded_and_repaired_in_order() {
        let (h, mut rx, _ctl) = ConnHandle::new();
        let mut live = Live::default();
        live.add_live(h, 2);
        assert_eq!(live.offer(5, &frame(5)), (0, true));
        assert_eq!(live.lowest(), Some(2));
        for s in 3..=5 {
            live.offer(s, &frame(s));
        }
        assert_eq!(drain(&mut rx), ["3", "4", "5"]);
    }
}
