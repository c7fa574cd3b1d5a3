// Option B (issue 16): the package's JavaScript face, written in JavaScript over the narrow wasm
// `Engine` of SPEC.md. It does what src/web/client.rs, dispatch.rs, convert.rs, token.rs,
// promise.rs and driver.rs's emit/settle/deliver do today, with the same messages: the engine
// keeps the protocol, the timers, the socket and the cursor; this file keeps the listeners, the
// send promises, the token function and the objects the API hands out.
import { readOptions } from './options.js';

/** The glue's `Engine` class, set by `install` once the wasm is initialised. */
let Engine;

/**
 * Hands this module the glue's `Engine` class. The package entry (index.js) calls it once,
 * after `await init()`; `Client` throws a `NotReady` SpellwireError before that.
 */
export function install(EngineClass) {
  Engine = EngineClass;
}

/** Error codes, in src/error.rs's order: the engine reports an index into this list. */
const CODES = ['QueueFull', 'MessageTooLarge', 'Closed', 'Unauthorized', 'BadFrame', 'BadOptions',
  'BadArgument', 'Server', 'Rejected', 'Token', 'Listener', 'ChannelRefused'];
const STATES = ['connecting', 'open', 'reconnecting', 'offline', 'closed', 'failed'];
const CLOSED = 4;
const FAILED = 5;
const TRANSPORTS = ['websocket', 'http'];
/** `engine.stats()`'s counters by position; the transport follows them. */
const STATS = ['delivered', 'replayed', 'duplicates', 'gaps', 'resets', 'reconnects', 'badFrames',
  'acked', 'rejected', 'retried', 'refreshes', 'stray', 'refused', 'queued'];
/** Lifecycle names: `on(name)` with one of these never hears application events. */
const LIFECYCLE = ['state', 'error', 'reset'];

const SHARED_CONFLICT = "Client.shared: the page's client runs with another token or url; close() it first";
const NOT_READY = "spellwire is not initialised yet: import { Client } from 'spellwire' (it initialises itself), "
  + "or call `await init()` from 'spellwire/init' before using Client";

/** A JS `Error` named `SpellwireError` with a `code` (and a refused channel's `channel`). */
function spellwireError(code, message, channel) {
  const error = new Error(message);
  error.name = 'SpellwireError';
  error.code = code;
  if (channel !== undefined) error.channel = channel;
  return error;
}

/** What a check threw: its message (a string) as a SpellwireError with `code`, anything else as is. */
function asError(code, thrown) {
  return typeof thrown === 'string' ? spellwireError(code, thrown) : thrown;
}

/** The text of whatever JS threw, for error messages. */
function describe(thrown) {
  if (thrown instanceof Error) return String(thrown.message);
  return typeof thrown === 'string' ? thrown : 'a non-Error value';
}

/** NaN (the engine's "none") as null. */
const orNull = (n) => (Number.isNaN(n) ? null : n);

/** `value` settled (a promise or a plain value), always in a later microtask. */
const settled = (value) => Promise.allSettled([value]).then(([outcome]) => outcome);

/** Throws `BadArgument` unless `value` is a non-empty string. */
function checkText(what, value) {
  if (typeof value !== 'string' || value === '') {
    throw spellwireError('BadArgument', `${what} must be a non-empty string`);
  }
}

/** Throws `BadArgument` unless `value` is a function. */
function checkFunction(what, value) {
  if (typeof value !== 'function') throw spellwireError('BadArgument', `${what} must be a function`);
}

/** The options checked and flattened for the engine; throws `BadOptions` (`NotReady` before `install`). */
function parse(options) {
  if (!Engine) throw spellwireError('NotReady', NOT_READY);
  try {
    return readOptions(options);
  } catch (thrown) {
    throw asError('BadOptions', thrown);
  }
}

/** The topic from `send`'s options (`{ topic?: string }` or nothing); throws the message. */
function sendTopic(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw "send options must be an object such as { topic: 'room:1' }";
  let topic;
  try {
    topic = options.topic;
  } catch {
    // an unreadable field counts as absent, as the Rust face's Reflect.get did
  }
  if (topic === undefined || topic === null) return undefined;
  if (typeof topic !== 'string') throw 'send options: "topic" must be a string';
  return topic;
}

