// What the React hooks read: one Store per client, fed by exactly one '*' listener and one
// 'state' listener on that client. Hooks subscribe here, not on the client, so a component that
// mounts late can be handed the events it missed (a bounded history per event type and per
// topic), and StrictMode's mount, unmount and mount again never adds a second client listener.
import type { Client, SpellwireEvent, StateInfo } from './index.js';

/**
 * The connection as a badge shows it: the last `state` event, plus when the next attempt is due.
 *
 * @example
 * const c: Connection = { state: 'reconnecting', attempt: 3, nextRetryMs: 4000, latencyMs: null, reason: 'closed:1006', retryAt: performance.now() + 4000, transport: 'websocket' };
 */
export interface Connection extends StateInfo {
  /** `performance.now()` time of the next attempt while `reconnecting`, else null: count down to it. */
  retryAt: number | null;
}

type Listener = (evt: SpellwireEvent) => void;

/**
 * An event of a channel (a stream shared between users): a `SpellwireEvent` that names its channel.
 *
 * @example
 * const evt: ChannelEvent = { type: 'moved', seq: 7, data: { card: 3 }, channel: 'board:1' };
 */
export interface ChannelEvent<T extends string = string, D = unknown> extends SpellwireEvent<T, D> {
  /** The channel it was published on. */
  channel: string;
}

/**
 * Why the server refused to subscribe to a channel (no permission, a bad name, too many channels),
 * or `NotSupported` when this build of the client has no channels.
 *
 * @example
 * const refusal: ChannelError = { channel: 'board:1', code: 'forbidden', message: 'not a member of board:1' };
 */
export interface ChannelError {
  channel: string;
  code: string;
  message: string;
}

/** What `client.channel(name, listener, onError)` is: the client's method, typed here until every build has it. */
type ChannelMethod = (name: string, listener: (evt: ChannelEvent) => void, onError?: (e: ChannelError) => void) => () => void;

/** One client subscription to a channel, shared by every hook on that channel. */
interface Channel {
  readonly listeners: Set<Listener>;
  readonly onErrors: Set<(e: ChannelError) => void>;
  error: ChannelError | null;
  off: () => void;
  leaving?: ReturnType<typeof setTimeout>;
}

/** Most event types and topics whose history is kept; the least recently active go first. */
const MAX_KEYS = 200;

/** How often a watched store rereads the latency: pongs change it without a `state` event. */
const LATENCY_POLL_MS = 1000;

const stores = new WeakMap<Client, Store>();

/**
 * The Store of `client`, made on first use: a client gets its listeners once, however often React
 * renders or mounts.
 *
 * @example
 * const store = storeFor(Client.shared({ url: 'ws://127.0.0.1:8080/ws' }), 100);
 */
export function storeFor(client: Client, history: number): Store {
  let store = stores.get(client);
  if (!store) stores.set(client, (store = new Store(client, history)));
  return store;
}

/**
 * Dispatches a client's events to hook listeners by key (`type:step_completed`, `topic:cast:42`),
 * keeps the last `history` events of each key, and holds the connection and outbox snapshots
 * that `useSyncExternalStore` reads.
 *
 * @example
 * const off = storeFor(client, 100).listen('topic:cast:42', (evt) => console.log(evt.seq));
 */
export class Store {
  readonly client: Client;
  connection: Connection;
  pending: number;
  private readonly limit: number;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly history = new Map<string, SpellwireEvent[]>();
  private readonly watchers = new Set<() => void>();
  private readonly channels = new Map<string, Channel>();
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(client: Client, history: number) {
    this.client = client;
    this.limit = Math.max(0, Math.floor(history));
    this.connection = { state: client.state, attempt: 0, nextRetryMs: null, latencyMs: client.latencyMs ?? null, reason: null, retryAt: null, transport: client.stats().transport };
    this.pending = client.stats().queued;
    client.on('*', (evt: SpellwireEvent) => this.deliver(evt));
    client.on('state', (s: StateInfo) => this.setConnection(s));
  }

