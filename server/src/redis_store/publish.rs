//! The Redis side of `POST /api/publish`: one `lua/publish.lua` call per request, so its
//! events and idempotency keys are stored together or not at all, whichever node serves it.
//!
//! Idempotency keys live at `{prefix}:idem:{key}`, under the deployment's prefix, so two
//! deployments sharing a Redis never answer each other's retries. The value is a
//! [`crate::publish::idem::Record`]'s encoding, expiring after `--idempotency-secs`.

use serde_json::Value;
use spellwire::protocol::Event;

use super::{keys, split_frame, RedisStore, PUBLISH};
use crate::publish::body::Item;
use crate::publish::idem::{parse_seqs, PublishError};
use crate::store::StoreError;
use crate::stream::Stream;

impl RedisStore {
    /// Stores `items` (see [`crate::hub::Hub::publish_items`]); keys live `ttl_secs`.
    pub async fn publish_items(&self, items: &[Item], ttl_secs: u64) -> Result<Vec<Vec<u64>>, PublishError> {
        let mut inv = self.scripts[PUBLISH].prepare_invoke();
        inv.key(format!("{}:epoch", self.prefix));
        inv.arg(crate::random::hex_id(8)).arg(0).arg(0).arg(0);
        inv.arg(ttl_secs).arg(items.len());
        for item in items {
            if let Some(key) = &item.key {
                inv.key(self.idem_key(key));
            }
            let fingerprint = item.key.as_ref().map(|_| item.fingerprint()).unwrap_or_default();
            let streams = item.streams();
            let event = Event { channel: None, seq: 0, kind: item.kind.clone(), topic: item.topic.clone(), data: item.data.clone() };
            let (_, after) = split_frame(event);
            inv.arg(fingerprint).arg(after).arg(streams.len());
            for stream in &streams {
                self.stream_args(&mut inv, stream);
            }
        }
        let reply: Vec<String> = inv.invoke_async(&mut self.conn.clone()).await.map_err(StoreError::from)?;
        read_reply(&reply, items.len())
    }

    /// One stream of an item: its keys, the frame up to its seq (`op`, and `channel` for a
    /// channel), wire id, pub/sub channel and limits (publish.lua).
    fn stream_args(&self, inv: &mut redis::ScriptInvocation<'_>, stream: &Stream) {
        inv.key(self.stream_key(stream, "meta")).key(self.stream_key(stream, "log"));
        let head = Event { channel: stream.channel().map(str::to_owned), seq: 0, kind: String::new(), topic: None, data: Value::Null };
        inv.arg(split_frame(head).0).arg(keys::wire_id(stream)).arg(self.events_channel(stream));
        self.limit_args(inv, stream);
    }

    /// Where an idempotency key's record lives.
    fn idem_key(&self, key: &str) -> String {
        format!("{}:idem:{key}", self.prefix)
    }
}

/// `{'ok', '3,9', ...}` as seqs per item, `{'reused', i}` as the error.
fn read_reply(reply: &[String], items: usize) -> Result<Vec<Vec<u64>>, PublishError> {
    let malformed = || PublishError::Store(StoreError::Unavailable("malformed publish reply".into()));
    match reply.split_first() {
        Some((status, rest)) if status == "ok" && rest.len() == items => {
            rest.iter().map(|csv| parse_seqs(csv).ok_or_else(malformed)).collect()
        }
        Some((status, [i])) if status == "reused" => Err(PublishError::KeyReused(i.parse().map_err(|_| malformed())?)),
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::read_reply;
    use crate::publish::idem::PublishError;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn replies() {
        assert_eq!(read_reply(&s(&["ok", "3,9", "4"]), 2).unwrap(), [vec![3, 9], vec![4]]);
        assert!(matches!(read_reply(&s(&["reused", "1"]), 2), Err(PublishError::KeyReused(1))));
        assert!(matches!(read_reply(&s(&["ok", "3"]), 2), Err(PublishError::Store(_))));
        assert!(matches!(read_reply(&s(&["ok", "x"]), 1), Err(PublishError::Store(_))));
    }
}
