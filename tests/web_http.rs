//! Browser tests for the HTTP transport: the real `Client` in headless Chromium against the
//! real server (`--dev --test-hooks`, started by scripts/test.sh), whose `refuse-upgrades` hook
//! answers `GET /ws` with 403 as a proxy that blocks WebSockets would. The hook is server-wide,
//! so every test turns it off at its start and at its end. Each test names the feature it would
//! catch missing.
#![cfg(target_arch = "wasm32")]

mod support;

use spellwire::web::client::Client;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A client for a fresh user with fast reconnects, a fast heartbeat and `transports` (the
/// default when empty).
async fn http_client(name: &str, transports: &[&str]) -> (String, Closing) {
    let u = user(name);
    let backoff = obj(&[("initialMs", 50.into()), ("maxMs", 200.into()), ("jitter", "none".into())]);
    let mut extra = vec![("backoff", backoff), ("heartbeatMs", 500.into())];
    if !transports.is_empty() {
        let list: js_sys::Array = transports.iter().map(|t| JsValue::from(*t)).collect();
        extra.push(("transports", list.into()));
    }
    (u.clone(), client_for(&u, &extra).await)
}

async fn open(client: &Client) -> bool {
    wait_until(8000, || client.state() == "open").await
}

fn transport(client: &Client) -> String {
    text(&client.stats(), "transport")
}

fn stat(client: &Client, name: &str) -> f64 {
    num(&client.stats(), name)
}

/// Publishes `n` events numbered from `first` to `user`.
async fn publish(user: &str, first: u32, n: u32) {
    for i in first..first + n {
        notify(user, "tick", None, obj(&[("i", i.into())])).await;
    }
}

#[wasm_bindgen_test]
async fn websocket_refused_the_client_opens_over_http_and_delivers_sends_and_acks() {
    refuse_upgrades(true).await;
    let (u, client) = http_client("fallback", &[]).await; // the default transports
    let states = record(&client, "state");
    let events = record(&client, "tick");
    let echoes = record(&client, "chat");
    let opened = open(&client).await;
    let shown: Vec<String> = states.strings("transport");
    let went_http = transport(&client) == "http";
    publish(&u, 1, 5).await;
    let delivered = wait_until(5000, || events.len() == 5).await;
    let acked = settle(client.send("chat".into(), obj(&[("text", "over http".into())]), None)).await;
    let echoed = wait_until(5000, || echoes.len() == 1).await;
    let measured = wait_until(3000, || client.latency_ms().is_some()).await; // ping and pong via POST
    let ids = received_ids(&u).await;
    refuse_upgrades(false).await;

    assert!(opened, "never open; states went {:?}, reasons {:?}", shown, states.strings("reason"));
    assert!(went_http, "stats().transport is {}", transport(&client));
    assert_eq!(shown.first().map(String::as_str), Some("websocket"), "the first attempt is WebSocket");
    assert_eq!(shown.last().map(String::as_str), Some("http"), "state.transport: {shown:?}");
    assert!(delivered && events.seqs() == [1, 2, 3, 4, 5], "{:?}", events.seqs());
    let acked = acked.expect("send acked over HTTP");
    assert_eq!(ids, [text(&acked, "id")], "applied once");
    assert!(echoed, "the sent message came back as an event");
    assert!(measured, "no latency: pings over POST were not answered");
    assert_eq!(client.state(), "open");
}

#[wasm_bindgen_test]
async fn http_streams_cut_five_times_while_events_flow_lose_and_repeat_nothing() {
    refuse_upgrades(true).await;
    let (u, client) = http_client("cuts", &["websocket", "http"]).await;
    let events = record(&client, "tick");
    let states = record(&client, "state");
    let opened = open(&client).await;
    let mut cuts = Vec::new();
    let mut published = 0;
    for round in 1..=5 {
        publish(&u, published + 1, 4).await;
        published += 4;
        cuts.push(cut_streams(&u).await);
        publish(&u, published + 1, 4).await; // while the client has no stream
        published += 4;
        let back = || client.state() == "open" && stat(&client, "reconnects") >= f64::from(round);
        wait_until(8000, back).await;
    }
    let all = wait_until(8000, || events.len() >= published as usize).await;
    sleep(300).await; // room for a duplicate to show up
    refuse_upgrades(false).await;

    assert!(opened, "never open over HTTP");
    assert!(cuts.iter().all(|&c| c >= 1.0), "a cut found no stream: {cuts:?} {:?} {:?}", states.strings("state"), states.strings("reason"));
    assert!(all, "got {} of {published}: {:?}", events.len(), events.seqs());
    assert_eq!(events.seqs(), (1..=published as u64).collect::<Vec<_>>(), "once each, in order");
    let datas: Vec<f64> = events.0.borrow().iter().map(|e| num(&field(e, "data"), "i")).collect();
    assert_eq!(datas, (1..=published).map(f64::from).collect::<Vec<_>>());
    assert!(stat(&client, "reconnects") >= 5.0, "reconnects {}", stat(&client, "reconnects"));
    assert_eq!(transport(&client), "http");
}

#[wasm_bindgen_test]
async fn with_websocket_allowed_again_the_client_stays_on_http_for_the_page_life() {
    refuse_upgrades(true).await;
    let (u, client) = http_client("sticky", &["websocket", "http"]).await;
    let events = record(&client, "tick");
    let opened_http = open(&client).await && transport(&client) == "http";
    refuse_upgrades(false).await;
    let cut = cut_streams(&u).await; // the next attempt could use WebSocket now
    sleep(100).await;
    let reopened = open(&client).await;
    publish(&u, 1, 2).await;
    let delivered = wait_until(5000, || events.len() == 2).await;
    // A client created now (a new page) starts from WebSocket and stays there.
    let (_, fresh) = http_client("fresh", &["websocket", "http"]).await;
    let fresh_open = open(&fresh).await;

    assert!(opened_http, "never open over HTTP");
    assert_eq!(cut, 1.0, "the HTTP stream was not cut");
    assert!(reopened && delivered, "not back: {} {:?}", client.state(), events.seqs());
    assert_eq!(transport(&client), "http", "documented: HTTP for the page's life");
    assert!(stat(&client, "reconnects") >= 1.0);
    assert!(fresh_open);
    assert_eq!(transport(&fresh), "websocket");
}

#[wasm_bindgen_test]
async fn transports_http_alone_carries_everything_with_websocket_available() {
    refuse_upgrades(false).await;
    let (u, client) = http_client("only-http", &["http"]).await;
    let states = record(&client, "state");
    let events = record(&client, "tick");
    assert!(open(&client).await, "never open over HTTP alone: {:?}", states.strings("reason"));
    assert!(states.strings("transport").iter().all(|t| t == "http"), "{:?}", states.strings("transport"));
    publish(&u, 1, 3).await;
    assert!(wait_until(5000, || events.len() == 3).await, "{:?}", events.seqs());
    let sends: Vec<_> = (0..4).map(|i| client.send("n".into(), i.into(), None)).collect();
    let mut ids = Vec::new();
    for promise in sends {
        ids.push(text(&settle(promise).await.expect("acked"), "id"));
    }
    assert_eq!(received_ids(&u).await, ids, "applied once each, in order (one POST at a time)");
    assert_eq!(stat(&client, "acked"), 4.0);
    assert_eq!(transport(&client), "http");
}

#[wasm_bindgen_test]
async fn tokens_are_renewed_over_http_without_a_reconnect_and_later_posts_carry_the_new_one() {
    refuse_upgrades(false).await;
    let u = user("renew");
    // A token function minting 2-second tokens: renewed in band about every 1.6 s.
    let body = format!(
        "return fetch('{}/api/login', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, \
         body: JSON.stringify({{ user: '{u}', ttlSecs: 2 }}) }}).then(r => r.json()).then(j => j.token)",
        http()
    );
    let token = js_sys::Function::new_no_args(&body);
    let list: js_sys::Array = [JsValue::from("http")].into_iter().collect();
    let options = obj(&[
        ("url", ws_url().into()),
        ("token", token.into()),
        ("persistCursor", false.into()),
        ("transports", list.into()),
    ]);
    let client = Closing(Client::new(options).expect("valid options"));
    let events = record(&client, "tick");
    assert!(open(&client).await, "never open over HTTP");
    // 9 s: past the first token's expiry and the server's 5 s leeway, so a POST still bearing
    // it would be refused (401, a reconnect).
    sleep(9000).await;
    let renewed = stat(&client, "refreshes") >= 4.0;
    publish(&u, 1, 2).await;
    let delivered = wait_until(5000, || events.len() == 2).await;
    let acked = settle(client.send("n".into(), 1.into(), None)).await;

    assert!(renewed, "refreshes {}", stat(&client, "refreshes"));
    assert_eq!(stat(&client, "reconnects"), 0.0, "the stream was replaced instead of renewed");
    assert!(delivered, "{:?}", events.seqs());
    assert!(acked.is_ok(), "a POST with the renewed token was refused: {:?}", acked);
    assert_eq!(transport(&client), "http");
}