  /** Calls `listener` with every later event of `key`; returns the function that stops it. */
  listen(key: string, listener: Listener): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /**
   * Calls `listener` with each event of channel `name` and `onError` with a refusal (at once if
   * it was already refused); returns the function that stops both. The client holds one
   * subscription per channel whatever the number of hooks, and drops it a task after the last
   * one leaves, so StrictMode's unmount and mount again does not unsubscribe and resubscribe.
   */
  channel(name: string, listener: Listener, onError: (e: ChannelError) => void): () => void {
    const ch = this.channels.get(name) ?? this.subscribe(name);
    clearTimeout(ch.leaving);
    ch.listeners.add(listener);
    ch.onErrors.add(onError);
    if (ch.error) onError(ch.error);
    return () => {
      ch.listeners.delete(listener);
      ch.onErrors.delete(onError);
      if (ch.listeners.size > 0) return;
      clearTimeout(ch.leaving);
      ch.leaving = setTimeout(() => {
        if (ch.listeners.size > 0 || this.channels.get(name) !== ch) return;
        this.channels.delete(name);
        ch.off();
      }, 0);
    };
  }

  private subscribe(name: string): Channel {
    const ch: Channel = { listeners: new Set(), onErrors: new Set(), error: null, off: () => {} };
    this.channels.set(name, ch);
    const refused = (e: ChannelError) => {
      ch.error = e;
      for (const onError of [...ch.onErrors]) onError(e);
    };
    const method = (this.client as unknown as { channel?: ChannelMethod }).channel;
    if (typeof method !== 'function') {
      refused({ channel: name, code: 'NotSupported', message: 'this build of spellwire has no client.channel' });
      return ch;
    }
    const deliver = (evt: ChannelEvent) => {
      for (const listener of [...ch.listeners]) call(listener, evt);
    };
    ch.off = method.call(this.client, name, deliver, refused);
    return ch;
  }

  /** The kept events of `key` that came after `last` (all of them when `last` is null or no longer kept). */
  since(key: string, last: SpellwireEvent | null): SpellwireEvent[] {
    const kept = this.history.get(key) ?? [];
    const at = last ? kept.lastIndexOf(last) : -1;
    return kept.slice(at + 1);
  }

  /** Registers a `useSyncExternalStore` watcher of `connection` and `pending`. */
  watch = (onChange: () => void): (() => void) => {
    this.watchers.add(onChange);
    this.poll ??= setInterval(() => this.sampleLatency(), LATENCY_POLL_MS);
    return () => {
      this.watchers.delete(onChange);
      if (this.watchers.size > 0) return;
      clearInterval(this.poll);
      this.poll = undefined;
    };
  };

  /** Rereads the outbox's pending count (after a send, its answer, a state change). */
  refreshPending(): void {
    const queued = this.client.stats().queued;
    if (queued !== this.pending) {
      this.pending = queued;
      this.notify();
    }
  }

  private deliver(evt: SpellwireEvent): void {
    const keys = evt.topic === undefined ? [`type:${evt.type}`] : [`type:${evt.type}`, `topic:${evt.topic}`];
    for (const key of keys) this.remember(key, evt);
    for (const key of keys) {
      // A copy: a listener may unsubscribe (or a component subscribe) while this runs.
      for (const listener of [...(this.listeners.get(key) ?? [])]) call(listener, evt);
    }
  }

  private remember(key: string, evt: SpellwireEvent): void {
    if (this.limit === 0) return;
    const kept = this.history.get(key) ?? [];
    this.history.delete(key); // re-inserted last: the Map's order is least recently active first
    this.history.set(key, kept);
    kept.push(evt);
    if (kept.length > this.limit) kept.shift();
    if (this.history.size > MAX_KEYS) this.history.delete(this.history.keys().next().value!);
  }

  private setConnection(s: StateInfo): void {
    const retryAt = s.nextRetryMs === null ? null : performance.now() + s.nextRetryMs;
    this.connection = { ...s, retryAt };
    this.pending = this.client.stats().queued;
    this.notify();
  }

  private sampleLatency(): void {
    const latencyMs = this.client.latencyMs ?? null;
    if (latencyMs !== this.connection.latencyMs) {
      this.connection = { ...this.connection, latencyMs };
      this.notify();
    }
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }
}

/** Runs one listener; a throw is reported (window `error` event) without stopping the others. */
function call(listener: Listener, evt: SpellwireEvent): void {
  try {
    listener(evt);
  } catch (err) {
    reportError(err);
  }
}
