//! Publishing for the backend's API ([`crate::publish`]): several events, several users, and
//! idempotency keys, stored whole or not at all.

use std::time::{Duration, Instant};

use super::Hub;
use crate::publish::body::Item;
use crate::publish::idem::{PublishError, Recent, Record};
use crate::stream::Stream;

impl Hub {
    /// Stores every item for each of its targets and returns their seqs (per item, in the
    /// order of its targets). An item whose `key` was used within `ttl` stores nothing and
    /// gets the first seqs again; a key used for a different event refuses the whole request.
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
        self.backend.publish_items(self, items, ttl).await
    }
}

/// Publishes `items` in this process (memory backend), each target through `publish`, keeping
/// their idempotency keys in `recent`. The caller holds `recent` throughout, so two identical
/// publishes cannot both miss the key; every key is checked before anything is stored.
pub(super) fn publish_once(recent: &mut Recent, items: &[Item], ttl: Duration, publish: &dyn Fn(&Stream, &Item) -> u64) -> Result<Vec<Vec<u64>>, PublishError> {
    let now = Instant::now();
    let earlier = items
        .iter()
        .enumerate()
        .map(|(i, item)| earlier_seqs(recent, item, now).ok_or(PublishError::KeyReused(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(items.len());
    for (item, earlier) in items.iter().zip(earlier) {
        out.push(match earlier {
            Some(seqs) => seqs,
            None => store_item(recent, item, now + ttl, publish),
        });
    }
    Ok(out)
}

/// Appends `item` for each of its targets and remembers its key (if any) until `expires`.
fn store_item(recent: &mut Recent, item: &Item, expires: Instant, publish: &dyn Fn(&Stream, &Item) -> u64) -> Vec<u64> {
    let seqs: Vec<u64> = item.streams().iter().map(|s| publish(s, item)).collect();
    if let Some(key) = &item.key {
        let record = Record { fingerprint: item.fingerprint(), seqs: seqs.clone() };
        recent.insert(key.clone(), record, expires);
    }
    seqs
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
