//! Browser tests for channels: the real `Client` in headless Chromium, several users on the
//! real server (`--dev --test-hooks`, started by scripts/test.sh). Each test names the feature
//! it would catch missing.
#![cfg(target_arch = "wasm32")]

mod support;

use spellwire::web::client::Client;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn open(client: &Client) -> bool {
    wait_until(5000, || client.state() == "open").await
}

/// A client with fast reconnects, so a dropped socket comes back within the test's patience.
async fn member(name: &str) -> (String, Closing) {
    let u = user(name);
    let backoff = obj(&[("initialMs", 50.into()), ("maxMs", 200.into()), ("jitter", "none".into())]);
    (u.clone(), client_for(&u, &[("backoff", backoff)]).await)
}

/// Joins `channel`, recording its events and its errors.
fn join(client: &Client, channel: &str) -> (Recorder, Recorder, js_sys::Function) {
    let (events, errors) = (Recorder::default(), Recorder::default());
    let leave = client.channel(channel.into(), events.listener(), errors.listener()).expect("a good channel name");
    (events, errors, leave.unchecked_into())
}

fn seqs_are(r: &Recorder, n: u64) -> bool {
    r.seqs() == (1..=n).collect::<Vec<_>>()
}

#[wasm_bindgen_test]
async fn three_users_on_one_channel_see_the_same_events_in_order() {
    let channel = room("three");
    let mut members = Vec::new();
    for name in ["ann", "bob", "cy"] {
        let (_, client) = member(name).await;
        let (events, _, _) = join(&client, &channel);
        assert!(open(&client).await);
        members.push((client, events));
    }
    // Each client subscribes right after its welcome; give the last sub time to land.
    sleep(300).await;
    for i in 1..=10 {
        notify_channel(&channel, "tick", obj(&[("i", i.into())])).await;
    }
    for (client, events) in &members {
        assert!(wait_until(5000, || events.len() == 10).await, "got {:?}", events.seqs());
        assert!(seqs_are(events, 10), "{:?}", events.seqs());
        assert!(events.strings("channel").iter().all(|c| *c == channel));
        assert_eq!(client.state(), "open");
    }
}

#[wasm_bindgen_test]
async fn a_member_who_reconnects_mid_stream_resumes_without_loss() {
    let channel = room("resume");
    let (ann, a) = member("ann").await;
    let (_, b) = member("bob").await;
    let (a_events, _, _) = join(&a, &channel);
    let (b_events, _, _) = join(&b, &channel);
    assert!(open(&a).await && open(&b).await);
    sleep(300).await;
    for i in 1..=5 {
        notify_channel(&channel, "tick", i.into()).await;
    }
    assert!(wait_until(5000, || a_events.len() == 5).await);
    hook("drop", &ann, &[]).await;
    for i in 6..=12 {
        notify_channel(&channel, "tick", i.into()).await;
    }
    assert!(wait_until(8000, || a_events.len() >= 12 && b_events.len() == 12).await, "ann {:?}", a_events.seqs());
    sleep(300).await;
    assert!(seqs_are(&a_events, 12), "ann saw {:?}", a_events.seqs());
    assert!(seqs_are(&b_events, 12), "bob saw {:?}", b_events.seqs());
    assert!(num(&a.stats(), "reconnects") >= 1.0, "ann's socket was never dropped");
}

#[wasm_bindgen_test]
async fn a_refused_channel_reports_once_and_disturbs_nothing_else() {
    let u = user("refused");
    let token = login_with_channels(&u, &["room:*"]).await;
    let client = Closing(Client::new(options(&token, &[])).unwrap());
    let personal = record(&client, "*");
    let allowed = room("allowed");
    let (events, allowed_errors, _) = join(&client, &allowed);
    let (secret_events, refusals, _) = join(&client, "secret:plans");
    assert!(open(&client).await);
    assert!(wait_until(3000, || refusals.len() == 1).await, "no refusal for secret:plans");
    assert_eq!(refusals.strings("code"), ["forbidden"]);
    assert_eq!(refusals.strings("channel"), ["secret:plans"]);
    notify_channel(&allowed, "ok", JsValue::NULL).await;
    notify(&u, "mine", None, JsValue::NULL).await;
    assert!(wait_until(3000, || events.len() == 1 && personal.len() == 1).await);
    sleep(1500).await; // a refusal is final: not asked again in a loop
    assert_eq!(refusals.len(), 1);
    assert_eq!((secret_events.len(), allowed_errors.len()), (0, 0));
    assert_eq!(client.state(), "open");
    assert_eq!(num(&client.stats(), "reconnects"), 0.0);
}

#[wasm_bindgen_test]
async fn leaving_a_channel_stops_delivery() {
    let channel = room("leave");
    let (_, client) = member("leaver").await;
    let (events, _, leave) = join(&client, &channel);
    let (_, other) = member("stayer").await;
    let (other_events, _, _) = join(&other, &channel);
    assert!(open(&client).await && open(&other).await);
    sleep(300).await;
    notify_channel(&channel, "one", JsValue::NULL).await;
    assert!(wait_until(3000, || events.len() == 1).await);
    leave.call0(&JsValue::NULL).unwrap();
    sleep(200).await;
    notify_channel(&channel, "two", JsValue::NULL).await;
    assert!(wait_until(3000, || other_events.len() == 2).await);
    sleep(300).await;
    assert_eq!(events.len(), 1, "events after leaving: {:?}", events.strings("type"));
}

#[wasm_bindgen_test]
async fn a_bad_channel_name_throws_at_once() {
    let (_, client) = member("badname").await;
    for bad in ["nocolon", "room:", "room:a b", ":x"] {
        let got = client.channel(bad.into(), Recorder::default().listener(), JsValue::UNDEFINED);
        let err = got.expect_err(bad);
        assert!(text(&err, "message").contains("channel"), "{bad}: {:?}", text(&err, "message"));
    }
    assert!(open(&client).await);
}
