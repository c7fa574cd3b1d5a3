//! A socket that stops reading is closed with 1013 while publishers carry on.
//!
//! In its own test binary: cargo runs binaries one after another, so no other test shares the
//! machine while this one fills a stuck socket's 16 MB write buffer and 1,024-frame queue. Next
//! to the other delivery tests it sometimes needed longer than the writer's 10 s send timeout,
//! and the server then dropped the socket without a close frame.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn a_socket_that_stops_reading_is_closed_1013_without_blocking_publishers() {
    let addr = start().await;
    let (mut stuck, _) = connect(addr, "ann", None).await;
    let (mut other, _) = connect(addr, "bob", None).await;
    let data = json!("z".repeat(32 * 1024));
    // Published 16 at a time: once the writer is blocked on the stuck socket, the queue must
    // fill (and the close be requested) within the writer's 10 s send timeout, or the server
    // drops the socket without a close frame.
    let mut published = 0;
    let mut dropped = false;
    while published < 4000 && !dropped {
        let batch = (0..16).map(|_| notify(addr, "ann", "big", data.clone()));
        let answers = futures_util::future::join_all(batch).await;
        published += answers.len();
        dropped = answers.iter().any(|a| a["delivered"] == 0);
    }
    assert!(dropped, "the stuck socket was never dropped from delivery");
    notify(addr, "bob", "still", json!(1)).await;
    assert_eq!(other.expect("event").await["data"], 1);
    // Reading the backlog lets the writer move again; then it sends the close.
    assert_eq!(stuck.close_code().await.0, 1013);
}
