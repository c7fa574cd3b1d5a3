//! What the Lua scripts are given and what they answer: an event frame split around its seq
//! (the script splices the seq in), and the replies read back into frames and snapshots.

use std::sync::Arc;

use serde_json::Value;
use spellwire::protocol::{Event, ServerFrame};

use crate::log::Window;

/// A consistent view for a new socket: the log's epoch, window, resume point and replay.
///
/// ```
/// use spellwire_server::{log::Window, redis_store::Snapshot};
/// let s = Snapshot { epoch: "e1:7:#room:1".into(), window: Window { first: 1, head: 0 }, after: 0, frames: vec![] };
/// assert!(s.frames.is_empty());
/// ```
#[derive(Debug)]
pub struct Snapshot {
    /// The stream's epoch (`{deployment epoch}:{gen}:{epoch tag}`).
    pub epoch: String,
    /// The retained range at the moment of the snapshot.
    pub window: Window,
    /// Replay starts after this seq.
    pub after: u64,
    /// The replay: `(seq, frame)`, consecutive seqs from `after + 1` to `window.head`.
    pub frames: Vec<(u64, Arc<str>)>,
}

/// An event frame rendered with seq 0, split around the seq so Lua can splice the real one in.
/// The `seq` field precedes all user data in the frame (only `op` and `channel` come before
/// it, and a channel name holds no quote), so its first occurrence is the field.
///
/// ```
/// use spellwire::protocol::Event;
/// use spellwire_server::redis_store::split_frame;
/// let data = serde_json::json!({"seq":0});
/// let (a, b) = split_frame(Event { channel: None, seq: 0, kind: "hi".into(), topic: None, data: data.clone() });
/// assert_eq!(format!("{a}7{b}"), r#"{"op":"event","seq":7,"type":"hi","data":{"seq":0}}"#);
/// let (a, b) = split_frame(Event { channel: Some("run:1".into()), seq: 0, kind: "hi".into(), topic: None, data });
/// assert_eq!(format!("{a}7{b}"), r#"{"op":"event","channel":"run:1","seq":7,"type":"hi","data":{"seq":0}}"#);
/// ```
pub fn split_frame(event: Event<Value>) -> (String, String) {
    let frame = crate::frames::encode(&ServerFrame::Event(event));
    match frame.find("\"seq\":0") {
        Some(at) => {
            let at = at + "\"seq\":".len();
            (frame[..at].to_owned(), frame[at + 1..].to_owned())
        }
        // Unreachable (every event frame has a seq); an empty frame is still no panic.
        None => (frame, String::new()),
    }
}

/// `{seq, frame, seq, frame, ...}` as pairs.
pub(super) fn pairs(flat: &[String]) -> Vec<(u64, Arc<str>)> {
    flat.chunks_exact(2)
        .filter_map(|p| Some((p[0].parse().ok()?, p[1].as_str().into())))
        .collect()
}

pub(super) fn parse_snapshot(tag: &str, reply: Vec<String>) -> Option<Snapshot> {
    let [epoch, first, head, after] = reply.get(..4)? else { return None };
    Some(Snapshot {
        epoch: format!("{epoch}:{tag}"),
        window: Window { first: first.parse().ok()?, head: head.parse().ok()? },
        after: after.parse().ok()?,
        frames: pairs(&reply[4..]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn snapshot_replies_read_back_or_are_refused_without_panicking() {
        let snap = parse_snapshot("#run:1", s(&["e1:9", "3", "4", "2", "3", "f3", "4", "f4"])).unwrap();
        assert_eq!((snap.epoch.as_str(), snap.window.first, snap.window.head, snap.after), ("e1:9:#run:1", 3, 4, 2));
        assert_eq!(snap.frames.iter().map(|(q, f)| (*q, f.to_string())).collect::<Vec<_>>(), [(3, "f3".into()), (4, "f4".into())]);
        for bad in [&[][..], &["e"], &["e", "x", "1", "0"], &["e", "1", "1", "-1"]] {
            assert!(parse_snapshot("u", s(bad)).is_none(), "{bad:?}");
        }
        assert_eq!(pairs(&s(&["1", "a", "x", "b", "3"])).len(), 1, "odd and unparsable entries are dropped");
    }
}
