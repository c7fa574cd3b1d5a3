//! The Rust face, for front ends written in Rust (Leptos, Yew, Dioxus): the same driver and
//! core as the JavaScript `Client`, with serde-typed events instead of JS objects.

// clippy.toml's size rules keep core::fmt out of pkg/; this face is generic, so it is compiled
// only into a Rust front end that uses it, where serde's error messages need core::fmt anyway.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use super::convert::describe;
use super::dispatch::Callback;
use super::driver::{self, ChannelHandle, Inner, Shared};
use super::promise::on_settled;
use super::token::TokenSource;
use crate::core::{Input, Phase, Stats};
use crate::error::{Error, ErrorCode};
use crate::options::Options;
use crate::protocol::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

/// The `state` event for Rust listeners.
///
/// ```no_run
/// # fn f(s: spellwire::web::rust_api::StateEvent) {
/// println!("{} after {} attempts", s.state, s.attempt);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateEvent {
    /// `connecting`, `open`, `reconnecting`, `offline`, `closed` or `failed`.
    pub state: String,
    /// Consecutive failed attempts.
    pub attempt: u32,
    /// Time until the next attempt, while reconnecting.
    pub next_retry_ms: Option<f64>,
    /// Smoothed round-trip time.
    pub latency_ms: Option<f64>,
    /// Why the client is not open.
    pub reason: Option<String>,
}

/// A listener registration; dropping it unsubscribes (keep it as long as the component lives).
///
/// ```no_run
/// # use spellwire::web::rust_api::RustClient;
/// # fn f(client: &RustClient) {
/// let sub = client.subscribe::<serde_json::Value>("cast:42", |e| println!("{}", e.kind));
/// drop(sub); // unsubscribed
/// # }
/// ```
pub struct Subscription {
    shared: Weak<RefCell<Inner>>,
    id: u32,
    /// The channel it joined, if it is a channel's: leaving may send `unsub`.
    channel: Option<String>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Some(shared) = self.shared.upgrade() else { return };
        match self.channel.take() {
            Some(name) => driver::leave_channel(&shared, &ChannelHandle { name, id: self.id }),
            None => {
                let removed = shared.borrow_mut().registry.remove(self.id);
                drop(removed); // after the borrow (see Registry::remove)
            }
        }
    }
}

/// A channel the server refused, for [`RustClient::channel_with_errors`]: `forbidden`,
/// `bad_channel` and `too_many_channels` are final; `unavailable` is asked again.
///
/// ```no_run
/// # fn f(e: spellwire::web::rust_api::ChannelError) {
/// println!("{}: {} ({})", e.channel, e.code, e.message);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChannelError {
    /// The channel.
    pub channel: String,
    /// The server's code.
    pub code: String,
    /// The server's words.
    pub message: String,
}

/// A spellwire client for Rust code running in the browser. Dropping it closes it.
///
/// ```no_run
/// use spellwire::{options::Options, web::rust_api::RustClient};
/// #[derive(serde::Deserialize)]
/// struct Step { progress: f64 }
/// let client = RustClient::new(Options::new("ws://127.0.0.1:8080/ws"), "T").unwrap();
/// let _sub = client.on::<Step>("step_completed", |e| println!("{}", e.data.progress));
/// ```
pub struct RustClient {
    shared: Shared,
}

impl Drop for RustClient {
    /// Dropping the client closes it, as Rust values do: a running client holds itself (so the
    /// JavaScript `Client` survives the page forgetting it), and only a close lets go.
    ///
    /// The close runs in the next microtask, before any socket or timer callback: a drop can
    /// happen anywhere, even inside the client's own borrow (a listener that held the last
    /// handle, removed from the registry), and its `state` listeners must not run mid-drop.
    fn drop(&mut self) {
        let shared = self.shared.clone();
        on_settled(&JsValue::UNDEFINED, move |_| driver::close(&shared));
    }
}

fn typed<T: DeserializeOwned + 'static>(f: impl Fn(T) + 'static) -> Callback {
    Rc::new(move |value: &JsValue| {
        let decoded = serde_wasm_bindgen::from_value(value.clone()).map_err(|e| format!("cannot decode: {e}"))?;
        f(decoded);
        Ok(())
    })
}

impl RustClient {
    /// Creates the client and (unless `auto_connect` is false) starts connecting.
    ///
    /// ```no_run
    /// let c = spellwire::web::rust_api::RustClient::new(spellwire::options::Options::new("ws://h/ws"), "T");
    /// ```
    pub fn new(options: Options, token: impl Into<String>) -> Result<Self, Error> {
        let shared = driver::create(options, TokenSource::Fixed(token.into()))?;
        Ok(RustClient { shared })
    }

    fn register(&self, id: u32) -> Subscription {
        Subscription { shared: Rc::downgrade(&self.shared), id, channel: None }
    }

