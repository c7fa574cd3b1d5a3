//! Helpers for the browser tests: the real server's HTTP API, listeners that record, waiting.
//!
//! The server's address is compiled in from `SPELLWIRE_HTTP` (set by scripts/test.sh, which
//! starts `spellwire-server --test-hooks` on a free loopback port).
#![allow(dead_code)]

use js_sys::{Array, Function, Object, Reflect, JSON};
use spellwire::web::client::Client;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Base HTTP URL of the test server. Compiled in (the browser has no environment); a build
/// without it fails loudly at the first test rather than testing nothing.
#[allow(clippy::option_env_unwrap)]
pub fn http() -> String {
    option_env!("SPELLWIRE_HTTP")
        .expect("SPELLWIRE_HTTP must be set at compile time: run scripts/test.sh")
        .to_string()
}

/// WebSocket URL of the test server.
pub fn ws_url() -> String {
    format!("{}/ws", http().replacen("http", "ws", 1))
}

/// A user name no other test uses.
pub fn user(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn fetch(method: &str, path: &str, body: Option<String>) -> JsValue {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body));
        let headers = web_sys::Headers::new().unwrap();
        headers.set("content-type", "application/json").unwrap();
        init.set_headers(&headers);
    }
    let url = format!("{}{path}", http());
    let request = web_sys::Request::new_with_str_and_init(&url, &init).unwrap();
    let window = web_sys::window().unwrap();
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(response.ok(), "{method} {path} -> HTTP {}", response.status());
    JsFuture::from(response.json().unwrap()).await.unwrap()
}

/// POSTs JSON to the server; panics on a non-2xx answer.
pub async fn post(path: &str, body: JsValue) -> JsValue {
    let text: String = JSON::stringify(&body).unwrap().into();
    fetch("POST", path, Some(text)).await
}

/// GETs JSON from the server.
pub async fn get(path: &str) -> JsValue {
    fetch("GET", path, None).await
}

/// A plain object from pairs.
pub fn obj(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

/// Reads a field.
pub fn field(value: &JsValue, name: &str) -> JsValue {
    Reflect::get(value, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads a string field ("" when absent).
pub fn text(value: &JsValue, name: &str) -> String {
    field(value, name).as_string().unwrap_or_default()
}

/// Reads a number field (NaN when absent).
pub fn num(value: &JsValue, name: &str) -> f64 {
    field(value, name).as_f64().unwrap_or(f64::NAN)
}

/// A token for `user` from `POST /api/login`.
pub async fn login(user: &str) -> String {
    text(&post("/api/login", obj(&[("user", user.into())])).await, "token")
}

/// Publishes an event to `user`; returns its seq.
pub async fn notify(user: &str, kind: &str, topic: Option<&str>, data: JsValue) -> f64 {
    let mut fields = vec![("user", user.into()), ("type", kind.into()), ("data", data)];
    if let Some(t) = topic {
        fields.push(("topic", t.into()));
    }
    num(&post("/api/notify", obj(&fields)).await, "seq")
}

/// A token for `user` whose `channels` claim is exactly `channels` (dev login).
pub async fn login_with_channels(user: &str, channels: &[&str]) -> String {
    let list: Array = channels.iter().map(|c| JsValue::from(*c)).collect();
    text(&post("/api/login", obj(&[("user", user.into()), ("channels", list.into())])).await, "token")
}

/// Publishes an event to `channel` (dev notify); returns its seq in the channel.
pub async fn notify_channel(channel: &str, kind: &str, data: JsValue) -> f64 {
    let fields = [("channel", channel.into()), ("type", kind.into()), ("data", data)];
    num(&post("/api/notify", obj(&fields)).await, "seq")
}

/// A channel name no other test uses, in a namespace dev tokens grant (`room:*`).
pub fn room(prefix: &str) -> String {
    format!("room:{}", user(prefix))
}

/// Calls a test hook with `{ user, ...extra }`.
pub async fn hook(name: &str, user: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut fields = vec![("user", JsValue::from(user))];
    fields.extend(extra.iter().cloned());
    post(&format!("/test/{name}"), obj(&fields)).await
}

/// The ids the server applied for `user`, in order.
pub async fn received_ids(user: &str) -> Vec<String> {
    let answer = get(&format!("/test/received/{user}")).await;
    Array::from(&field(&answer, "messages")).iter().map(|m| text(&m, "id")).collect()
}

/// `RustClient` options for the test server, cursor persistence off (as [`options`]).
pub fn rust_options() -> spellwire::options::Options {
    let mut opts = spellwire::options::Options::new(&ws_url());
    opts.persist_cursor = false;
    opts
}

/// Options for a client of `token` with extra fields (cursor persistence off unless asked).
pub fn options(token: &str, extra: &[(&str, JsValue)]) -> JsValue {
    let mut fields = vec![("url", ws_url().into()), ("token", token.into()), ("persistCursor", false.into())];
    fields.extend(extra.iter().cloned());
    obj(&fields)
}

/// A client for a fresh logged-in user, closed when the test drops it.
pub async fn client_for(user: &str, extra: &[(&str, JsValue)]) -> Closing {
    let token = login(user).await;
    Closing(Client::new(options(&token, extra)).expect("valid options"))
}

/// A client that is closed when dropped. A running `Client` keeps itself alive (the page may
/// forget it), so without this every test's client would stay connected for the rest of the run.
pub struct Closing(pub Client);

impl std::ops::Deref for Closing {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.0
    }
}

impl Drop for Closing {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Everything a listener was called with, in order.
#[derive(Clone, Default)]
pub struct Recorder(pub Rc<RefCell<Vec<JsValue>>>);

impl Recorder {
    /// A JS function that records its argument.
    pub fn listener(&self) -> JsValue {
        let log = self.0.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |v| log.borrow_mut().push(v)).into_js_value()
    }

    /// How many calls so far.
    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    /// A field of every recorded value.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.0.borrow().iter().map(|v| text(v, name)).collect()
    }

    /// The `seq` of every recorded event.
    pub fn seqs(&self) -> Vec<u64> {
        self.0.borrow().iter().map(|v| num(v, "seq") as u64).collect()
    }
}

/// Registers a recorder for `name` on the client.
pub fn record(client: &Client, name: &str) -> Recorder {
    let r = Recorder::default();
    client.on(name.into(), r.listener()).unwrap();
    r
}

/// Polls `cond` every 10 ms until true or `ms` elapse; returns whether it became true.
pub async fn wait_until(ms: u32, mut cond: impl FnMut() -> bool) -> bool {
    let start = js_sys::Date::now();
    while !cond() {
        if js_sys::Date::now() - start > ms as f64 {
            return false;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    true
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Awaits a promise, Ok(value) or Err(rejection).
pub async fn settle(promise: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

/// A JS function from a Rust closure returning a value.
pub fn function(f: impl FnMut() -> JsValue + 'static) -> Function {
    Closure::<dyn FnMut() -> JsValue>::new(f).into_js_value().unchecked_into()
}

/// Turns the server's `refuse-upgrades` hook on or off: while on, `GET /ws` answers 403, as a
/// proxy that blocks WebSockets would. The switch is server-wide: a test that turns it on turns
/// it off before it ends.
pub async fn refuse_upgrades(on: bool) {
    post("/test/refuse-upgrades", obj(&[("on", on.into())])).await;
}

/// Ends `user`'s HTTP streams abruptly (the `cut-streams` hook); returns how many were cut.
pub async fn cut_streams(user: &str) -> f64 {
    num(&hook("cut-streams", user, &[]).await, "cut")
}
