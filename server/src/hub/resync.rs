//! Events arriving from Redis pub/sub, and repairs when some were missed (the ordering argument
//! is in [`super::backend`]). The memory backend never needs a repair.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::{lock, Hub};
use crate::fanout::Live;
use crate::stream::Stream;

impl Hub {
    /// An event of `user`'s personal stream published by any node, as received from pub/sub,
    /// for this node's sockets.
    pub fn deliver(self: &Arc<Self>, user: &str, seq: u64, frame: Arc<str>) {
        self.deliver_to(&Stream::User(user.to_owned()), seq, frame);
    }

    /// An event of `stream` published by any node, as received from pub/sub, for this node's
    /// sockets: offered in order, a gap starts a resync.
    pub fn deliver_to(self: &Arc<Self>, stream: &Stream, seq: u64, frame: Arc<str>) {
        let Some(live) = self.existing(stream) else { return };
        let mut l = lock(&live);
        if l.offer(seq, &frame).1 {
            self.start_resync(&mut l, stream);
        }
    }

    /// The subscription is confirmed: events from now on arrive. Re-reads the log of every
    /// stream with sockets here, since events published while it was down never will.
    pub fn fanout_up(self: &Arc<Self>) {
        self.fanout_gen.fetch_add(1, Ordering::SeqCst);
        self.fanout_up.store(true, Ordering::SeqCst);
        let streams: Vec<(Stream, Arc<Mutex<Live>>)> =
            lock(&self.streams).iter().map(|(s, l)| (s.clone(), l.clone())).collect();
        for (stream, live) in streams {
            let mut l = lock(&live);
            if !l.is_empty() {
                self.start_resync(&mut l, &stream);
            }
        }
    }

    /// The subscription ended; events may be missed until [`Hub::fanout_up`].
    pub fn fanout_down(&self) {
        self.fanout_up.store(false, Ordering::SeqCst);
    }

    /// Whether the subscription was up and unbroken since `mark` (a `fanout_gen` value).
    pub(super) fn fanout_steady(&self, mark: u64) -> bool {
        self.fanout_up.load(Ordering::SeqCst) && self.fanout_gen.load(Ordering::SeqCst) == mark
    }

    /// Starts a resync task for `stream`, or tells the running one to go round again.
    pub(super) fn start_resync(self: &Arc<Self>, l: &mut Live, stream: &Stream) {
        if l.resyncing {
            l.gap = true;
            return;
        }
        l.resyncing = true;
        tokio::spawn(self.clone().resync(stream.clone()));
    }

    /// Feeds the log after the lowest socket cursor through [`Live::offer`] until no new gap
    /// was seen meanwhile. A store error ends it: the next resubscription starts another.
    async fn resync(self: Arc<Self>, stream: Stream) {
        let live = self.live(&stream);
        loop {
            let from = {
                let mut l = lock(&live);
                l.gap = false;
                l.lowest()
            };
            let Some(from) = from else { break };
            let Ok(frames) = self.backend.since(&stream, from).await else { break };
            let mut l = lock(&live);
            for (seq, frame) in &frames {
                l.offer(*seq, frame);
            }
            if let Some(&(head, _)) = frames.last() {
                l.close_behind(from, head);
            }
            if !l.gap {
                l.resyncing = false;
                return;
            }
        }
        lock(&live).resyncing = false;
    }
}
