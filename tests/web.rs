//! Browser tests: the real `Client` in headless Chromium against a real `spellwire-server`.
//!
//! Run by scripts/test.sh, which starts the server with `--test-hooks` on a free port and
//! compiles its address in as `SPELLWIRE_HTTP`. Each test names the feature it would catch
//! missing.
#![cfg(target_arch = "wasm32")]

mod support;

use spellwire::web::client::Client;
use std::cell::Cell;
use std::rc::Rc;
use support::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fast_backoff() -> (&'static str, JsValue) {
    ("backoff", obj(&[("initialMs", 50.into()), ("maxMs", 200.into()), ("jitter", "none".into())]))
}

async fn open(client: &Client) -> bool {
    wait_until(5000, || client.state() == "open").await
}

#[wasm_bindgen_test]
async fn connects_on_construction_without_any_call() {
    let client = client_for(&user("construct"), &[]).await;
    assert!(open(&client).await, "state stayed {}", client.state());
}

#[wasm_bindgen_test]
async fn auto_connect_false_waits_for_connect() {
    let client = client_for(&user("manual"), &[("autoConnect", false.into())]).await;
    sleep(200).await;
    assert_eq!(client.state(), "closed");
    client.connect();
    assert!(open(&client).await);
}

#[wasm_bindgen_test]
async fn state_events_go_connecting_then_open() {
    let token = login(&user("states")).await;
    let client = Closing(Client::new(options(&token, &[("autoConnect", false.into())])).unwrap());
    let states = record(&client, "state");
    client.connect();
    assert!(open(&client).await);
    let names = states.strings("state");
    assert_eq!(&names[..2], ["connecting", "open"], "{names:?}");
}

#[wasm_bindgen_test]
async fn events_dispatch_by_type_and_star() {
    let u = user("typed");
    let client = client_for(&u, &[]).await;
    let steps = record(&client, "step_completed");
    let all = record(&client, "*");
    assert!(open(&client).await);
    notify(&u, "step_completed", None, obj(&[("progress", 0.5.into())])).await;
    notify(&u, "other_thing", None, JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 2).await);
    assert_eq!(steps.strings("type"), ["step_completed"]);
    assert_eq!(num(&field(&steps.0.borrow()[0], "data"), "progress"), 0.5);
    assert_eq!(all.strings("type"), ["step_completed", "other_thing"]);
}

#[wasm_bindgen_test]
async fn off_removes_the_listener() {
    let u = user("off");
    let client = client_for(&u, &[]).await;
    let kept = record(&client, "ping_evt");
    let removed = Recorder::default();
    let off: js_sys::Function = client.on("ping_evt".into(), removed.listener()).unwrap().unchecked_into();
    assert!(open(&client).await);
    notify(&u, "ping_evt", None, JsValue::NULL).await;
    assert!(wait_until(3000, || kept.len() == 1).await);
    off.call0(&JsValue::NULL).unwrap();
    notify(&u, "ping_evt", None, JsValue::NULL).await;
    assert!(wait_until(3000, || kept.len() == 2).await);
    assert_eq!(removed.len(), 1);
}

#[wasm_bindgen_test]
async fn subscribe_receives_only_its_topic_and_unsubscribes() {
    let u = user("topic");
    let client = client_for(&u, &[]).await;
    let all = record(&client, "*");
    let cast = Recorder::default();
    let unsubscribe: js_sys::Function =
        client.subscribe("cast:1".into(), cast.listener()).unwrap().unchecked_into();
    assert!(open(&client).await);
    notify(&u, "step", Some("cast:1"), JsValue::NULL).await;
    notify(&u, "step", Some("cast:2"), JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 2).await);
    assert_eq!(cast.strings("topic"), ["cast:1"]);
    unsubscribe.call0(&JsValue::NULL).unwrap();
    notify(&u, "step", Some("cast:1"), JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 3).await);
    assert_eq!(cast.len(), 1);
}

#[wasm_bindgen_test]
async fn reserved_names_reach_star_but_not_lifecycle_listeners() {
    let u = user("reserved");
    let client = client_for(&u, &[]).await;
    assert!(open(&client).await);
    let states = record(&client, "state");
    let all = record(&client, "*");
    let errors = record(&client, "error");
    let resets = record(&client, "reset");
    let topic = Recorder::default();
    client.subscribe("lifecycle:1".into(), topic.listener()).unwrap();
    for kind in ["state", "error", "reset"] {
        notify(&u, kind, Some("lifecycle:1"), obj(&[("fake", true.into())])).await;
    }
    assert!(wait_until(3000, || all.len() == 3).await);
    assert_eq!(topic.strings("type"), ["state", "error", "reset"]);
    assert!(states.0.borrow().iter().all(|s| field(s, "fake").is_undefined()));
    assert_eq!((errors.len(), resets.len()), (0, 0));
}

