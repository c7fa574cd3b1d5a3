// What the React hooks read: one Store per client, fed by exactly one '*' listener and one
// 'state' listener on that client. Hooks subscribe here, not on the client, so a component that
// mounts late can be handed the events it missed (a bounded history per event type and per
// topic), and StrictMode's mount, unmount and mount again never adds a second client listener.
import type { Client, SpellwireEvent, StateInfo } from './index.js';

/**
 * The connection as a badge shows it: the last `state` event, plus when the next attempt is due.
 *
 * @example
 * const c: Connection = { state: 'reconnecting', attempt: 3, nextRetryMs: 4000, latencyMs: null, reason: 'closed:1006', retryAt: performance.now() + 4000 };
 */
export interface Connection extends StateInfo {
  /** `performance.now()` time of the next attempt while `reconnecting`, else null: count down to it. */
  retryAt: number | null;
}

type Listener = (evt: SpellwireEvent) => void;

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
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(client: Client, history: number) {
    this.client = client;
    this.limit = Math.max(0, Math.floor(history));
    this.connection = { state: client.state, attempt: 0, nextRetryMs: null, latencyMs: client.latencyMs ?? null, reason: null, retryAt: null };
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
