// A sketch of issue 16's option B, for its size only: the package's JS face written by hand
// over a narrow wasm interface (`w`: numbers and strings in, numbers and event codes out).
// It does what the Rust shell's JS face does today: options with defaults and validation,
// listeners, subscribe/channel, send promises, state/stats objects, errors, the token function
// and the sessionStorage cursor. Not wired to a module: esbuild bundles and minifies it.
declare const w: any;

export type Transport = 'websocket' | 'http';
const CODES = ['NotReady', 'BadOptions', 'QueueFull', 'Closed', 'Rejected', 'Timeout', 'Unauthorized', 'TooLarge', 'Failed'] as const;
const STATES = ['idle', 'connecting', 'open', 'reconnecting', 'offline', 'closed', 'failed'] as const;
const STATS = ['delivered', 'replayed', 'duplicates', 'gaps', 'resets', 'reconnects', 'badFrames', 'acked', 'rejected', 'queued'] as const;

export class SpellwireError extends Error {
  name = 'SpellwireError';
  constructor(public code: (typeof CODES)[number], message: string, public details?: unknown) { super(message); }
}

const bad = (what: string, must: string) => new SpellwireError('BadOptions', `options.${what} must be ${must}`);
function num(o: any, k: string, def: number, min = 0, max = Infinity, path = '') {
  const v = o?.[k];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw bad(path + k, `a number from ${min} to ${max}`);
  return v;
}
function bool(o: any, k: string, def: boolean) {
  const v = o?.[k];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw bad(k, 'true or false');
  return v;
}
function oneOf<T extends string>(o: any, k: string, allowed: readonly T[], def: T): T {
  const v = o?.[k] ?? def;
  if (!allowed.includes(v)) throw bad(k, `one of ${allowed.join(', ')}`);
  return v;
}
const KNOWN = ['url', 'token', 'autoConnect', 'backoff', 'connectTimeoutMs', 'heartbeatMs', 'livenessGraceMs', 'queueLimit', 'overflow', 'maxMessageBytes', 'persistCursor', 'transports'];
const KNOWN_BACKOFF = ['initialMs', 'maxMs', 'factor', 'jitter', 'maxAttempts', 'resetAfterMs'];