#[wasm_bindgen_test]
async fn reconnects_after_the_server_drops_the_socket() {
    let u = user("drop");
    let client = client_for(&u, &[fast_backoff()]).await;
    let states = record(&client, "state");
    let all = record(&client, "*");
    assert!(open(&client).await);
    let dropped = hook("drop", &u, &[]).await;
    assert_eq!(num(&dropped, "dropped"), 1.0);
    assert!(wait_until(3000, || states.strings("state").contains(&"reconnecting".into())).await);
    assert!(open(&client).await);
    notify(&u, "after_drop", None, JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 1).await);
    assert_eq!(num(&client.stats(), "reconnects"), 1.0);
}

#[wasm_bindgen_test]
async fn latency_is_measured() {
    let client = client_for(&user("latency"), &[]).await;
    assert!(open(&client).await);
    assert!(wait_until(3000, || client.latency_ms().is_some()).await);
    assert!(client.latency_ms().unwrap() > 0.0, "{:?}", client.latency_ms());
}

#[wasm_bindgen_test]
async fn send_resolves_on_ack_and_the_server_applies_it() {
    let u = user("send");
    let client = client_for(&u, &[]).await;
    let topic = obj(&[("topic", "room:1".into())]).unchecked_into();
    let acked = settle(client.send("chat".into(), obj(&[("text", "hi".into())]), Some(topic))).await;
    let id = text(&acked.expect("acked"), "id");
    assert_eq!(received_ids(&u).await, [id]);
    let applied = get(&format!("/test/received/{u}")).await;
    let first = js_sys::Array::from(&field(&applied, "messages")).get(0);
    assert_eq!(text(&first, "topic"), "room:1");
}

#[wasm_bindgen_test]
async fn sends_while_disconnected_are_delivered_in_order_after_connect() {
    let u = user("outbox");
    let client = client_for(&u, &[("autoConnect", false.into())]).await;
    let promises: Vec<_> = (0..5).map(|i| client.send("n".into(), i.into(), None)).collect();
    assert_eq!(num(&client.stats(), "queued"), 5.0);
    client.connect();
    let mut ids = Vec::new();
    for p in promises {
        ids.push(text(&settle(p).await.expect("acked after connect"), "id"));
    }
    assert_eq!(received_ids(&u).await, ids);
}

#[wasm_bindgen_test]
async fn sends_while_reconnecting_are_delivered_in_order() {
    let u = user("resend");
    let client = client_for(&u, &[fast_backoff()]).await;
    assert!(open(&client).await);
    hook("drop", &u, &[]).await;
    let promises: Vec<_> = (0..3).map(|i| client.send("n".into(), i.into(), None)).collect();
    let mut ids = Vec::new();
    for p in promises {
        ids.push(text(&settle(p).await.expect("acked"), "id"));
    }
    assert_eq!(received_ids(&u).await, ids);
}

#[wasm_bindgen_test]
async fn messages_whose_acks_were_lost_are_resent_with_their_ids_and_applied_once() {
    // A black hole: the server applies the sends, but their acks never arrive. The heartbeat
    // notices, the client reconnects and resends the same ids; the server must not apply twice.
    let u = user("idempotent");
    let extra = [("heartbeatMs", 200.into()), ("livenessGraceMs", 300.into()), fast_backoff()];
    let client = client_for(&u, &extra).await;
    assert!(open(&client).await);
    assert_eq!(num(&hook("blackhole", &u, &[]).await, "silenced"), 1.0);
    let promises: Vec<_> = (0..3).map(|i| client.send("n".into(), i.into(), None)).collect();
    assert!(wait_until(3000, || num(&client.stats(), "reconnects") == 1.0).await);
    let mut ids = Vec::new();
    for p in promises {
        ids.push(text(&settle(p).await.expect("acked after the resend"), "id"));
    }
    assert_eq!(received_ids(&u).await, ids, "each id applied exactly once, in order");
}

