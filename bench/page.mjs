// Runs in headless Chromium. Four client kinds behind one interface, so delivery and round trip
// are measured by the same code for each, and a fifth for delivery alone:
//   raw        new WebSocket + JSON.parse + callback (the limit)
//   spellwire  Client from /pkg, client.on('*', cb); sends are client.send(...) acked by the server
//   relay      (reference, delivery only) raw, with each event passed into wasm and back out to
//              the callback: the crossing alone, without any client's work
//   rws        reconnecting-websocket + JSON.parse + callback
//   socketio   socket.io-client (websocket transport only) against a socket.io server
//   bare       (context, unbatched only) new WebSocket counting messages, no JSON.parse: the
//              browser's own per-message ceiling on this machine
import init, { Client } from '/pkg/spellwire.js';
import ReconnectingWebSocket from '/lib/reconnecting-websocket.js';
import { io } from '/lib/socket.io-client.js';

const WS_URL = location.origin.replace(/^http/, 'ws') + '/ws';

/** A WebSocket-like connection speaking the spellwire frames without a library on top.
 * `route(cb)` gives what the message handler calls with each event frame; by default the
 * callback itself, so raw's path is the handler and the callback and nothing else. */
async function plainSocket(ws, route = (cb) => cb) {
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  let onEvent = null;
  const acks = new Map();
  ws.addEventListener('message', (m) => {
    const value = JSON.parse(m.data);
    if (Array.isArray(value)) {
      for (const frame of value) onEvent(frame);
    } else if (value.op === 'event') {
      onEvent(value);
    } else if (value.op === 'ack') {
      acks.get(value.id)?.();
    }
  });
  let next = 0;
  return {
    onEvent: (cb) => { onEvent = route(cb); },
    burst: (n, batch) => ws.send(JSON.stringify({ op: 'burst', n, batch })),
    // the very frame spellwire's send() puts on the wire, answered by the same ack
    send: (data) => new Promise((resolve) => {
      const id = `r-${next++}`;
      acks.set(id, () => { acks.delete(id); resolve(); });
      ws.send(JSON.stringify({ op: 'send', id, type: 'rtt', data }));
    }),
    close: () => ws.close(),
  };
}

// Why relay exists: spellwire's delivery runs in wasm, so each event crosses from JS into wasm
// and back out to the subscriber's callback. That crossing is the cost of the design, paid by any
// client whose per-event work runs in wasm (a batched message could cross in once for all its
// events, but each still comes back out); everything spellwire costs beyond it is its own work. The
// relay kind is raw plus exactly that crossing, so the report can tell the two apart. The module,
// hand-assembled so no toolchain is involved:
//   (module (import "j" "cb" (func (param externref)))
//           (func (export "relay") (param f64 externref) local.get 1 call 0))
// relay takes the event's seq (an f64) and the frame (an externref) and calls the imported
// callback with the frame; it does nothing else.
const RELAY_MODULE = new WebAssembly.Module(new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
  1, 10, 2, 0x60, 1, 0x6f, 0, 0x60, 2, 0x7c, 0x6f, 0, // types: (externref) -> (), (f64, externref) -> ()
  2, 8, 1, 1, 0x6a, 2, 0x63, 0x62, 0, 0, // import j.cb: type 0
  3, 2, 1, 1, // one function of type 1
  7, 9, 1, 5, 0x72, 0x65, 0x6c, 0x61, 0x79, 0, 1, // export "relay": function 1
  10, 8, 1, 6, 0, 0x20, 1, 0x10, 0, 0x0b, // its body: local.get 1, call 0
]));

/** `cb` behind one pass through wasm: each frame goes into a fresh instance of the relay module,
 * which hands it back out to `cb`. */
function throughWasm(cb) {
  const { relay } = new WebAssembly.Instance(RELAY_MODULE, { j: { cb } }).exports;
  return (frame) => relay(frame.seq, frame);
}

/** Counts messages as events without parsing them: what the browser alone costs per message. */
async function bare() {
  const ws = new WebSocket(WS_URL);
  await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
  let seq = 0;
  return {
    onEvent: (cb) => { ws.onmessage = () => cb({ seq: ++seq }); },
    burst: (n, batch) => ws.send(JSON.stringify({ op: 'burst', n, batch })),
    close: () => ws.close(),
  };
}

async function spellwire() {
  const client = new Client({ url: WS_URL, persistCursor: false });
  await new Promise((resolve, reject) => {
    const off = client.on('state', (s) => {
      if (s.state === 'open') { off(); resolve(); }
      if (s.state === 'failed' || s.state === 'closed') reject(new Error(`spellwire ${s.state}: ${s.reason}`));
    });
  });
  return {
    onEvent: (cb) => client.on('*', cb),
    burst: (n, batch) => { client.send('burst', { n, batch }); },
    send: (data) => client.send('rtt', data),
    close: () => { client.close(); client.free(); },
  };
}

async function socketio() {
  const socket = io(location.origin, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return {
    onEvent: (cb) => {
      socket.on('tick', cb);
      socket.on('ticks', (frames) => { for (const frame of frames) cb(frame); });
    },
    burst: (n, batch) => socket.emit('burst', { n, batch }),
    send: (data) => new Promise((resolve) => socket.emit('rtt', data, resolve)),
    close: () => socket.disconnect(),
  };
}

const OPEN = {
  raw: () => plainSocket(new WebSocket(WS_URL)),
  spellwire,
  relay: () => plainSocket(new WebSocket(WS_URL), throughWasm),
  rws: () => plainSocket(new ReconnectingWebSocket(WS_URL, [], { maxRetries: 0 })),
  socketio,
  bare,
};

/** Events/s from asking for a burst of `n` events (`batch` per message) on a fresh connection
 * until the subscriber callback saw the last one. Also checks that 1..n came once each in order. */
async function deliver(kind, n, batch) {
  const conn = await OPEN[kind]();
  try {
    let count = 0;
    let misordered = 0;
    const done = new Promise((resolve) => conn.onEvent((evt) => {
      if (evt.seq !== ++count) misordered++;
      if (count === n) resolve(performance.now());
    }));
    const t0 = performance.now();
    conn.burst(n, batch);
    const t1 = await withTimeout(done, 60_000, `${kind} burst of ${n}`);
    await new Promise((r) => setTimeout(r, 20)); // extra events after the last would be counted
    return { eventsPerSec: (n * 1000) / (t1 - t0), ms: t1 - t0, received: count, misordered };
  } finally {
    conn.close();
  }
}

/** Round-trip times in ms of `count` sequential sends, each awaited until the server's ack. */
async function roundTrips(kind, count) {
  const conn = await OPEN[kind]();
  try {
    for (let i = 0; i < 20; i++) await conn.send({ i }); // warm the path
    const times = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await conn.send({ i });
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    conn.close();
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

await init();
window.bench = { deliver, roundTrips, Client, isolated: crossOriginIsolated, userAgent: navigator.userAgent };
