//! The channels one socket reads: `sub`, `unsub`, and leaving them all when the socket ends.
//!
//! A `sub` is decided away from the socket's reader: permission may need the subscribe proxy
//! ([`crate::grants::may_subscribe`]), and with Redis the join itself waits on the network. So
//! the reader only reserves the channel (counting it against `--max-channels-per-socket`) and
//! spawns the rest; pings, sends and other channels go on meanwhile. Each reservation has a
//! generation, so a task finishing after an `unsub`, a second `sub` or the socket's end
//! changes nothing it should not:
//!
//! - refused: the answer goes out only if the reservation is still that task's;
//! - joined after an `unsub` or the socket's end: the task leaves the channel again itself.
//!   The end of a socket leaves every channel reserved or joined, so nothing stays registered
//!   in the hub whichever of the two comes first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use spellwire::protocol::{check_channel, Cursor, ServerFrame};

use crate::conn::{ConnHandle, Out};
use crate::frames::encode;
use crate::grants::{may_subscribe, Refusal};
use crate::AppState;

/// One socket's channels, shared with the tasks deciding its `sub`s.
///
/// ```
/// let channels = spellwire_server::socket::Channels::default();
/// assert_eq!(channels.len(), 0);
/// assert!(!channels.joined("crew:a"));
/// ```
#[derive(Debug, Default)]
pub struct Channels {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    next_gen: u64,
    /// The socket ended: nothing may join any more.
    closed: bool,
}

#[derive(Debug)]
struct Entry {
    gen: u64,
    /// Registered in the hub (a `subscribed` went out); false while being decided.
    joined: bool,
    /// The cursor to join from (the latest `sub`'s, while being decided).
    resume: Option<Cursor>,
}

/// What a `sub` needs besides the channel: whose socket it is and what its token grants.
pub struct Asker<'a> {
    /// Shared state (hub, config, proxy settings).
    pub state: &'a AppState,
    /// The socket's user.
    pub user: &'a str,
    /// The token's `channels` claim (the latest `refresh`'s).
    pub granted: &'a Arc<[String]>,
    /// The socket.
    pub conn: &'a ConnHandle,
}

impl Channels {
    /// Handles `sub`: refuses a bad name or one past the socket's limit at once (the returned
    /// frame); otherwise the answer, `subscribed` and the replay or `refused`, is queued by a
    /// spawned task. A channel already joined is joined again from `resume` without asking for
    /// permission again; one still being decided takes the newer cursor.
    pub fn sub(self: &Arc<Self>, asker: &Asker<'_>, channel: String, resume: Option<Cursor>) -> Option<String> {
        if let Err(why) = check_channel(&channel) {
            return Some(refused(&channel, &Refusal { code: "bad_channel", message: why.into() }));
        }
        let max = asker.state.config.max_channels_per_socket;
        let (gen, ask) = {
            let mut inner = self.lock();
            let Inner { entries, next_gen, closed } = &mut *inner;
            if *closed {
                return None;
            }
            *next_gen += 1;
            let full = entries.len() >= max;
            match entries.get_mut(&channel) {
                Some(e) if !e.joined => {
                    e.resume = resume;
                    return None;
                }
                Some(e) => {
                    (e.gen, e.resume) = (*next_gen, resume);
                    (*next_gen, false)
                }
                None if full => {
                    let message = format!("this socket already reads {max} channels, the most it may");
                    return Some(refused(&channel, &Refusal { code: "too_many_channels", message }));
                }
                None => {
                    entries.insert(channel.clone(), Entry { gen: *next_gen, joined: false, resume });
                    (*next_gen, true)
                }
            }
        };
        let job = Join {
            channels: self.clone(),
            state: asker.state.clone(),
            user: asker.user.to_owned(),
            granted: asker.granted.clone(),
            conn: asker.conn.clone(),
            channel,
            gen,
        };
        tokio::spawn(job.run(ask));
        None
    }

    /// Handles `unsub`: the socket leaves `channel` at once (nothing is answered).
    pub fn unsub(&self, state: &AppState, conn: &ConnHandle, channel: &str) {
        self.lock().entries.remove(channel);
        state.hub.unsubscribe(channel, conn.id);
    }

    /// The socket ended: leaves every channel, and no `sub` still being decided will join.
    pub fn close(&self, state: &AppState, conn_id: u64) {
        let entries = {
            let mut inner = self.lock();
            inner.closed = true;
            std::mem::take(&mut inner.entries)
        };
        for channel in entries.keys() {
            state.hub.unsubscribe(channel, conn_id);
        }
    }

    /// Whether the socket reads `channel` (a `subscribed` went out).
    pub fn joined(&self, channel: &str) -> bool {
        self.lock().entries.get(channel).is_some_and(|e| e.joined)
    }

    /// How many channels the socket reads or is being decided about.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the socket reads no channel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets `channel` if its reservation is still `gen`'s; true when it did.
    fn forget_if(&self, channel: &str, gen: u64) -> bool {
        let mut inner = self.lock();
        let ours = inner.entries.get(channel).is_some_and(|e| e.gen == gen && !inner.closed);
        if ours {
            inner.entries.remove(channel);
        }
        ours
    }

    /// The cursor to join from, if the channel is still wanted by `gen` (after permission).
    fn resume_for(&self, channel: &str, gen: u64) -> Option<Option<Cursor>> {
        let inner = self.lock();
        let e = inner.entries.get(channel).filter(|e| e.gen == gen && !inner.closed)?;
        Some(e.resume.clone())
    }

    /// Marks `channel` joined; false when it is no longer wanted (left, or the socket ended).
    fn confirm(&self, channel: &str) -> bool {
        let mut inner = self.lock();
        if inner.closed {
            return false;
        }
        let Some(e) = inner.entries.get_mut(channel) else { return false };
        e.joined = true;
        true
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// One `sub` being decided, away from the reader.
struct Join {
    channels: Arc<Channels>,
    state: AppState,
    user: String,
    granted: Arc<[String]>,
    conn: ConnHandle,
    channel: String,
    gen: u64,
}

impl Join {
    /// Asks for permission (unless `ask` is false: a channel already joined), then joins.
    async fn run(self, ask: bool) {
        let channel = self.channel.as_str();
        if ask {
            if let Err(refusal) = may_subscribe(&self.state, &self.user, &self.granted, channel).await {
                if self.channels.forget_if(channel, self.gen) {
                    self.conn.push(Out::frame(refused(channel, &refusal)));
                }
                return;
            }
        }
        let Some(resume) = self.channels.resume_for(channel, self.gen) else { return };
        let hub = &self.state.hub;
        match hub.subscribe(channel, resume.as_ref(), self.conn.clone()).await {
            Ok(_) if self.channels.confirm(channel) => {}
            Ok(_) => hub.unsubscribe(channel, self.conn.id),
            Err(e) => {
                tracing::warn!("sub {channel} for {}: {e}", self.user);
                if self.channels.forget_if(channel, self.gen) {
                    let refusal = Refusal::unavailable("the store is unavailable; try again later");
                    self.conn.push(Out::frame(refused(channel, &refusal)));
                }
            }
        }
    }
}

/// A `refused` frame.
fn refused(channel: &str, refusal: &Refusal) -> String {
    let (channel, code, message) = (channel.to_owned(), refusal.code.to_owned(), refusal.message.clone());
    encode(&ServerFrame::<Value>::Refused { channel, code, message })
}