/**
 * One client: the engine, its listeners, its pending sends and its token source, shared by every
 * `Client` handle of it (`Client.shared` hands out several). It is the `Face` the engine calls.
 */
class Hub {
  constructor(options) {
    const numbers = [...parse(options)];
    this.source = options.token ?? '';
    numbers.splice(14, 0, typeof this.source === 'function' ? 1 : 0); // `refreshable`
    const urls = typeof options.url === 'string' ? [options.url] : [...options.url];
    /** Listeners in registration order: `{ id, kind, name, f }`. */
    this.entries = [];
    this.nextId = 0;
    /** Sends awaiting their ack: id → `{ resolve, reject }`. */
    this.pending = new Map();
    /** Outcomes that arrived inside `engine.send`, before its id was known: id → `[ok, value]`. */
    this.early = new Map();
    this.sending = 0;
    /** Whether `close()` stopped it (the core's `closed_by_user`, for `Client.shared`). */
    this.closed = false;
    /** Handles (and the page's slot) that hold it; with none, it lives only while running. */
    this.owners = 0;
    try {
      this.engine = new Engine(new Float64Array(numbers), urls, this);
    } catch (thrown) {
      throw asError('BadOptions', thrown);
    }
  }

  // ---- listeners (src/web/dispatch.rs) ----

  /** Adds a listener; `id` groups a channel's two listeners under one registration. */
  add(kind, name, f, id = ++this.nextId) {
    this.entries.push({ id, kind, name, f });
    return id;
  }

  /** Removes one registration's listeners; true when there were any. */
  remove(id) {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length < before;
  }

  /** The listeners of `kind` for `name`, collected before any runs (one removed meanwhile still runs). */
  matching(kind, name) {
    return this.entries.filter((e) => e.kind === kind && e.name === name).map((e) => e.f);
  }

  /** The function that removes a registration (idempotent). */
  remover(id) {
    return () => void this.remove(id);
  }

  /** Registers a channel's listeners and joins it; returns the function that leaves. */
  join(name, listener, onError) {
    const id = this.add('channel', name, listener);
    if (onError !== undefined && onError !== null) this.add('channelError', name, onError, id);
    const bad = this.engine.join(name);
    if (bad !== undefined) {
      this.remove(id);
      throw spellwireError('BadArgument', bad);
    }
    return () => {
      if (this.remove(id) && this.engine) this.engine.leave(name);
    };
  }

  /** Calls listeners in turn; one that throws becomes an `error` event (an error listener's is logged). */
  callAll(what, listeners, value) {
    for (const f of listeners) {
      try {
        f(value);
      } catch (thrown) {
        const text = describe(thrown);
        if (what === 'error') {
          console.error('spellwire: an error listener threw:', text);
        } else {
          const article = what[0] === 'e' ? 'an' : 'a'; // "an event", "a channel"
          this.emit('error', spellwireError('Listener', `${article} ${what} listener threw: ${text}`));
        }
      }
    }
  }

  /** Emits a lifecycle event (`state`, `error`, `reset`). */
  emit(name, value) {
    this.callAll(name, this.matching('lifecycle', name), value);
  }

  // ---- the Face the engine calls (SPEC.md) ----

  /** An application event of the personal stream: its type's listeners, then `*`, then its topic's. */
  event(payload) {
    const listeners = [...this.matching('type', payload?.type), ...this.matching('*', '*'),
      ...this.matching('topic', payload?.topic)];
    this.callAll('event', listeners, payload);
  }

  /** An event of channel `name`, to that channel's listeners. */
  channelEvent(name, payload) {
    this.callAll('channel', this.matching('channel', name), payload);
  }

  /** The connection state changed. */
  state(phase, attempt, nextRetryMs, latencyMs, reason, transport) {
    this.emit('state', {
      state: STATES[phase],
      attempt,
      nextRetryMs: orNull(nextRetryMs),
      latencyMs: orNull(latencyMs),
      reason: reason ?? null,
      transport: TRANSPORTS[transport],
    });
    if (phase >= CLOSED) this.release();
  }

