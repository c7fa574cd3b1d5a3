//! The HTTP link: the protocol over a streaming `fetch` downstream and POSTs upstream
//! (docs/PROTOCOL.md, "HTTP transport"), shaped like a socket so the core cannot tell.
//!
//! It reports `Opened` at once; the first text the core writes (the hello) becomes the body of
//! `POST {base}/stream`, whose NDJSON lines arrive as messages; later texts are batched (all
//! that one task wrote) into one `POST {base}/send`, one request at a time so they reach the
//! server in order, and each answer (a JSON array of frames) arrives as a message. Anything
//! that ends the link (the stream's end, a failed POST) reports a close code, as a socket would.

use super::promise::on_settled;
use super::socket::{Handler, Sink, SocketEvent};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

// The fetches live in JS: reading a stream from Rust would need a dozen web-sys bindings and a
// call across the boundary per chunk, where this is a few hundred bytes of glue. Every callback
// first checks the link's AbortSignal, so a closed link (its closures dropped) is never called.
#[wasm_bindgen(inline_js = r#"
const codes = { 401: 4401, 409: 4409, 429: 4429, 503: 1013 };
export function httpLink(base) { return { base, ac: new AbortController(), session: '' }; }
export function httpAbort(l) { l.ac.abort(); }
export async function httpStream(l, body, onLine, onEnd) {
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
          if (!l.session) try { const f = JSON.parse(line); l.session = (f[0] || f).session; } catch (e) {}
          if (line) onLine(line);
        }
      }
    }
  } catch (e) {}
  if (!signal.aborted) onEnd(code);
}
export function httpPost(l, token, body, onAnswer) {
  const signal = l.ac.signal;
  fetch(l.base + '/send', { method: 'POST', body, signal, cache: 'no-store', headers: {
    Authorization: 'Bearer ' + token, 'Spellwire-Session': l.session } })
    .then(r => r.status == 200 ? r.text() : r.status).catch(() => 0)
    .then(a => signal.aborted || onAnswer(a));
}
"#)]
extern "C" {
    /// `{ base, ac, session }`: the link's URL base, its AbortController, and the session id
    /// the welcome names (the first frame of the first line, which may be an array: welcome and
    /// the replay).
    #[wasm_bindgen(js_name = httpLink)]
    fn link(base: &str) -> JsValue;
    /// Aborts every request of the link.
    #[wasm_bindgen(js_name = httpAbort)]
    fn abort(link: &JsValue);
    /// Starts the downstream: `onLine(text)` per line, then `onEnd(closeCode)`.
    #[wasm_bindgen(js_name = httpStream)]
    fn stream(link: &JsValue, hello: &str, on_line: &JsValue, on_end: &JsValue);
    /// One upstream POST: `onAnswer(text)` on 200, else `onAnswer(status)` (0: no answer).
    #[wasm_bindgen(js_name = httpPost)]
    fn post(link: &JsValue, token: &str, body: &str, on_answer: &JsValue);
}

/// An HTTP link owned by the driver; dropping it aborts its requests.
pub(crate) struct HttpLink {
    up: Rc<RefCell<Upstream>>,
    on_line: Handler,
    on_end: Handler,
}

/// The upstream's queue, shared with the answer handler (which holds it weakly).
struct Upstream {
    link: JsValue,
    started: bool,
    token: String,
    queue: Vec<String>,
    /// A POST is in flight or about to be sent: later texts wait in the queue.
    busy: bool,
    on_answer: Option<Handler>,
}

impl HttpLink {
    /// A link to `base` (`http[s]://host/prefix/http`) that reports `Opened` in a microtask.
    pub(crate) fn open(base: &str, gen: u64, sink: Sink) -> HttpLink {
        let up = Rc::new(RefCell::new(Upstream {
            link: link(base),
            started: false,
            token: String::new(),
            queue: Vec::new(),
            busy: false,
            on_answer: None,
        }));
        let (weak, s) = (Rc::downgrade(&up), sink.clone());
        let on_answer = Handler::new(move |answer: JsValue| {
            let Some(up) = weak.upgrade() else { return };
            if answer.is_string() {
                s(gen, SocketEvent::Text(answer));
                flush(&up);
            } else {
                abort(&up.borrow().link); // 404 no_session, 409 wrong_node, no answer: a new stream
                let code = match answer.as_f64() {
                    Some(401.0) => 4401,
                    Some(429.0) => 4429,
                    _ => 1006,
                };
                s(gen, SocketEvent::Closed(code));
            }
        });
        up.borrow_mut().on_answer = Some(on_answer);
        let s = sink.clone();
        on_settled(&JsValue::UNDEFINED, move |_| s(gen, SocketEvent::Opened));
        let s = sink.clone();
        let on_line = Handler::new(move |line| s(gen, SocketEvent::Text(line)));
        let on_end = Handler::new(move |code: JsValue| sink(gen, SocketEvent::Closed(code.as_f64().unwrap_or(1006.0) as u16)));
        HttpLink { up, on_line, on_end }
    }

    /// The first text opens the stream; later ones are POSTed with `token`, batched per task.
    pub(crate) fn send(&self, text: &str, token: &str) {
        let mut up = self.up.borrow_mut();
        if !up.started {
            up.started = true;
            return stream(&up.link, text, self.on_line.as_ref(), self.on_end.as_ref());
        }
        up.queue.push(text.to_owned());
        if up.token != token {
            up.token = token.to_owned();
        }
        if !up.busy {
            up.busy = true;
            let weak = Rc::downgrade(&self.up);
            on_settled(&JsValue::UNDEFINED, move |_| {
                if let Some(up) = weak.upgrade() {
                    flush(&up)
                }
            });
        }
    }
}

/// POSTs everything queued as one request (a JSON array when there are several), or marks the
/// upstream idle when nothing is.
fn flush(up: &Rc<RefCell<Upstream>>) {
    let mut up = up.borrow_mut();
    let body = match up.queue.len() {
        0 => {
            up.busy = false;
            return;
        }
        1 => up.queue.pop().unwrap_or_default(),
        _ => ["[", &up.queue.join(","), "]"].concat(),
    };
    up.queue.clear();
    if let Some(on_answer) = up.on_answer.as_ref() {
        post(&up.link, &up.token, &body, on_answer.as_ref());
    }
}

impl Drop for HttpLink {
    fn drop(&mut self) {
        abort(&self.up.borrow().link);
    }
}