function parse(o: any) {
  if (!o || typeof o !== 'object') throw bad('', 'an object');
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) throw bad(k, `one of the known options (${KNOWN.join(', ')})`);
  const urls = typeof o.url === 'string' ? [o.url] : o.url;
  if (!Array.isArray(urls) || !urls.length || urls.some((u) => typeof u !== 'string' || !/^wss?:\/\//.test(u))) throw bad('url', 'a ws:// or wss:// URL or a list of them');
  if (o.token !== undefined && typeof o.token !== 'string' && typeof o.token !== 'function') throw bad('token', 'a string or a function');
  const b = o.backoff ?? {};
  for (const k of Object.keys(b)) if (!KNOWN_BACKOFF.includes(k)) throw bad(`backoff.${k}`, `one of ${KNOWN_BACKOFF.join(', ')}`);
  const initialMs = num(b, 'initialMs', 500, 0, Infinity, 'backoff.');
  const transports = o.transports ?? ['websocket'];
  if (!Array.isArray(transports) || !transports.length || transports.some((t: string) => t !== 'websocket' && t !== 'http')) throw bad('transports', "a list of 'websocket' and 'http'");
  return {
    urls, token: o.token,
    n: [
      bool(o, 'autoConnect', true) ? 1 : 0, initialMs, num(b, 'maxMs', 20000, initialMs, Infinity, 'backoff.'), num(b, 'factor', 2, 1, Infinity, 'backoff.'),
      ['full', 'equal', 'none'].indexOf(oneOf(b, 'jitter', ['full', 'equal', 'none'], 'full')), num(b, 'maxAttempts', Infinity, 1, Infinity, 'backoff.'),
      num(b, 'resetAfterMs', 5000, 0, Infinity, 'backoff.'), num(o, 'connectTimeoutMs', 5000, 1), num(o, 'heartbeatMs', -1, 1000), num(o, 'livenessGraceMs', 10000),
      num(o, 'queueLimit', 1000, 0, 1e6), oneOf(o, 'overflow', ['reject', 'dropOldest'], 'reject') === 'reject' ? 0 : 1, num(o, 'maxMessageBytes', 1 << 20, 1),
      bool(o, 'persistCursor', true) ? 1 : 0, (transports.includes('websocket') ? 1 : 0) | (transports.includes('http') ? 2 : 0),
    ],
  };
}

type Listener = (x: any) => void;

export class Client {
  #id: number;
  #on = new Map<string, Set<Listener>>();
  #topics = new Map<string, Set<Listener>>();
  #channels = new Map<string, { fn: Listener; onError?: Listener }>();
  #sends = new Map<number, { resolve: Listener; reject: Listener }>();
  #token: any;
  #key: string;

  constructor(options: any) {
    const o = parse(options);
    this.#token = o.token;
    this.#key = `spellwire:${o.urls[0]}`;
    let cursor = null;
    if (o.n[13]) try { cursor = JSON.parse(sessionStorage.getItem(this.#key) ?? 'null'); } catch { /* storage refused: no cursor */ }
    this.#id = w.n(o.urls.join('\n'), new Float64Array(o.n), cursor?.epoch ?? '', cursor?.seq ?? 0, (k: number, a: any, b: any, c: any) => this.#out(k, a, b, c));
  }

  /** What the wasm asks of the face: 0 event, 1 state, 2 error, 3 reset, 4 ack, 5 nack, 6 token, 7 cursor, 8 channel event, 9 channel error. */
  #out(kind: number, a: any, b: any, c: any) {
    switch (kind) {
      case 0: { const e = JSON.parse(a); this.#emit('*', e); if (e.topic) for (const f of [...(this.#topics.get(e.topic) ?? [])]) f(e); return; }
      case 1: return this.#emit('state', this.#stateInfo());
      case 2: return this.#emit('error', new SpellwireError(CODES[a], b));
      case 3: return this.#emit('reset', { epoch: a, from: b, to: c });
      case 4: { const s = this.#sends.get(a); this.#sends.delete(a); return s?.resolve(b === undefined ? undefined : JSON.parse(b)); }
      case 5: { const s = this.#sends.get(a); this.#sends.delete(a); return s?.reject(new SpellwireError(CODES[b], c)); }
      case 6: return this.#fetchToken(a);
      case 7: try { sessionStorage.setItem(this.#key, JSON.stringify({ epoch: a, seq: b })); } catch { /* full or refused */ } return;
      case 8: { const e = JSON.parse(b); return this.#channels.get(a)?.fn(e); }
      case 9: { const ch = this.#channels.get(a); const err = { channel: a, code: b, message: c }; if (ch?.onError) ch.onError(err); else this.#emit('error', new SpellwireError('Rejected', `${a}: ${c}`, err)); }
    }
  }

  async #fetchToken(gen: number) {
    try {
      const t = typeof this.#token === 'function' ? await this.#token() : this.#token;
      if (typeof t !== 'string') throw new TypeError('the token function must return a string');
      w.t(this.#id, gen, t, '');
    } catch (e: any) {
      w.t(this.#id, gen, '', String(e?.message ?? e));
    }
  }

  #emit(name: string, x: any) {
    for (const f of [...(this.#on.get(name) ?? [])]) {
      try { f(x); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  #add(map: Map<string, Set<Listener>>, key: string, fn: Listener) {
    if (typeof fn !== 'function') throw new TypeError('listener must be a function');
    if (!map.has(key)) map.set(key, new Set());
    map.get(key)!.add(fn);
    return () => { map.get(key)?.delete(fn); };
  }

  on(name: string, fn: Listener) {
    if (!['state', 'error', 'reset', '*'].includes(name)) throw new TypeError(`unknown event ${name}: state, error, reset or *`);
    return this.#add(this.#on, name, fn);
  }

  subscribe(topic: string, fn: Listener) { return this.#add(this.#topics, topic, fn); }

  channel(name: string, fn: Listener, onError?: Listener) {
    const code = w.j(this.#id, name);
    if (code) throw new SpellwireError('BadOptions', `bad channel name ${name}`);
    this.#channels.set(name, { fn, onError });
    return () => { this.#channels.delete(name); w.l(this.#id, name); };
  }

  send(type: string, data?: unknown, options?: { idempotencyKey?: string; timeoutMs?: number }) {
    return new Promise((resolve, reject) => {
      const id = w.s(this.#id, type, JSON.stringify(data ?? null) ?? 'null', options?.idempotencyKey ?? '', options?.timeoutMs ?? -1);
      if (id < 0) return reject(new SpellwireError(CODES[-id - 1], id === -3 ? 'the send queue is full' : 'the client is closed'));
      this.#sends.set(id, { resolve, reject });
    });
  }

  #stateInfo() {
    const v = w.q(this.#id);
    return { state: STATES[v[0]], attempt: v[1], nextRetryMs: v[2] < 0 ? null : v[2], latencyMs: v[3] < 0 ? null : v[3], reason: w.r(this.#id) || null, transport: v[4] ? 'http' : 'websocket' };
  }

  get state() { return this.#stateInfo().state; }
  get latencyMs() { const l = w.q(this.#id)[3]; return l < 0 ? undefined : l; }
  stats() { const v = w.x(this.#id); return Object.fromEntries(STATS.map((k, i) => [k, v[i]])); }
  retry() { w.c(this.#id, 0); }
  connect() { w.c(this.#id, 1); }
  close() { w.c(this.#id, 2); for (const s of this.#sends.values()) s.reject(new SpellwireError('Closed', 'the client was closed')); this.#sends.clear(); }
  free() { this.close(); w.f(this.#id); }
}