  /** An error for the `error` listeners. */
  error(code, message) {
    this.emit('error', spellwireError(CODES[code], message));
  }

  /** The history of the personal stream (or of `channel`) is gone. */
  reset(channel) {
    this.emit('reset', channel === undefined ? { reason: 'history_gone' } : { reason: 'history_gone', channel });
  }

  /** The server refused a channel: its error listeners, then a `ChannelRefused` error. */
  refused(channel, code, message) {
    this.callAll('channel error', this.matching('channelError', channel), { channel, code, message });
    this.emit('error', spellwireError('ChannelRefused', `${channel}: ${code}: ${message}`, channel));
  }

  /** The server acked send `id`: resolve with the backend's result, else `{ id }`. */
  acked(id, result) {
    this.settle(id, true, result === undefined ? { id } : result);
  }

  /** Send `id` failed for good. */
  rejected(id, code, message) {
    this.settle(id, false, spellwireError(CODES[code], message));
  }

  /** The engine wants a token for attempt `gen`: asked in a later microtask, never inside this call. */
  token(gen) {
    const source = this.source;
    const give = (token) => this.engine?.token(gen, token);
    const fail = (message) => this.engine?.tokenError(gen, message);
    settled().then(() => {
      if (typeof source !== 'function') return give(source);
      let returned;
      try {
        returned = source.call(null);
      } catch (thrown) {
        return fail(`token function threw: ${describe(thrown)}`);
      }
      settled(returned).then(({ status, value, reason }) => {
        if (status !== 'fulfilled') fail(`token promise rejected: ${describe(reason)}`);
        else if (typeof value !== 'string') fail('token function must return a string');
        else give(value);
      });
    });
  }

  // ---- sends ----

  /** Settles send `id`'s promise; an outcome inside `engine.send` waits for its id. */
  settle(id, ok, value) {
    const pending = this.pending.get(id);
    if (pending) {
      this.pending.delete(id);
      (ok ? pending.resolve : pending.reject)(value);
    } else if (this.sending > 0) {
      this.early.set(id, [ok, value]);
    }
  }

  /** Queues a message; the promise settles on its ack or rejection, which may come at once. */
  send(type, data, topic) {
    this.sending++;
    let id;
    try {
      id = this.engine.send(type, data, topic);
    } finally {
      this.sending--;
    }
    const early = this.early.get(id);
    this.early.delete(id);
    if (this.sending === 0) this.early.clear(); // outcomes of ids nobody sent are dropped
    return new Promise((resolve, reject) => {
      if (early) (early[0] ? resolve : reject)(early[1]);
      else this.pending.set(id, { resolve, reject });
    });
  }

  // ---- lifetime ----

  /** Whether `Client.shared` must make a new client: failed, or closed by `close()`. */
  stopped() {
    const phase = this.engine ? this.engine.state() : FAILED;
    return phase === FAILED || (phase === CLOSED && this.closed);
  }

  /** One holder fewer. */
  drop() {
    this.owners--;
    this.release();
  }

  /** Frees the engine once nothing holds the client and it is not running (closed or failed). */
  release() {
    if (this.owners > 0 || !this.engine) return;
    queueMicrotask(() => { // never from inside an engine call
      if (this.owners === 0 && this.engine && this.engine.state() >= CLOSED) {
        this.engine.free();
        this.engine = undefined;
      }
    });
  }
}

/** Drops a handle's hold on its client when the page lost the handle without `free()`. */
const handles = new FinalizationRegistry((hub) => hub.drop());

/** The client `Client.shared` made: `{ hub, url, token }` (url as JSON, for comparing). */
let page;

/**
 * A realtime connection that reconnects, keeps time, queues sends, and never loses events.
 * Create one per page, at load (see `Client.shared`).
 */
export class Client {
  #hub;

  /**
   * Creates a client and (unless `autoConnect: false`) starts connecting. Throws a
   * `SpellwireError` with code `BadOptions` on invalid options.
   */
  constructor(options) {
    const hub = options instanceof Hub ? options : new Hub(options); // a Hub: Client.shared's handle
    hub.owners++;
    handles.register(this, hub, this);
    this.#hub = hub;
  }

