//! The JavaScript face: `new Client({ url, token })`, `on`, `subscribe`, `send`, `state`.

use super::convert;
use super::dispatch::Callback;
use super::driver::{self, Shared};
use super::js_options;
use super::token::TokenSource;
use crate::core::Input;
use crate::error::{Error, ErrorCode};
use crate::options::Urls;
use js_sys::{Function, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `{ topic? }`, typed in the .d.ts as `SendOptions` (declared in typescript.rs), optional.
    #[wasm_bindgen(typescript_type = "SendOptions")]
    pub type SendOptions;
}

thread_local! {
    static PAGE_CLIENT: RefCell<Option<PageClient>> = const { RefCell::new(None) };
}

/// The client `Client.shared` made, with the server and the token it was made for: a later
/// call for another user (another token) must not be handed this user's stream.
struct PageClient {
    shared: Shared,
    url: Urls,
    token: TokenSource,
}

impl PageClient {
    /// The page's client if it still runs (not closed by `close()`, not failed), and whether
    /// it was made for `url` and `token`.
    fn running(url: &Urls, token: &TokenSource) -> Option<(Shared, bool)> {
        PAGE_CLIENT.with(|c| {
            let page = c.borrow();
            let page = page.as_ref().filter(|p| !p.shared.borrow().core.is_stopped())?;
            Some((page.shared.clone(), page.url == *url && page.token.same_as(token)))
        })
    }
}

const SHARED_CONFLICT: &str = "Client.shared: the page's client runs with another token or url; close() it first";

/// A realtime connection that reconnects, keeps time, queues sends, and never loses events.
///
/// Create one per page, at load (see `Client.shared`).
///
/// @example
/// ```js
/// import init, { Client } from 'spellwire';
/// await init();
/// const client = new Client({ url: 'ws://127.0.0.1:8080/ws', token: 'T' });
/// client.on('state', (s) => console.log(s.state, s.latencyMs));
/// client.subscribe('cast:42', (evt) => console.log(evt.type, evt.data));
/// await client.send('chat', { text: 'hi' }, { topic: 'room:1' });
/// ```
#[wasm_bindgen]
pub struct Client {
    shared: Shared,
}

fn bad_options(message: String) -> JsValue {
    convert::error(&Error::new(ErrorCode::BadOptions, message))
}

fn bad_argument(message: String) -> JsValue {
    convert::error(&Error::new(ErrorCode::BadArgument, message))
}

fn string_arg(what: &str, value: &JsValue) -> Result<String, JsValue> {
    match value.as_string() {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(bad_argument([what, " must be a non-empty string"].concat())),
    }
}

fn listener(value: JsValue) -> Result<Callback, JsValue> {
    function("listener", value)
}

fn function(what: &str, value: JsValue) -> Result<Callback, JsValue> {
    let f: Function = value.dyn_into().map_err(|_| bad_argument([what, " must be a function"].concat()))?;
    Ok(super::dispatch::js_listener(f))
}

/// The topic from `send`'s options; anything but `{ topic?: string }` (or nothing) is refused.
fn send_topic(options: Option<JsValue>) -> Result<Option<String>, String> {
    let Some(options) = options.filter(|o| !o.is_null() && !o.is_undefined()) else { return Ok(None) };
    if !options.is_object() {
        return Err("send options must be an object such as { topic: 'room:1' }".into());
    }
    super::fields::opt_string(&options, "topic").map_err(|e| "send options: ".to_owned() + &e)
}

