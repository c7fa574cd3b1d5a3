//! The HTTP link: the protocol over a streaming `fetch` downstream and POSTs upstream
//! (docs/PROTOCOL.md, "HTTP transport"), shaped like a socket so the core cannot tell.
//!
//! It reports `Opened` at once (in a microtask); the first text the core writes (the hello)
//! becomes the body of `POST {base}/stream`, whose NDJSON lines arrive as messages; later texts
//! are batched (all that one task wrote) into one `POST {base}/send` at a time, so they reach
//! the server in order, and each answer (a JSON array of frames) arrives as a message. What
//! ends the link reports a close code, as a socket would: the stream's end or a network error
//! 1006, a refused stream 4401/4409/4429/1013 (HTTP 401/409/429/503), a refused POST 4401 or
//! 4429 (HTTP 401/429) and any other failed POST 1006 (404 `no_session`: the stream is gone).

use super::socket::{Handler, Sink, SocketEvent};
use wasm_bindgen::prelude::*;

// The link lives in JS, the Rust side holds it and one callback: reading a stream from Rust
// would take a dozen web-sys bindings and a boundary crossing per chunk, and a queue of
// closures per request; this is about 0.6 KB of gzipped glue instead. Every call of `cb` is
// made before the link is aborted, and dropping the link aborts it first, so a dropped
// callback is never called.
#[wasm_bindgen(inline_js = r#"
const codes = { 401: 4401, 409: 4409, 429: 4429, 503: 1013 };
export function httpOpen(base, cb) {
  const l = { base, cb, ac: new AbortController(), session: '', token: '', queue: [], busy: false, started: false };
  queueMicrotask(() => l.ac.signal.aborted || cb(true));
  return l;
}
export function httpAbort(l) { l.ac.abort(); }
function end(l, code) {
  if (!l.ac.signal.aborted) { l.ac.abort(); l.cb(code); }
}
export function httpSend(l, text, token) {
  if (!l.started) { l.started = true; return stream(l, text); }
  l.queue.push(text);
  l.token = token;
  if (!l.busy) { l.busy = true; queueMicrotask(() => post(l)); }
}
async function stream(l, body) {
  const signal = l.ac.signal;
  let code = 1006;
  try {
    const r = await fetch(l.base + '/stream', { method: 'POST', body, signal, cache: 'no-store' });
    if (r.status != 200) code = codes[r.status] || 1006;
    else {
      const reader = r.body.getReader(), text = new TextDecoder();
      let rest = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const lines = (rest + text.decode(value, { stream: true })).split('\n');
        rest = lines.pop();
        for (const line of lines) {
          if (signal.aborted) return;
          // The welcome is the first frame of the first line (an array when a replay follows).
          if (!l.session) try { const f = JSON.parse(line); l.session = (f[0] || f).session; } catch (e) {}
          if (line) l.cb(line);
        }
      }
    }
  } catch (e) {}
  end(l, code);
}
async function post(l) {
  const q = l.queue, signal = l.ac.signal;
  l.queue = [];
  if (!q.length || signal.aborted) return l.busy = false;
  let a = 0;
  try {
    const r = await fetch(l.base + '/send', { method: 'POST', body: q.length > 1 ? '[' + q + ']' : q[0], signal,
      cache: 'no-store', headers: { Authorization: 'Bearer ' + l.token, 'Spellwire-Session': l.session } });
    a = r.status == 200 ? await r.text() : r.status;
  } catch (e) {}
  if (signal.aborted) return;
  if (typeof a != 'string') return end(l, a == 401 ? 4401 : a == 429 ? 4429 : 1006);
  l.cb(a);
  post(l);
}
"#)]
extern "C" {
    /// A link to `base` that calls `cb(true)` when "open", `cb(text)` per message and
    /// `cb(closeCode)` once at its end.
    #[wasm_bindgen(js_name = httpOpen)]
    fn open(base: &str, cb: &JsValue) -> JsValue;
    /// Writes a text: the first opens the stream, later ones are POSTed with `token`.
    #[wasm_bindgen(js_name = httpSend)]
    fn send(link: &JsValue, text: &str, token: &str);
    /// Aborts every request of the link; `cb` is not called again.
    #[wasm_bindgen(js_name = httpAbort)]
    fn abort(link: &JsValue);
}

/// An HTTP link owned by the driver; dropping it aborts its requests.
pub(crate) struct HttpLink {
    link: JsValue,
    _callback: Handler,
}

impl HttpLink {
    /// A link to `base` (`http[s]://host/prefix/http`), tagging its events with `gen`.
    pub(crate) fn open(base: &str, gen: u64, sink: Sink) -> HttpLink {
        let callback = Handler::new(move |v: JsValue| {
            let event = match v.as_f64() {
                _ if v.is_string() => SocketEvent::Text(v),
                Some(code) => SocketEvent::Closed(code as u16),
                None => SocketEvent::Opened,
            };
            sink(gen, event)
        });
        HttpLink { link: open(base, callback.as_ref()), _callback: callback }
    }

    /// Writes a text, with the connection token in force (sent with every POST).
    pub(crate) fn send(&self, text: &str, token: &str) {
        send(&self.link, text, token)
    }
}

impl Drop for HttpLink {
    fn drop(&mut self) {
        abort(&self.link);
    }
}
