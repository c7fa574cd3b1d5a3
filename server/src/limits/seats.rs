//! Counting sockets: those upgraded but still waiting for `hello` (across the node), and those
//! open per user. Each count is held by a guard that gives it back when dropped, so a socket that
//! ends any way at all (closed, failed, its task panicking) frees its place.
//!
//! Over the per-user limit the newest socket is refused, not the oldest closed: closing the
//! oldest would make a user's tabs evict each other in turn, each reconnecting and pushing out
//! the next, while refusing leaves the open ones alone and the newcomer retrying with backoff.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::Limits;

/// The node's socket counts and their limits. Shared by every socket (in `AppState`).
///
/// ```
/// use std::sync::Arc;
/// use spellwire_server::limits::{seats::Seats, Limits};
/// let seats = Arc::new(Seats::new(&Limits { sockets_per_user: 1, waiting_hello: 1, ..Limits::default() }));
/// let waiting = seats.wait_for_hello().unwrap();
/// assert!(seats.wait_for_hello().is_none()); // one is waiting already
/// drop(waiting);
/// let seat = seats.sit("ann".into()).unwrap();
/// assert!(seats.sit("ann".into()).is_none()); // ann has her one socket
/// assert!(seats.sit("bob".into()).is_some());
/// drop(seat);
/// assert_eq!(seats.sockets("ann"), 0);
/// ```
#[derive(Debug)]
pub struct Seats {
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Open sockets per user; users with none have no entry. The key is shared with the
    /// user's [`Seat`]s, so a socket costs no copy of its user's name.
    per_user: Mutex<HashMap<Arc<str>, u32>>,
    max_per_user: u32,
}

impl Seats {
    /// Empty counts under `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            waiting: AtomicUsize::new(0),
            max_waiting: limits.waiting_hello,
            per_user: Mutex::new(HashMap::new()),
            max_per_user: limits.sockets_per_user,
        }
    }

    /// A place for one more socket waiting for `hello`, or None when the node has
    /// [`Limits::waiting_hello`] already.
    pub fn wait_for_hello(self: &Arc<Self>) -> Option<Waiting> {
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Waiting(self.clone()))
    }

    /// How many sockets are waiting for `hello`.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// A place for one more socket of `user`, or None when `user` has
    /// [`Limits::sockets_per_user`] open already.
    pub fn sit(self: &Arc<Self>, user: String) -> Option<Seat> {
        let mut counts = lock(&self.per_user);
        let key = match counts.get_key_value(user.as_str()) {
            Some((_, &n)) if n >= self.max_per_user => return None,
            Some((key, _)) => key.clone(),
            None if self.max_per_user == 0 => return None,
            None => Arc::from(user),
        };
        *counts.entry(key.clone()).or_insert(0) += 1;
        Some(Seat { seats: self.clone(), user: key })
    }

    /// How many sockets `user` has open here.
    pub fn sockets(&self, user: &str) -> u32 {
        lock(&self.per_user).get(user).copied().unwrap_or(0)
    }

    fn leave(&self, user: &str) {
        let mut counts = lock(&self.per_user);
        if let Some(n) = counts.get_mut(user) {
            *n -= 1;
            if *n == 0 {
                counts.remove(user);
            }
        }
    }
}

/// One socket's place among those waiting for `hello`; dropping it gives the place back.
#[derive(Debug)]
pub struct Waiting(Arc<Seats>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One open socket of a user; dropping it gives the place back. It carries the user's name,
/// which the socket needs anyway.
#[derive(Debug)]
pub struct Seat {
    seats: Arc<Seats>,
    user: Arc<str>,
}

impl Seat {
    /// Whose socket this is.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use spellwire_server::limits::{seats::Seats, Limits};
    /// let seats = Arc::new(Seats::new(&Limits::default()));
    /// assert_eq!(seats.sit("ann".into()).unwrap().user(), "ann");
    /// ```
    pub fn user(&self) -> &str {
        &self.user
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        self.seats.leave(&self.user);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_go_back_to_nothing() {
        let seats = Arc::new(Seats::new(&Limits { sockets_per_user: 3, waiting_hello: 2, ..Limits::default() }));
        let held: Vec<Seat> = (0..3).filter_map(|_| seats.sit("ann".into())).collect();
        assert_eq!((held.len(), seats.sockets("ann")), (3, 3));
        assert!(seats.sit("ann".into()).is_none(), "the refused one takes no place");
        assert_eq!(seats.sockets("ann"), 3);
        drop(held);
        assert!(lock(&seats.per_user).is_empty(), "no entry is left for a user with no socket");
        let w: Vec<Waiting> = (0..5).filter_map(|_| seats.wait_for_hello()).collect();
        assert_eq!((w.len(), seats.waiting()), (2, 2));
        drop(w);
        assert_eq!(seats.waiting(), 0);
    }
}