#[wasm_bindgen_test]
async fn overflow_rejects_with_queue_full() {
    let client = client_for(&user("full"), &[("autoConnect", false.into()), ("queueLimit", 2.into())]).await;
    let _a = client.send("n".into(), 1.into(), None);
    let _b = client.send("n".into(), 2.into(), None);
    let third = settle(client.send("n".into(), 3.into(), None)).await;
    assert_eq!(text(&third.unwrap_err(), "code"), "QueueFull");
}

#[wasm_bindgen_test]
async fn drop_oldest_evicts_the_first_message() {
    let u = user("dropoldest");
    let extra = [("autoConnect", false.into()), ("queueLimit", 1.into()), ("overflow", "drop-oldest".into())];
    let client = client_for(&u, &extra).await;
    let first = client.send("n".into(), 1.into(), None);
    let second = client.send("n".into(), 2.into(), None);
    assert_eq!(text(&settle(first).await.unwrap_err(), "code"), "QueueFull");
    client.connect();
    let id = text(&settle(second).await.expect("kept message acked"), "id");
    assert_eq!(received_ids(&u).await, [id]);
}

#[wasm_bindgen_test]
async fn bad_token_fails_unauthorized_without_a_retry_loop() {
    let token = format!("bad-token-{}", user("x"));
    let client = Closing(Client::new(options(&token, &[fast_backoff()])).unwrap());
    let errors = record(&client, "error");
    assert!(wait_until(5000, || client.state() == "failed").await);
    let states = record(&client, "state");
    sleep(1000).await; // several backoff periods: nothing may happen
    assert!(states.len() == 0, "state changed after failing: {:?}", states.strings("state"));
    let hellos = get(&format!("/test/hellos?token={token}")).await;
    assert_eq!(num(&hellos, "count"), 1.0);
    assert!(errors.strings("code").contains(&"Unauthorized".to_string()));
}

#[wasm_bindgen_test]
async fn token_function_is_asked_once_more_after_4401() {
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let token_fn = function(move || {
        c.set(c.get() + 1);
        JsValue::from_str("bad-function-token")
    });
    let opts = options("unused", &[("token", token_fn.into()), fast_backoff()]);
    let client = Closing(Client::new(opts).unwrap());
    let states = record(&client, "state");
    assert!(wait_until(5000, || client.state() == "failed").await);
    sleep(500).await;
    assert_eq!(calls.get(), 2);
    assert_eq!(states.strings("reason").last().map(String::as_str), Some("unauthorized"));
    let hellos = get("/test/hellos?token=bad-function-token").await;
    assert!(num(&hellos, "count") >= 2.0, "the second token was never presented");
}

#[wasm_bindgen_test]
async fn retry_leaves_failed_and_tries_again() {
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let token_fn = function(move || {
        c.set(c.get() + 1);
        JsValue::from_str("bad")
    });
    let client = Closing(Client::new(options("", &[("token", token_fn.into())])).unwrap());
    assert!(wait_until(5000, || client.state() == "failed").await);
    let before = calls.get();
    client.retry();
    assert!(wait_until(3000, || calls.get() > before).await);
}

#[wasm_bindgen_test]
async fn malformed_frames_raise_error_events_and_the_client_keeps_working() {
    let u = user("malformed");
    let client = client_for(&u, &[]).await;
    let errors = record(&client, "error");
    let all = record(&client, "*");
    assert!(open(&client).await);
    let frames = [
        "not json",
        r#"{"op":"event","type":"x"}"#,
        r#"{"op":"event","seq":0,"type":"x"}"#,
        r#"{"op":"event","seq":"7","type":"x"}"#,
        r#"{"op":"event","seq":3,"type":5}"#,
        r#"{"op":"event","seq":0,"type":5}"#,
        r#"{"op":"mystery"}"#,
        "[1,2]",
    ];
    for raw in frames {
        hook("send-raw", &u, &[("text", raw.into())]).await;
    }
    assert!(wait_until(3000, || errors.len() >= 9).await, "errors: {:?}", errors.strings("message"));
    let messages = errors.strings("message");
    assert!(messages[0].contains("not JSON"), "{messages:?}");
    assert!(messages[1].contains("\"seq\" must be a whole number"), "{messages:?}");
    assert!(messages[2].contains("\"seq\" must be 1 or more"), "{messages:?}");
    assert!(messages[3].contains("\"seq\" must be a whole number"), "{messages:?}");
    assert!(messages[4].contains("\"type\" must be a string"), "{messages:?}");
    assert!(messages[5].contains("\"type\" must be a string"), "{messages:?}");
    assert!(messages[6].contains("unknown op"), "{messages:?}");
    assert!(messages[7].contains("not a JSON object"), "{messages:?}");
    assert!(errors.strings("code").iter().all(|c| c == "BadFrame"));
    notify(&u, "still_alive", None, JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 1).await);
    assert_eq!(client.state(), "open");
}