  /**
   * The page's one client: created by the first call; while it runs, a call with the same token
   * and url returns it, and one with another token or url throws `BadOptions`. Once closed or
   * failed, the next call creates a new one.
   */
  static shared(options) {
    parse(options);
    const url = JSON.stringify(options.url);
    const token = options.token ?? '';
    if (page && !page.hub.stopped()) {
      if (page.url !== url || page.token !== token) throw spellwireError('BadOptions', SHARED_CONFLICT);
      return new Client(page.hub);
    }
    const client = new Client(options);
    const previous = page;
    page = { hub: client.#hub, url, token };
    page.hub.owners++;
    previous?.hub.drop();
    return client;
  }

  /** This handle's client; throws once `free()` released the handle. */
  get #live() {
    if (!this.#hub) throw new Error('null pointer passed to rust');
    return this.#hub;
  }

  /**
   * Listens to `state`, `error`, `reset`, `*` (every application event of the personal stream)
   * or one event type. Returns a function that removes the listener.
   */
  on(name, listener) {
    const hub = this.#live;
    checkText('event name', name);
    checkFunction('listener', listener);
    const kind = name === '*' ? '*' : LIFECYCLE.includes(name) ? 'lifecycle' : 'type';
    return hub.remover(hub.add(kind, name, listener));
  }

  /** Receives the events of one topic of the personal stream. Returns the unsubscribe function. */
  subscribe(topic, listener) {
    const hub = this.#live;
    checkText('topic', topic);
    checkFunction('listener', listener);
    return hub.remover(hub.add('topic', topic, listener));
  }

  /**
   * Joins channel `name` (`namespace:name`); its events reach `listener`, a refusal `onError`.
   * Returns the function that leaves it; a bad name throws `BadArgument` at once.
   */
  channel(name, listener, onError) {
    const hub = this.#live;
    checkText('channel name', name);
    checkFunction('listener', listener);
    if (onError !== undefined && onError !== null) checkFunction('onError', onError);
    return hub.join(name, listener, onError);
  }

  /**
   * Sends an application message. Resolves once the server acked it, with the backend's `result`
   * or `{ id }`; rejects with a SpellwireError.
   */
  send(type, data, options) {
    const hub = this.#live;
    let topic;
    try {
      topic = sendTopic(options);
    } catch (thrown) {
      return Promise.reject(asError('BadArgument', thrown));
    }
    return hub.send(typeof type === 'string' ? type : '', data, topic);
  }

  /** Current state: `connecting`, `open`, `reconnecting`, `offline`, `closed` or `failed`. */
  get state() {
    return STATES[this.#live.engine.state()];
  }

  /** Smoothed ping round-trip time in ms, or `undefined` before the first pong. */
  get latencyMs() {
    const ms = this.#live.engine.latency();
    return Number.isNaN(ms) ? undefined : ms;
  }

  /** Counters (delivered, replayed, ..., queued) and the transport in use. */
  stats() {
    const numbers = this.#live.engine.stats();
    const stats = {};
    STATS.forEach((name, i) => { stats[name] = numbers[i]; });
    stats.transport = TRANSPORTS[numbers[STATS.length]];
    return stats;
  }

  /** Connects now with a fresh attempt count: after `failed`, or to skip the backoff wait. */
  retry() {
    const hub = this.#live;
    hub.closed = false;
    hub.engine.retry();
  }

  /** Starts connecting when created with `autoConnect: false` (same as `retry`). */
  connect() {
    const hub = this.#live;
    hub.closed = false;
    hub.engine.connect();
  }

  /** Closes for good (until `connect()`); unacked sends reject with `Closed`. */
  close() {
    const hub = this.#live;
    hub.closed = true;
    hub.engine.close();
  }

  /** Releases this handle; a running client runs on until `close()`. */
  free() {
    const hub = this.#hub;
    if (!hub) return;
    this.#hub = undefined;
    handles.unregister(this);
    hub.drop();
  }
}

if (Symbol.dispose) Client.prototype[Symbol.dispose] = Client.prototype.free;
