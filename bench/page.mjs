// Runs in headless Chromium. Four client kinds behind one interface, so delivery and round trip
// are measured by the same code for each:
//   raw        new WebSocket + JSON.parse + callback (the limit)
//   spellwire  Client from /pkg, client.on('*', cb); sends are client.send(...) acked by the server
//   rws        reconnecting-websocket + JSON.parse + callback
//   socketio   socket.io-client (websocket transport only) against a socket.io server
//   bare       (context, unbatched only) new WebSocket counting messages, no JSON.parse: the
//              browser's own per-message ceiling on this machine
import init, { Client } from '/pkg/spellwire.js';
import ReconnectingWebSocket from '/lib/reconnecting-websocket.js';
import { io } from '/lib/socket.io-client.js';

const WS_URL = location.origin.replace(/^http/, 'ws') + '/ws';

/** A WebSocket-like connection speaking the spellwire frames without a library on top. */
async function plainSocket(ws) {
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
    onEvent: (cb) => { onEvent = cb; },
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
