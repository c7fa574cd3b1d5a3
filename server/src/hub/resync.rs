//! The Redis side of the hub: events arriving from pub/sub, and repairs when some were missed
//! (see [`crate::fanout`] for the ordering argument).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{lock, Backend, Hub};
use crate::fanout::Live;

impl Hub {
    /// An event published by any node, as received from pub/sub, for this node's sockets.
    pub fn deliver(self: &Arc<Self>, user: &str, seq: u64, frame: Arc<str>) {
        let Some(live) = lock(&self.users).get(user).cloned() else { return };
        let mut l = lock(&live);
        if l.offer(seq, &frame).1 {
            self.start_resync(&mut l, user);
        }
    }

    /// The subscription is confirmed: events from now on arrive. Re-reads the log for every
    /// user with sockets here, since events published while it was down never will.
    pub fn fanout_up(self: &Arc<Self>) {
        self.fanout_gen.fetch_add(1, Ordering::SeqCst);
        self.fanout_up.store(true, Ordering::SeqCst);
        let users: Vec<(String, Arc<std::sync::Mutex<Live>>)> =
            lock(&self.users).iter().map(|(u, l)| (u.clone(), l.clone())).collect();
        for (user, live) in users {
            let mut l = lock(&live);
            if !l.is_empty() {
                self.start_resync(&mut l, &user);
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

    /// Starts a resync task for `user`, or tells the running one to go round again.
    pub(super) fn start_resync(self: &Arc<Self>, l: &mut Live, user: &str) {
        if l.resyncing {
            l.gap = true;
            return;
        }
        l.resyncing = true;
        tokio::spawn(self.clone().resync(user.to_owned()));
    }

    /// Feeds the log after the lowest socket cursor through [`Live::offer`] until no new gap
    /// was seen meanwhile. A Redis error ends it: the next resubscription starts another.
    async fn resync(self: Arc<Self>, user: String) {
        let Backend::Redis(store) = &self.backend else { return };
        let live = self.live(&user);
        loop {
            let from = {
                let mut l = lock(&live);
                l.gap = false;
                l.lowest()
            };
            let Some(from) = from else { break };
            let Ok(frames) = store.since(&user, from).await else { break };
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