    /// Events of one type (or `*` for all), with `data` decoded as `T`.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let _s = c.on::<serde_json::Value>("*", |e| println!("#{} {}", e.seq, e.kind));
    /// # }
    /// ```
    pub fn on<T: DeserializeOwned + 'static>(&self, name: &str, f: impl Fn(Event<T>) + 'static) -> Subscription {
        let id = self.shared.borrow_mut().registry.on(name, typed(f));
        self.register(id)
    }

    /// Events of one topic, with `data` decoded as `T`.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let _s = c.subscribe::<serde_json::Value>("cast:42", |e| println!("{:?}", e.data));
    /// # }
    /// ```
    pub fn subscribe<T: DeserializeOwned + 'static>(&self, topic: &str, f: impl Fn(Event<T>) + 'static) -> Subscription {
        let id = self.shared.borrow_mut().registry.subscribe(topic, typed(f));
        self.register(id)
    }

    /// Joins channel `name` (`namespace:name`): its events, with `data` decoded as `T` and
    /// `channel` set, once each and in order, resumed after reconnects. Dropping the
    /// subscription leaves it (the channel's last one sends `unsub`). A bad name is a
    /// `BadArgument` error at once; refusals reach the `error` listeners (see
    /// [`RustClient::channel_with_errors`] for the channel's own).
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let _s = c.channel::<serde_json::Value>("crew:alpha", |e| println!("#{} {}", e.seq, e.kind)).unwrap();
    /// # }
    /// ```
    pub fn channel<T: DeserializeOwned + 'static>(&self, name: &str, f: impl Fn(Event<T>) + 'static) -> Result<Subscription, Error> {
        self.join(name, typed(f), None)
    }

    /// [`RustClient::channel`] with a listener for the channel's refusals.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let _s = c.channel_with_errors::<serde_json::Value>("crew:alpha", |e| println!("{:?}", e.data),
    ///     |e| eprintln!("{}: {}", e.channel, e.code)).unwrap();
    /// # }
    /// ```
    pub fn channel_with_errors<T: DeserializeOwned + 'static>(
        &self,
        name: &str,
        f: impl Fn(Event<T>) + 'static,
        on_error: impl Fn(ChannelError) + 'static,
    ) -> Result<Subscription, Error> {
        self.join(name, typed(f), Some(typed(on_error)))
    }

    fn join(&self, name: &str, on_event: Callback, on_error: Option<Callback>) -> Result<Subscription, Error> {
        let ChannelHandle { name, id } = driver::join_channel(&self.shared, name.to_owned(), on_event, on_error)?;
        Ok(Subscription { shared: Rc::downgrade(&self.shared), id, channel: Some(name) })
    }

    /// Every state change.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let _s = c.on_state(|s| println!("{}", s.state));
    /// # }
    /// ```
    pub fn on_state(&self, f: impl Fn(StateEvent) + 'static) -> Subscription {
        let id = self.shared.borrow_mut().registry.on("state", typed(f));
        self.register(id)
    }

    /// Sends a message; resolves once the server acked it.
    ///
    /// ```no_run
    /// # async fn f(c: &spellwire::web::rust_api::RustClient) {
    /// c.send("chat", &serde_json::json!({"text": "hi"}), Some("room:1")).await.unwrap();
    /// # }
    /// ```
    pub async fn send<T: Serialize>(&self, kind: &str, data: &T, topic: Option<&str>) -> Result<(), Error> {
        self.send_js(kind, data, topic).await.map(drop)
    }

    /// Sends a message and returns what the application backend answered (the `result` the
    /// server's send proxy passed on). Without a proxy the server answers `{ id }`.
    ///
    /// ```no_run
    /// # async fn f(c: &spellwire::web::rust_api::RustClient) {
    /// #[derive(serde::Deserialize)] struct Reply { stored: bool }
    /// let r: Reply = c.request("chat", &serde_json::json!({"text": "hi"}), None).await.unwrap();
    /// # }
    /// ```
    pub async fn request<T: Serialize, R: DeserializeOwned>(&self, kind: &str, data: &T, topic: Option<&str>) -> Result<R, Error> {
        let value = self.send_js(kind, data, topic).await?;
        serde_wasm_bindgen::from_value(value).map_err(|e| Error::new(ErrorCode::BadFrame, e.to_string()))
    }

    async fn send_js<T: Serialize>(&self, kind: &str, data: &T, topic: Option<&str>) -> Result<JsValue, Error> {
        let serializer = serde_wasm_bindgen::Serializer::json_compatible();
        let data = data
            .serialize(&serializer)
            .map_err(|e| Error::new(ErrorCode::BadArgument, e.to_string()))?;
        let promise = driver::send(&self.shared, kind, data, topic.map(str::to_owned));
        JsFuture::from(promise).await.map_err(|e| from_js_error(&e))
    }

    /// Current state.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// assert_eq!(c.state(), spellwire::core::Phase::Open);
    /// # }
    /// ```
    pub fn state(&self) -> Phase {
        self.shared.borrow().core.phase()
    }

    /// Counters and the number of unacked messages.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) {
    /// let (stats, queued) = c.stats();
    /// # }
    /// ```
    pub fn stats(&self) -> (Stats, usize) {
        self.shared.borrow().core.stats()
    }

    /// Connects now with a fresh attempt count.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) { c.retry(); }
    /// ```
    pub fn retry(&self) {
        driver::feed(&self.shared, Input::Connect);
    }

    /// Closes for good; unacked sends fail with `Closed`.
    ///
    /// ```no_run
    /// # fn f(c: &spellwire::web::rust_api::RustClient) { c.close(); }
    /// ```
    pub fn close(&self) {
        driver::close(&self.shared);
    }
}

fn from_js_error(value: &JsValue) -> Error {
    let code = js_sys::Reflect::get(value, &"code".into()).ok().and_then(|c| c.as_string());
    let code = code.as_deref().and_then(ErrorCode::parse).unwrap_or(ErrorCode::Server);
    Error::new(code, describe(value))
}