#[wasm_bindgen_test]
async fn a_throwing_listener_becomes_an_error_event() {
    let u = user("throws");
    let client = client_for(&u, &[]).await;
    let thrower = Closure::<dyn FnMut(JsValue)>::new(|_| wasm_bindgen::throw_str("boom")).into_js_value();
    client.on("boom_evt".into(), thrower).unwrap();
    let after = record(&client, "boom_evt");
    let errors = record(&client, "error");
    assert!(open(&client).await);
    notify(&u, "boom_evt", None, JsValue::NULL).await;
    assert!(wait_until(3000, || after.len() == 1 && errors.len() == 1).await);
    assert_eq!(errors.strings("code"), ["Listener"]);
    let message = &errors.strings("message")[0];
    assert_eq!(message, "an event listener threw: boom", "the error says what the listener threw");
}

#[wasm_bindgen_test]
async fn muted_pongs_are_noticed_by_the_heartbeat() {
    let u = user("mute");
    let extra = [("heartbeatMs", 200.into()), ("livenessGraceMs", 300.into()), fast_backoff()];
    let client = client_for(&u, &extra).await;
    let states = record(&client, "state");
    assert!(open(&client).await);
    hook("mute-pongs", &u, &[("ms", 1500.into())]).await;
    let dead = || states.strings("reason").contains(&"heartbeat_timeout".to_string());
    assert!(wait_until(3000, dead).await, "{:?}", states.strings("reason"));
    assert!(open(&client).await);
}

#[wasm_bindgen_test]
async fn events_sent_during_a_drop_are_replayed_once_in_order() {
    let u = user("replay");
    let client = client_for(&u, &[("backoff", obj(&[("initialMs", 300.into()), ("jitter", "none".into())]))]).await;
    let all = record(&client, "*");
    assert!(open(&client).await);
    notify(&u, "e", None, 1.into()).await;
    assert!(wait_until(3000, || all.len() == 1).await); // live, before the drop: not a replay
    hook("drop", &u, &[]).await;
    for i in 2..=5 {
        notify(&u, "e", None, i.into()).await; // the client is reconnecting meanwhile
    }
    assert!(wait_until(5000, || all.len() >= 5).await);
    sleep(200).await;
    assert_eq!(all.seqs(), [1, 2, 3, 4, 5]);
    assert_eq!(num(&client.stats(), "resets"), 0.0);
    assert_eq!(num(&client.stats(), "replayed"), 4.0);
}

#[wasm_bindgen_test]
async fn an_event_sent_before_the_user_connected_is_delivered() {
    let u = user("early");
    notify(&u, "waiting_for_you", None, JsValue::NULL).await;
    let client = client_for(&u, &[]).await;
    let all = record(&client, "*");
    assert!(wait_until(3000, || all.len() == 1).await);
    assert_eq!(all.strings("type"), ["waiting_for_you"]);
}

#[wasm_bindgen_test]
async fn a_running_client_the_page_no_longer_holds_keeps_delivering() {
    // Dropping the Rust value is what the JS object's finalizer does once the page keeps no
    // reference (`new Client(...)` in a function that returned): before the client held itself,
    // this stopped the stream without a word.
    let u = user("forgotten");
    let token = login(&u).await;
    let calls = Rc::new(Cell::new(0));
    let counted = calls.clone();
    // The first connection and the reconnect get the real token; after that the token is bad,
    // so the end of the test can make the client fail and let go of itself.
    let token_fn = function(move || {
        counted.set(counted.get() + 1);
        if counted.get() <= 2 { token.as_str().into() } else { "revoked".into() }
    });
    let client = Client::new(options("", &[("token", token_fn.into()), fast_backoff()])).unwrap();
    let all = record(&client, "*");
    let states = record(&client, "state");
    assert!(open(&client).await);
    drop(client);
    notify(&u, "e", None, 1.into()).await;
    hook("drop", &u, &[]).await; // and it reconnects on its own
    notify(&u, "e", None, 2.into()).await;
    assert!(wait_until(5000, || all.len() == 2).await, "got {:?}", all.seqs());
    assert_eq!(all.seqs(), [1, 2]);
    hook("drop", &u, &[]).await;
    assert!(wait_until(5000, || states.strings("state").last().map(String::as_str) == Some("failed")).await);
    assert!(calls.get() >= 3);
}

