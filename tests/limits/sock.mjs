// What the limits run speaks to the server with: a WebSocket client that keeps every frame it
// received (arrays unpacked) and how it was closed, JSON over HTTP, and a raw upgrade request
// that shows the HTTP status a refused upgrade gets (a WebSocket object only sees "error").
import http from 'node:http';
import { randomBytes } from 'node:crypto';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `test` every 10 ms until it is truthy; throws `what` after `ms`. */
export async function until(test, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const got = test();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A socket to `/ws` and everything it received. */
export class Sock {
  /** Opens a socket to `base` (http://host:port) and waits until it is open. */
  static async open(base) {
    const s = new Sock(new WebSocket(`${base.replace(/^http/, 'ws')}/ws`));
    await new Promise((resolve, reject) => {
      s.ws.addEventListener('open', resolve, { once: true });
      s.ws.addEventListener('error', () => reject(new Error('the upgrade failed')), { once: true });
    });
    return s;
  }

  constructor(ws) {
    this.ws = ws;
    /** Every frame received, in order, and when (Date.now()) each arrived. */
    this.frames = [];
    this.times = [];
    /** `{ code, reason }` once the socket closed. */
    this.close = null;
    ws.addEventListener('message', (e) => {
      const v = JSON.parse(e.data);
      const frames = Array.isArray(v) ? v : [v];
      this.frames.push(...frames);
      this.times.push(...frames.map(() => Date.now()));
    });
    ws.addEventListener('close', (e) => { this.close = { code: e.code, reason: e.reason }; });
  }

  send(frame) { this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)); }
  of(op) { return this.frames.filter((f) => f.op === op); }
  seqs() { return this.of('event').map((e) => e.seq); }
  closed(ms = 5000) { return until(() => this.close, 'the server to close the socket', ms); }
  end() { if (this.ws.readyState <= 1) this.ws.close(1000); }
}

/** `method path` with a JSON (or string) body: `{ status, body }` (body null when not JSON). */
export async function call(base, method, path, body, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json };
}

/** A welcomed socket for `user` (a --dev login), resuming from `resume` when given. */
export async function connect(base, user, resume) {
  const { body } = await call(base, 'POST', '/api/login', { user });
  const s = await Sock.open(base);
  s.send({ op: 'hello', token: body.token, ...(resume ? { resume } : {}) });
  s.welcome = await until(() => s.of('welcome')[0] ?? (s.close && { close: s.close }), `${user}'s welcome`);
  return s;
}

/** Publishes `n` events to `user` through /api/notify, in order. */
export async function notify(base, user, n, type = 'n') {
  for (let i = 0; i < n; i++) await call(base, 'POST', '/api/notify', { user, type, data: i });
}

/** A bare upgrade request to `/ws`: `{ status, body, socket }` (socket only on 101). */
export function upgrade(base) {
  const headers = {
    Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
  };
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/ws`, { headers });
    req.on('upgrade', (res, socket) => resolve({ status: res.statusCode, socket }));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text || 'null') }));
    });
    req.on('error', reject);
    req.end();
  });
}
