//! One WebSocket and its handlers, tagged with the generation the core gave it.
//!
//! The handler closures live in this struct and are detached on drop (gloo's pattern), so a
//! reconnecting client does not leak a set of closures per attempt, and a replaced socket can
//! never call back into the client.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;
use web_sys::{BinaryType, WebSocket};

/// The HTTP link's one callback, which takes a plain `JsValue` (each closure type costs the
/// wasm its own invoke export and the glue its own wrapper, so each link has one).
pub(crate) type Handler = Closure<dyn FnMut(JsValue)>;

/// What a socket reports.
pub(crate) enum SocketEvent {
    /// The handshake completed.
    Opened,
    /// A text message, still a JS string: it goes straight to `JSON.parse` without being
    /// copied into wasm memory and back.
    Text(JsValue),
    /// A text message that JS already parsed into an object or array: the value and its code
    /// (see `decode::parsed`).
    Parsed(f64, JsValue),
    /// A binary message (not part of the protocol).
    Binary,
    /// Closed, with the close code (1006: no close frame was seen).
    Closed(u16),
}

/// Where a socket's events go: `(generation, event)`.
pub(crate) type Sink = std::rc::Rc<dyn Fn(u64, SocketEvent)>;

/// A socket's one callback: `(code, value)` from `decode::listen`'s handlers.
type SocketHandler = Closure<dyn FnMut(f64, JsValue)>;

/// An open (or opening) WebSocket owned by the driver.
pub(crate) struct Socket {
    pub(crate) gen: u64,
    ws: WebSocket,
    _handler: SocketHandler,
}

impl Socket {
    /// Starts connecting to `url`; fails at once on a URL the browser refuses.
    ///
    /// JS calls the handler with a code and a value: a parsed message's code (not NaN) and
    /// frame, or NaN and `true` (opened), a number (closed, its code), `false` (a binary
    /// message) or a string (a text that is not a JSON object or array).
    pub(crate) fn open(url: &str, gen: u64, sink: Sink) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let handler = SocketHandler::new(move |code: f64, v: JsValue| {
            let event = if !code.is_nan() {
                SocketEvent::Parsed(code, v) // every message of the protocol
            } else if v.is_string() {
                SocketEvent::Text(v)
            } else if let Some(code) = v.as_f64() {
                SocketEvent::Closed(code as u16)
            } else if v.is_truthy() {
                SocketEvent::Opened
            } else {
                SocketEvent::Binary
            };
            sink(gen, event)
        });
        super::decode::listen(&ws, handler.as_ref());
        Ok(Socket { gen, ws, _handler: handler })
    }

    /// Writes a text message; a socket that is not open drops it (the outbox resends).
    pub(crate) fn send(&self, text: &str) {
        if self.ws.ready_state() == WebSocket::OPEN {
            let _ = self.ws.send_with_str(text);
        }
    }

    /// Closes with a code (1000 or 3000-4999) and a reason; drop detaches the handlers.
    pub(crate) fn close(self, code: u16, reason: &str) {
        let _ = self.ws.close_with_code_and_reason(code, crate::core::text::prefix(reason, 60));
    }
}

/// The driver's link to the server: a WebSocket, or the HTTP link that behaves like one.
pub(crate) enum Link {
    /// A WebSocket.
    Ws(Socket),
    /// The HTTP transport.
    Http(u64, super::http::HttpLink),
}

impl Link {
    /// The generation the core gave it.
    pub(crate) fn gen(&self) -> u64 {
        match self {
            Link::Ws(s) => s.gen,
            Link::Http(gen, _) => *gen,
        }
    }

    /// Writes a text; the HTTP link sends `token` with it (the WebSocket sent it in the hello).
    pub(crate) fn send(&self, text: &str, token: &str) {
        match self {
            Link::Ws(s) => s.send(text),
            Link::Http(_, h) => h.send(text, token),
        }
    }

    /// Closes the link (an HTTP link aborts its requests when dropped).
    pub(crate) fn close(self, code: u16, reason: &str) {
        if let Link::Ws(s) = self {
            s.close(code, reason)
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        super::decode::unlisten(&self.ws);
        let state = self.ws.ready_state();
        if state == WebSocket::CONNECTING || state == WebSocket::OPEN {
            let _ = self.ws.close();
        }
    }
}
