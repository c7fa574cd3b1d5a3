//! Publishing for the backend's API ([`crate::publish`]): several events, several users, and
//! idempotency keys, stored whole or not at all.

use std::time::{Duration, Instant};

use super::{lock, publish_locked, Backend, Hub};
use crate::publish::body::Item;
use crate::publish::idem::{PublishError, Recent, Record};
use crate::store::Store;

impl Hub {
    /// Stores every item for each of its users and returns their seqs (per item, in the order
    /// of its users). An item whose `key` was used within `ttl` stores nothing and gets the
    /// first seqs again; a key used for a different event refuses the whole request.
    ///
    /// ```
    /// # use std::{sync::Arc, time::Duration};
    /// # use spellwire_server::{hub::Hub, store::MemoryStore, config::Config, publish::body::parse};
    /// let hub = Hub::new(Arc::new(MemoryStore::new(Config::default().retention())), "e1".into(), 1000);
    /// let req = parse(br#"{"users":["ann","bob"],"type":"t","idempotencyKey":"k"}"#).unwrap();
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let ttl = Duration::from_secs(600);
    /// assert_eq!(hub.publish_items(&req.items, ttl).await.unwrap(), [vec![1, 1]]);
    /// assert_eq!(hub.publish_items(&req.items, ttl).await.unwrap(), [vec![1, 1]]); // a retry
    /// # });
    /// ```
    pub async fn publish_items(&self, items: &[Item], ttl: Duration) -> Result<Vec<Vec<u64>>, PublishError> {
        match &self.backend {
            Backend::Memory(store) => self.publish_memory(store.as_ref(), items, ttl),
            Backend::Redis(store) => store.publish_items(items, ttl.as_secs().max(1)).await,
        }
    }

    /// Holds the key memory throughout, so two identical publishes cannot both miss the key;
    /// each append then takes its user's lock as [`Hub::publish`] does.
    fn publish_memory(&self, store: &dyn Store, items: &[Item], ttl: Duration) -> Result<Vec<Vec<u64>>, PublishError> {
        let mut recent = lock(&self.recent);
        let now = Instant::now();
        let earlier = items
            .iter()
            .enumerate()
            .map(|(i, item)| earlier_seqs(&mut recent, item, now).ok_or(PublishError::KeyReused(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(items.len());
        for (item, earlier) in items.iter().zip(earlier) {
            out.push(match earlier {
                Some(seqs) => seqs,
                None => self.store_item(store, &mut recent, item, now + ttl),
            });
        }
        Ok(out)
    }

    /// Appends `item` for each of its users and remembers its key (if any) until `expires`.
    fn store_item(&self, store: &dyn Store, recent: &mut Recent, item: &Item, expires: Instant) -> Vec<u64> {
        let append = |user: &String| {
            let live = self.live(user);
            let mut live = lock(&live);
            publish_locked(store, &mut live, user, item.kind.clone(), item.topic.clone(), item.data.clone()).0
        };
        let seqs: Vec<u64> = item.users.iter().map(append).collect();
        if let Some(key) = &item.key {
            let record = Record { fingerprint: item.fingerprint(), seqs: seqs.clone() };
            recent.insert(key.clone(), record, expires);
        }
        seqs
    }
}

/// `Some(Some(seqs))`: the key's first outcome; `Some(None)`: store it; None: the key was
/// used for another event.
fn earlier_seqs(recent: &mut Recent, item: &Item, now: Instant) -> Option<Option<Vec<u64>>> {
    let Some(key) = &item.key else { return Some(None) };
    match recent.get(key, now) {
        None => Some(None),
        Some(r) if r.fingerprint == item.fingerprint() => Some(Some(r.seqs.clone())),
        Some(_) => None,
    }
}