#[wasm_bindgen_test]
async fn a_cursor_the_server_cannot_honour_yields_reset() {
    let u = user("reset");
    let token = login(&u).await;
    let (storage, key) = cursor_storage();
    storage.set_item(&key, r#"{"epoch":"an-epoch-from-a-dead-server","seq":7}"#).unwrap();
    let client = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    let resets = record(&client, "reset");
    assert!(wait_until(3000, || resets.len() == 1).await);
    assert_eq!(num(&client.stats(), "resets"), 1.0);
    client.close();
    storage.remove_item(&key).unwrap();
}

/// The tab's sessionStorage and the key of the test server's cursor, with no cursor saved.
fn cursor_storage() -> (web_sys::Storage, String) {
    let storage = web_sys::window().unwrap().session_storage().unwrap().unwrap();
    let key = format!("spellwire:cursor:{}", ws_url());
    storage.remove_item(&key).unwrap();
    (storage, key)
}

/// The seq of the cursor saved for this test server, if any.
fn saved_seq(storage: &web_sys::Storage, key: &str) -> Option<f64> {
    let text = storage.get_item(key).ok()??;
    Some(num(&js_sys::JSON::parse(&text).ok()?, "seq"))
}

#[wasm_bindgen_test]
async fn the_cursor_is_written_soon_and_at_once_on_pagehide() {
    let u = user("persist-later");
    let token = login(&u).await;
    let (storage, key) = cursor_storage();
    let client = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    // When event 2 arrives, the page "goes away": its listener fires pagehide, then reads what
    // was saved, all inside the delivery, before any timer can run.
    let seen_on_hide = Rc::new(Cell::new(f64::NAN));
    let (seen, st, k) = (seen_on_hide.clone(), storage.clone(), key.clone());
    let on_event = Closure::<dyn FnMut(JsValue)>::new(move |evt: JsValue| {
        if num(&evt, "seq") == 2.0 {
            let window = web_sys::window().unwrap();
            window.dispatch_event(&web_sys::Event::new("pagehide").unwrap()).unwrap();
            seen.set(saved_seq(&st, &k).unwrap_or(f64::NAN));
        }
    });
    client.on("*".into(), on_event.into_js_value()).unwrap();
    assert!(open(&client).await);
    sleep(400).await; // the welcome's own write (its cursor, seq 0) is done: the next is the event's
    notify(&u, "a", None, JsValue::NULL).await;
    // Written a moment later, with no page event at all.
    assert!(wait_until(3000, || saved_seq(&storage, &key) == Some(1.0)).await, "cursor 1 not saved");
    notify(&u, "b", None, JsValue::NULL).await;
    assert!(wait_until(3000, || !seen_on_hide.get().is_nan()).await, "event 2 not delivered");
    assert_eq!(seen_on_hide.get(), 2.0, "pagehide must write the cursor at once");
    client.close();
    storage.remove_item(&key).unwrap();
}

#[wasm_bindgen_test]
async fn the_cursor_is_kept_in_session_storage() {
    let u = user("persist");
    let token = login(&u).await;
    let (storage, key) = cursor_storage();
    let client = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    let all = record(&client, "*");
    assert!(open(&client).await);
    notify(&u, "a", None, JsValue::NULL).await;
    notify(&u, "b", None, JsValue::NULL).await;
    assert!(wait_until(3000, || all.len() == 2).await);
    client.close();
    assert_eq!(saved_seq(&storage, &key), Some(2.0), "close() must save cursor 2");
    // A "reloaded page" resumes from it: nothing is replayed twice, the next event arrives.
    let again = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    let later = record(&again, "*");
    assert!(open(&again).await);
    notify(&u, "c", None, JsValue::NULL).await;
    assert!(wait_until(3000, || later.len() == 1).await);
    sleep(100).await;
    assert_eq!(later.seqs(), [3]);
    again.close();
    storage.remove_item(&key).unwrap();
}

#[wasm_bindgen_test]
async fn close_rejects_unacked_sends_with_closed() {
    let client = client_for(&user("close"), &[("autoConnect", false.into())]).await;
    let pending = client.send("n".into(), 1.into(), None);
    client.close();
    assert_eq!(text(&settle(pending).await.unwrap_err(), "code"), "Closed");
    assert_eq!(client.state(), "closed");
}

#[wasm_bindgen_test]
fn bad_options_throw_clear_errors() {
    let cases: [(JsValue, &str); 4] = [
        (obj(&[("url", "http://wrong".into())]), "ws://"),
        (obj(&[("url", ws_url().into()), ("queueLimt", 5.into())]), "queueLimt"),
        (obj(&[("url", ws_url().into()), ("token", 42.into())]), "token"),
        (JsValue::from_str("ws://x"), "object"),
    ];
    for (opts, needle) in cases {
        let err = Client::new(opts).err().unwrap_or_else(|| panic!("must throw ({needle})"));
        assert_eq!(text(&err, "code"), "BadOptions");
        assert!(text(&err, "message").contains(needle), "{}", text(&err, "message"));
    }
}

#[wasm_bindgen_test]
async fn bad_send_arguments_reject_without_breaking_the_client() {
    let client = client_for(&user("badsend"), &[]).await;
    let empty = settle(client.send("".into(), JsValue::NULL, None)).await;
    assert_eq!(text(&empty.unwrap_err(), "code"), "BadArgument");
    let big = "x".repeat(70_000);
    let too_big = settle(client.send("t".into(), big.into(), None)).await;
    assert_eq!(text(&too_big.unwrap_err(), "code"), "MessageTooLarge");
    let not_options = settle(client.send("t".into(), 1.into(), Some(JsValue::from("room:1").unchecked_into()))).await;
    assert_eq!(text(&not_options.unwrap_err(), "code"), "BadArgument");
    let bad_topic = obj(&[("topic", 7.into())]).unchecked_into();
    let bad_topic = settle(client.send("t".into(), 1.into(), Some(bad_topic))).await;
    assert!(text(&bad_topic.unwrap_err(), "message").contains("topic"));
    let function = Closure::<dyn FnMut()>::new(|| ()).into_js_value();
    let not_json = settle(client.send("t".into(), function, None)).await;
    assert_eq!(text(&not_json.unwrap_err(), "code"), "BadArgument");
    let long_type = settle(client.send("t".repeat(65).into(), 1.into(), None)).await;
    assert_eq!(text(&long_type.unwrap_err(), "code"), "BadArgument");
    // The limit counts characters, not bytes: 64 four-byte characters are a valid type.
    let wide_type = settle(client.send("😀".repeat(64).into(), 1.into(), None)).await;
    assert!(wide_type.is_ok(), "64 characters of 4 bytes each must be accepted");
    let fine = settle(client.send("t".into(), 1.into(), None)).await;
    assert!(fine.is_ok());
}

/// Options with a token function instead of a string.
fn options_with_token_fn(f: &js_sys::Function) -> JsValue {
    obj(&[("url", ws_url().into()), ("token", f.into()), ("persistCursor", false.into())])
}

fn refused_as_other_options(result: Result<Client, JsValue>) -> bool {
    result.err().is_some_and(|e| text(&e, "code") == "BadOptions" && text(&e, "message").contains("close() it first"))
}

#[wasm_bindgen_test]
async fn shared_gives_the_running_client_to_the_same_token_and_url_and_refuses_others() {
    let token = login(&user("shared")).await;
    let a = Client::shared(options(&token, &[])).unwrap();
    let b = Client::shared(options(&token, &[])).unwrap(); // equal options, another object
    assert!(open(&a).await);
    assert!(refused_as_other_options(Client::shared(options("another-user", &[]))));
    let token_again = token.clone();
    let tokens = function(move || token.clone().into());
    assert!(refused_as_other_options(Client::shared(options_with_token_fn(&tokens))));
    assert_eq!(a.state(), "open", "a refused call leaves the running client alone");
    let tuned = Client::shared(options(&token_again, &[("queueLimit", 5.into())])).unwrap();
    tuned.close(); // the same token and url: the same client, whatever the other options
    assert_eq!((a.state(), b.state()), ("closed".into(), "closed".into()), "a, b and tuned are one client");
    let f = Client::shared(options_with_token_fn(&tokens)).unwrap(); // closed: a new client
    let same_fn = Client::shared(options_with_token_fn(&tokens)).unwrap();
    let other_fn = function(|| "x".into());
    assert!(refused_as_other_options(Client::shared(options_with_token_fn(&other_fn))));
    assert!(open(&f).await);
    same_fn.close();
    assert_eq!(f.state(), "closed", "the same token function gives the same client");
}

#[wasm_bindgen_test]
async fn a_client_not_started_yet_is_still_the_page_client() {
    let token = login(&user("shared-manual")).await;
    let manual = [("autoConnect", false.into())];
    let a = Client::shared(options(&token, &manual)).unwrap();
    let b = Client::shared(options(&token, &manual)).unwrap();
    assert!(refused_as_other_options(Client::shared(options("another-user", &manual))));
    b.connect();
    assert!(open(&a).await, "b.connect() started a: one client");
    a.close();
}

#[wasm_bindgen_test]
async fn after_logout_shared_makes_a_new_client_that_gets_only_the_new_users_events() {
    let (alice, bob) = (user("shared-alice"), user("shared-bob"));
    let first = Client::shared(options(&login(&alice).await, &[])).unwrap();
    let alice_saw = record(&first, "*");
    assert!(open(&first).await);
    first.close(); // logout
    let bob_token = login(&bob).await;
    let second = Client::shared(options(&bob_token, &[])).unwrap();
    let bob_saw = record(&second, "*");
    assert!(open(&second).await);
    assert_eq!(first.state(), "closed");
    notify(&alice, "for_alice", None, JsValue::NULL).await;
    notify(&bob, "for_bob", None, JsValue::NULL).await;
    assert!(wait_until(3000, || bob_saw.len() == 1).await);
    sleep(200).await;
    assert_eq!(bob_saw.strings("type"), ["for_bob"]);
    assert_eq!(alice_saw.len(), 0);
    assert_eq!(num(&get(&format!("/test/hellos?token={bob_token}")).await, "count"), 1.0);
    second.close();
}

#[wasm_bindgen_test]
async fn a_cast_emits_its_steps_in_order_on_its_topic() {
    let u = user("cast");
    let client = client_for(&u, &[]).await;
    let all = record(&client, "*");
    assert!(open(&client).await);
    let body = obj(&[("user", u.as_str().into()), ("steps", 3.into()), ("stepMs", 10.into())]);
    let cast = post("/api/spells/summon/cast", body).await;
    let topic = format!("cast:{}", text(&cast, "castId"));
    assert!(wait_until(5000, || all.strings("type").contains(&"cast_completed".into())).await);
    let events = all.0.borrow();
    assert!(events.iter().all(|e| text(e, "topic") == topic));
    let progress: Vec<f64> = events
        .iter()
        .filter(|e| text(e, "type") == "step_completed")
        .map(|e| num(&field(e, "data"), "progress"))
        .collect();
    assert_eq!(progress.len(), 3);
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
    assert_eq!(text(&events[0], "type"), "cast_started");
}

#[wasm_bindgen_test]
async fn a_cursor_older_than_the_retention_window_yields_reset() {
    // The server keeps the last 1000 events per user (its default): push the cursor out of it.
    let u = user("expired");
    let token = login(&u).await;
    let (storage, key) = cursor_storage();
    let first = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    let seen = record(&first, "*");
    assert!(open(&first).await);
    notify(&u, "old", None, JsValue::NULL).await;
    assert!(wait_until(3000, || seen.len() == 1).await);
    first.close();
    let batch: Vec<_> = (0..1001)
        .map(|i| {
            let u = u.clone();
            async move { notify(&u, "filler", None, i.into()).await }
        })
        .collect();
    futures_join(batch).await;
    let again = Closing(Client::new(options(&token, &[("persistCursor", true.into())])).unwrap());
    let resets = record(&again, "reset");
    let replayed = record(&again, "*");
    assert!(wait_until(5000, || resets.len() == 1).await, "no reset for an expired cursor");
    assert!(wait_until(5000, || replayed.len() == 1000).await, "got {}", replayed.len());
    assert_eq!(replayed.seqs().first(), Some(&3)); // 1 and 2 fell out of the window
    again.close();
    storage.remove_item(&key).unwrap();
}

async fn futures_join(futures: Vec<impl std::future::Future<Output = f64> + 'static>) {
    // Ten at a time: enough to be quick, few enough not to exhaust the browser's sockets.
    let mut futures = futures.into_iter();
    loop {
        let chunk: Vec<_> = futures.by_ref().take(10).collect();
        if chunk.is_empty() {
            break;
        }
        let promises = js_sys::Array::new();
        for f in chunk {
            promises.push(&wasm_bindgen_futures::future_to_promise(async move { Ok(f.await.into()) }));
        }
        settle(js_sys::Promise::all(&promises)).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn duplicate_and_out_of_order_events_never_reach_subscribers() {
    let u = user("dedupe");
    let client = client_for(&u, &[]).await;
    let all = record(&client, "*");
    assert!(open(&client).await);
    for i in 1..=2 {
        notify(&u, "real", None, i.into()).await;
    }
    assert!(wait_until(3000, || all.len() == 2).await);
    let fake = |seq: u32| format!(r#"{{"op":"event","seq":{seq},"type":"fake","data":null}}"#);
    hook("send-raw", &u, &[("text", fake(2).into())]).await; // a duplicate
    hook("send-raw", &u, &[("text", fake(4).into())]).await; // ahead of 3: a gap
    assert!(wait_until(3000, || num(&client.stats(), "gaps") == 1.0).await);
    sleep(200).await; // let the (empty) replay answer come back before 3 exists
    notify(&u, "real", None, 3.into()).await;
    notify(&u, "real", None, 4.into()).await;
    assert!(wait_until(3000, || all.len() == 4).await);
    sleep(200).await;
    assert_eq!(all.seqs(), [1, 2, 3, 4]);
    assert_eq!(all.strings("type"), ["real"; 4]);
    let stats = client.stats();
    assert_eq!((num(&stats, "duplicates"), num(&stats, "gaps")), (1.0, 1.0));
}

#[wasm_bindgen_test]
async fn the_rust_client_receives_typed_events_and_sends() {
    use spellwire::web::rust_api::RustClient;
    #[derive(serde::Deserialize)]
    struct Step {
        progress: f64,
    }
    let u = user("rust");
    let opts = rust_options();
    let client = RustClient::new(opts, login(&u).await).unwrap();
    let got = Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = got.clone();
    let _sub = client.on::<Step>("step_completed", move |e| sink.borrow_mut().push((e.seq, e.data.progress)));
    assert!(wait_until(5000, || client.state() == spellwire::core::Phase::Open).await);
    notify(&u, "step_completed", None, obj(&[("progress", 0.25.into())])).await;
    assert!(wait_until(3000, || got.borrow().len() == 1).await);
    assert_eq!(got.borrow()[0], (1, 0.25));
    client.send("chat", &serde_json::json!({ "text": "from rust" }), Some("room:1")).await.unwrap();
    assert_eq!(received_ids(&u).await.len(), 1);
    drop(_sub); // unsubscribed: later events no longer reach the closure
    notify(&u, "step_completed", None, obj(&[("progress", 0.5.into())])).await;
    sleep(300).await;
    assert_eq!(got.borrow().len(), 1);
    client.close();
}

#[wasm_bindgen_test]
async fn a_rust_client_held_by_its_own_listener_closes_when_that_listener_goes() {
    // A listener that keeps a handle (to reply or retry from inside it) is a common shape. Then
    // the last handle drops while the registry is borrowed, and its close must wait for that
    // borrow instead of panicking, which would abort the page's whole wasm instance.
    use spellwire::web::rust_api::RustClient;
    let u = user("rust-self");
    let token = login(&u).await;
    let mut opts = rust_options();
    opts.backoff.initial_ms = 50.0;
    let client = Rc::new(RustClient::new(opts, token.clone()).unwrap());
    let held = client.clone();
    let sub = client.on::<serde_json::Value>("e", move |_| {
        let _ = &held;
    });
    assert!(wait_until(5000, || client.state() == spellwire::core::Phase::Open).await);
    drop(client);
    drop(sub); // drops the listener, and with it the last handle
    sleep(50).await;
    hook("drop", &u, &[]).await; // a client still running would reconnect: a second hello
    sleep(1000).await;
    assert_eq!(num(&get(&format!("/test/hellos?token={token}")).await, "count"), 1.0);
}

#[wasm_bindgen_test]
async fn dropping_the_rust_client_closes_it() {
    use spellwire::web::rust_api::RustClient;
    let u = user("rust-drop");
    let opts = rust_options();
    let client = RustClient::new(opts, login(&u).await).unwrap();
    let got = Rc::new(Cell::new(0));
    let sink = got.clone();
    let _sub = client.on::<serde_json::Value>("e", move |_| sink.set(sink.get() + 1));
    assert!(wait_until(5000, || client.state() == spellwire::core::Phase::Open).await);
    notify(&u, "e", None, 1.into()).await;
    assert!(wait_until(3000, || got.get() == 1).await);
    drop(client); // a Rust value: dropped is closed, though a running client holds itself
    notify(&u, "e", None, 2.into()).await;
    sleep(300).await;
    assert_eq!(got.get(), 1);
}