#[wasm_bindgen]
impl Client {
    /// Creates a client and (unless `autoConnect: false`) starts connecting. Throws a
    /// `SpellwireError` with code `BadOptions` on invalid options.
    ///
    /// @example
    /// ```js
    /// const client = new Client({ url: 'ws://127.0.0.1:8080/ws', token: async () => fetchToken() });
    /// ```
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue) -> Result<Client, JsValue> {
        let (opts, token) = js_options::parse(&options).map_err(bad_options)?;
        let shared = driver::create(opts, token).map_err(|e| convert::error(&e))?;
        Ok(Client { shared })
    }

    /// The page's one client. The first call creates it; while it runs, a call with the same
    /// token and url returns it (use it from every component instead of `new Client` per
    /// component; the other options are those of the first call). A call with another token or
    /// url while it runs throws a `SpellwireError` `BadOptions`, so after a logout and a login
    /// the next user can never get the previous user's stream: `close()` it at logout, and the
    /// next call creates a new client. A token function is the same only if it is the same
    /// function (`===`): keep it in a variable. Once closed or failed, the next call creates a
    /// new client.
    ///
    /// @example
    /// ```js
    /// const a = Client.shared({ url: 'ws://127.0.0.1:8080/ws', token: tokenA });
    /// const b = Client.shared({ url: 'ws://127.0.0.1:8080/ws', token: tokenA }); // a's client
    /// a.close(); // logout
    /// const c = Client.shared({ url: 'ws://127.0.0.1:8080/ws', token: tokenB }); // a new one
    /// ```
    pub fn shared(#[wasm_bindgen(unchecked_param_type = "ClientOptions")] options: JsValue) -> Result<Client, JsValue> {
        let (opts, token) = js_options::parse(&options).map_err(bad_options)?;
        match PageClient::running(&opts.url, &token) {
            Some((shared, true)) => return Ok(Client { shared }),
            Some((_, false)) => return Err(bad_options(SHARED_CONFLICT.into())),
            None => {}
        }
        let client = Client::new(options)?;
        let page = PageClient { shared: client.shared.clone(), url: opts.url, token };
        PAGE_CLIENT.with(|c| *c.borrow_mut() = Some(page));
        Ok(client)
    }

    /// Listens to `state`, `error`, `reset`, `*` (every application event of the personal
    /// stream; channel events go to `channel()`'s listeners) or one event type.
    /// Returns a function that removes the listener.
    ///
    /// @example
    /// ```js
    /// const off = client.on('step_completed', (evt) => bar.value = evt.data.progress);
    /// off();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn on(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(payload: any) => void")] listener_fn: JsValue,
    ) -> Result<JsValue, JsValue> {
        let name = string_arg("event name", &name)?;
        let id = self.shared.borrow_mut().registry.on(&name, listener(listener_fn)?);
        Ok(self.remover(id))
    }

    /// Receives the events of one topic (e.g. `cast:42`) of the personal stream (a channel's
    /// events go to `channel()`'s listeners). Returns the unsubscribe function.
    ///
    /// @example
    /// ```js
    /// const unsubscribe = client.subscribe('cast:42', (evt) => render(evt));
    /// ```
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn subscribe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] topic: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(evt: SpellwireEvent) => void")] listener_fn: JsValue,
    ) -> Result<JsValue, JsValue> {
        let topic = string_arg("topic", &topic)?;
        let id = self.shared.borrow_mut().registry.subscribe(&topic, listener(listener_fn)?);
        Ok(self.remover(id))
    }

    /// Joins channel `name` (`namespace:name`, e.g. `crew:alpha`): a stream many users share,
    /// with its own history and cursor, resumed after reconnects and page reloads like the
    /// personal stream. Returns the function that leaves it. Its events reach `listener` once
    /// each, in order, with `evt.channel` set; they never reach `on('*')`, `on(type)` or
    /// `subscribe(topic)`, which stay the personal stream's. Several listeners of one channel
    /// share one subscription; the last one to leave ends it. A name that breaks the rule throws
    /// a `SpellwireError` `BadArgument` at once. If the server refuses the channel, `onError`
    /// gets `{ channel, code, message }` and the `error` listeners a `ChannelRefused` error
    /// with `channel`: `forbidden`, `bad_channel` and `too_many_channels` are final (until
    /// `channel()` is called again), `unavailable` is asked again after a backoff (1 s doubling
    /// to 30 s) and on every new connection. When the channel's history is gone, `reset` fires
    /// with `{ reason: 'history_gone', channel }`.
    ///
    /// @example
    /// ```js
    /// const leave = client.channel('crew:alpha', (evt) => board.update(evt.data),
    ///   (e) => console.warn(`${e.channel}: ${e.code}`));
    /// leave(); // the last listener of crew:alpha: the client sends unsub
    /// ```
    #[wasm_bindgen(unchecked_return_type = "() => void")]
    pub fn channel(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(unchecked_param_type = "(evt: ChannelEvent) => void")] listener_fn: JsValue,
        #[wasm_bindgen(js_name = onError, unchecked_optional_param_type = "(e: ChannelError) => void")]
        on_error: JsValue,
    ) -> Result<JsValue, JsValue> {
        let name = string_arg("channel name", &name)?;
        let on_event = listener(listener_fn)?;
        let on_error = if on_error.is_undefined() || on_error.is_null() { None } else { Some(function("onError", on_error)?) };
        let handle = driver::join_channel(&self.shared, name, on_event, on_error).map_err(|e| convert::error(&e))?;
        let weak = Rc::downgrade(&self.shared);
        let leave = move || {
            if let Some(shared) = weak.upgrade() {
                driver::leave_channel(&shared, &handle);
            }
        };
        Ok(Closure::<dyn FnMut()>::new(leave).into_js_value())
    }

    fn remover(&self, id: u32) -> JsValue {
        let weak = Rc::downgrade(&self.shared);
        let off = move || {
            if let Some(shared) = weak.upgrade() {
                let removed = shared.borrow_mut().registry.remove(id);
                drop(removed); // after the borrow (see Registry::remove)
            }
        };
        Closure::<dyn FnMut()>::new(off).into_js_value()
    }

    /// Sends an application message. Resolves once the server acked it: with your backend's
    /// `result` when the server forwards sends to it (`--proxy-url`), else with `{ id }`.
    /// Queued while disconnected (up to `queueLimit`) and resent with the same id after
    /// reconnects, and after a backoff while the backend is down. Rejects with a
    /// `SpellwireError` (`Rejected` when the server or backend refused it for good, `QueueFull`,
    /// `MessageTooLarge`, `Closed`, `BadArgument`).
    ///
    /// @example
    /// ```js
    /// const reply = await client.send('chat', { text: 'hi' }, { topic: 'room:1' });
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Promise<any>")]
    pub fn send(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] kind: JsValue,
        data: JsValue,
        options: Option<SendOptions>,
    ) -> Promise {
        let kind = kind.as_string().unwrap_or_default();
        match send_topic(options.map(JsValue::from)) {
            Ok(topic) => driver::send(&self.shared, &kind, data, topic),
            Err(message) => Promise::reject(&bad_argument(message)),
        }
    }

    /// Current state: `connecting`, `open`, `reconnecting`, `offline`, `closed` or `failed`.
    ///
    /// @example
    /// ```js
    /// if (client.state === 'open') badge.textContent = 'Connected';
    /// ```
    #[wasm_bindgen(getter = state, unchecked_return_type = "ConnectionState")]
    pub fn js_state(&self) -> JsValue {
        // A JsValue for JS, not the String of `state()`: no copy for the glue to read and free.
        self.shared.borrow().core.phase().as_str().into()
    }

    /// Smoothed ping round-trip time in ms, or `undefined` before the first pong.
    ///
    /// @example
    /// ```js
    /// console.log(`${client.latencyMs?.toFixed(1)} ms`);
    /// ```
    #[wasm_bindgen(getter = latencyMs, unchecked_return_type = "number | undefined")]
    pub fn js_latency_ms(&self) -> JsValue {
        // A JsValue for JS, not the Option<f64> of `latency_ms()`, whose export returns two
        // values for the glue to pick from.
        self.latency_ms().map_or(JsValue::UNDEFINED, JsValue::from_f64)
    }

    /// Counters: delivered, replayed, duplicates, gaps, resets, reconnects, badFrames, acked,
    /// rejected, retried, refreshes, stray, refused, queued. Channel events count in delivered,
    /// replayed, duplicates, gaps and resets with the personal stream's.
    ///
    /// @example
    /// ```js
    /// const { delivered, duplicates } = client.stats();
    /// ```
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> JsValue {
        let (stats, queued) = self.shared.borrow().core.stats();
        convert::stats(&stats, queued)
    }

    /// Connects now with a fresh attempt count: after `failed`, or to skip the backoff wait.
    ///
    /// @example
    /// ```js
    /// retryButton.onclick = () => client.retry();
    /// ```
    pub fn retry(&self) {
        driver::feed(&self.shared, Input::Connect);
    }

    /// Starts connecting when created with `autoConnect: false` (same as `retry`).
    ///
    /// @example
    /// ```js
    /// const c = new Client({ url, token, autoConnect: false }); c.connect();
    /// ```
    pub fn connect(&self) {
        driver::feed(&self.shared, Input::Connect);
    }

    /// Closes for good (until `connect()`); unacked sends reject with `Closed`. This is how a
    /// client stops: a running one keeps itself alive even when the page holds no reference to
    /// it (a finalizer must not end a stream), so `free()` alone only releases the handle.
    ///
    /// @example
    /// ```js
    /// window.addEventListener('pagehide', () => client.close());
    /// ```
    pub fn close(&self) {
        driver::close(&self.shared);
    }
}

/// The getters for Rust callers (JS reads them as `state` and `latencyMs`).
impl Client {
    /// Current state, as the `state` getter gives it.
    ///
    /// ```ignore
    /// if client.state() == "open" { println!("connected"); }
    /// ```
    pub fn state(&self) -> String {
        self.shared.borrow().core.phase().as_str().to_owned()
    }

    /// Smoothed ping round-trip time in ms, `None` before the first pong (`latencyMs`).
    ///
    /// ```ignore
    /// if let Some(ms) = client.latency_ms() { println!("{ms:.0} ms"); }
    /// ```
    pub fn latency_ms(&self) -> Option<f64> {
        self.shared.borrow().core.state_info(0.0).latency_ms
    }
}
