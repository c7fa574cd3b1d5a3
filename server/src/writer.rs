//! The task that owns a socket's sending half: drains the queue, batches frames, closes.
//!
//! Batching: after taking one item, up to 99 more are taken without waiting. One frame goes out
//! as is; several go out as one JSON array `[f1,f2,...]`, because a browser pays per message
//! (one `onmessage` task each), not per byte. Arrays are also capped at [`MAX_BATCH_BYTES`] so
//! a message stays well under any reasonable write buffer.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message};
use futures_util::{Sink, SinkExt};
use tokio::sync::{mpsc, watch};

use crate::conn::{Ctl, Out};

/// Most frames per message.
pub const MAX_BATCH: usize = 100;
/// Most bytes per array message (a single larger frame is still sent, alone).
pub const MAX_BATCH_BYTES: usize = 256 * 1024;
/// How long to wait for the client's close reply after sending ours.
const CLOSE_GRACE: Duration = Duration::from_secs(2);
/// A single message that cannot be handed to the OS for this long means the peer stopped
/// reading; the socket is then dropped (a close frame could not get through either).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs until the queue is closed, a send fails, or the control channel says to stop.
///
/// Returns after closing; the caller then drops the socket.
pub async fn run<S>(mut sink: S, mut rx: mpsc::Receiver<Out>, mut ctl: watch::Receiver<Ctl>)
where
    S: Sink<Message> + Unpin,
{
    loop {
        tokio::select! {
            biased;
            changed = ctl.changed() => {
                let now = *ctl.borrow_and_update();
                if changed.is_err() || Box::pin(stop(&mut sink, now)).await {
                    return;
                }
            }
            out = rx.recv() => {
                let Some(out) = out else { return };
                // Boxed: the loop's future outlives every batch and should stay small.
                if Box::pin(send_batch(&mut sink, out, &mut rx)).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Carries out a control change; true when the writer should end.
async fn stop<S: Sink<Message> + Unpin>(sink: &mut S, ctl: Ctl) -> bool {
    match ctl {
        Ctl::Open => false,
        Ctl::Abort => true,
        Ctl::Close(code, reason) => {
            let frame = CloseFrame { code, reason: reason.into() };
            if sink.send(Message::Close(Some(frame))).await.is_ok() {
                // Give the reader time to see the client's reply; the caller's select ends
                // sooner when it does.
                tokio::time::sleep(CLOSE_GRACE).await;
            }
            true
        }
    }
}

/// Sends `first` plus whatever else is already queued, as few messages as allowed.
/// Fails when the socket is broken or stuck.
async fn send_batch<S>(sink: &mut S, first: Out, rx: &mut mpsc::Receiver<Out>) -> Result<(), ()>
where
    S: Sink<Message> + Unpin,
{
    let mut frames = Vec::new();
    let mut raw = take(first, &mut frames);
    while raw.is_none() && frames.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(out) => raw = take(out, &mut frames),
            Err(_) => break,
        }
    }
    for text in pack(&frames) {
        put(sink, text).await?;
    }
    if let Some(raw) = raw {
        put(sink, raw).await?;
    }
    Ok(())
}

/// Sends one text message within [`SEND_TIMEOUT`].
async fn put<S: Sink<Message> + Unpin>(sink: &mut S, text: String) -> Result<(), ()> {
    match tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Text(text.into()))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

/// Adds frames to the batch; returns a raw message, which must go out alone after them.
fn take(out: Out, frames: &mut Vec<Arc<str>>) -> Option<String> {
    match out {
        Out::Frame(f) => frames.push(f),
        Out::Frames(fs) => frames.extend(fs.into_vec()),
        Out::Raw(r) => return Some(r.into()),
    }
    None
}

/// Packs frames into messages: a lone frame as is, several as JSON arrays within the caps.
///
/// ```
/// use std::sync::Arc;
/// let fs: Vec<Arc<str>> = vec!["{\"a\":1}".into(), "{\"b\":2}".into()];
/// assert_eq!(spellwire_server::writer::pack(&fs), ["[{\"a\":1},{\"b\":2}]"]);
/// assert_eq!(spellwire_server::writer::pack(&fs[..1]), ["{\"a\":1}"]);
/// ```
pub fn pack(frames: &[Arc<str>]) -> Vec<String> {
    let mut messages = Vec::new();
    let mut group: Vec<&str> = Vec::new();
    let mut bytes = 0;
    for f in frames {
        let full = group.len() == MAX_BATCH || bytes + f.len() > MAX_BATCH_BYTES;
        if full && !group.is_empty() {
            messages.push(join(&group));
            group.clear();
            bytes = 0;
        }
        bytes += f.len() + 1;
        group.push(f);
    }
    if !group.is_empty() {
        messages.push(join(&group));
    }
    messages
}

fn join(group: &[&str]) -> String {
    match group {
        [one] => (*one).to_owned(),
        many => format!("[{}]", many.join(",")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_at_most_100_per_array() {
        let fs: Vec<Arc<str>> = (0..250).map(|i| i.to_string().into()).collect();
        let msgs = pack(&fs);
        assert_eq!(msgs.len(), 3);
        let parsed: Vec<Vec<u32>> = msgs.iter().map(|m| serde_json::from_str(m).unwrap()).collect();
        assert_eq!(parsed.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        assert_eq!(parsed.concat(), (0..250).collect::<Vec<u32>>());
    }

    #[test]
    fn big_frames_split_by_bytes() {
        let big: Arc<str> = "x".repeat(MAX_BATCH_BYTES / 2 + 1).into();
        let msgs = pack(&[big.clone(), big.clone(), big]);
        assert_eq!(msgs.len(), 3);
    }
}
