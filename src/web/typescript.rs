//! Types for pkg/spellwire.d.ts that wasm-bindgen cannot infer: options, events, typed clients.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Connection state. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed' | 'failed';

/** Payload of the `state` event. */
export interface StateInfo {
  state: ConnectionState;
  /** Consecutive failed attempts. A connection that stayed up `backoff.resetAfterMs` starts the count from 0 when it ends; `retry()`/`connect()` too. */
  attempt: number;
  /** Time until the next attempt while `reconnecting`, else null. */
  nextRetryMs: number | null;
  /** Smoothed ping round-trip time, null before the first pong. */
  latencyMs: number | null;
  /** Why the client is not open: 'unauthorized', 'token_expired', 'max_attempts', 'heartbeat_timeout', 'closed:1006', ... */
  reason: string | null;
  /** The transport of the current attempt (or the next one, while waiting). */
  transport: Transport;
}

/** How frames travel: one WebSocket, or a streaming fetch down and POSTs up. */
export type Transport = 'websocket' | 'http';

/** Codes of SpellwireError. `NotReady`: 'spellwire/init' used before `await init()`. */
export type ErrorCode = 'QueueFull' | 'MessageTooLarge' | 'Closed' | 'Unauthorized' | 'BadFrame'
  | 'BadOptions' | 'BadArgument' | 'Server' | 'Rejected' | 'Token' | 'Listener' | 'ChannelRefused' | 'NotReady';

/** Every error spellwire reports (error events, rejected sends, thrown by the constructor). */
export interface SpellwireError extends Error {
  name: 'SpellwireError'; code: ErrorCode;
  /** The refused channel, on `ChannelRefused`. */ channel?: string;
}

/** An application event as subscribers receive it. */
export interface SpellwireEvent<T extends string = string, D = unknown> {
  type: T;
  topic?: string;
  /** Sequence number within its stream (the user's, or the channel's): events arrive once each, in seq order. */
  seq: number;
  data: D;
}

/** An event of a channel, as `channel()`'s listener receives it. */
export type ChannelEvent<T extends string = string, D = unknown> = SpellwireEvent<T, D> & {
  /** The channel; `seq` counts within it. */ channel: string;
};

/** A channel the server refused, as `channel()`'s `onError` receives it. `bad_channel`, `forbidden` and `too_many_channels` are final (until `channel()` is called again); `unavailable` is asked again after a backoff and on every new connection. */
export interface ChannelError {
  channel: string;
  code: 'bad_channel' | 'forbidden' | 'too_many_channels' | 'unavailable' | (string & {});
  message: string;
}

/** Payload of the `reset` event: history is gone, reload what the stream (or `channel`) shows. */
export interface ResetInfo { reason: 'history_gone'; /** Set when one channel's history is gone. */ channel?: string; }

/** Reconnect schedule. Defaults in brackets. */
export interface BackoffOptions {
  /** Cap of the first delay, ms [500]. */ initialMs?: number;
  /** Largest delay, ms [20000]. */ maxMs?: number;
  /** Growth per attempt [2]. */ factor?: number;
  /** 'full' = uniform in [0, cap]; 'equal' = [cap/2, cap]; 'none' = cap ['full']. */ jitter?: 'full' | 'equal' | 'none';
  /** Reconnect attempts (retries after the first failure) before state 'failed' [Infinity]. */ maxAttempts?: number;
  /** Stable ms that reset the attempt count [5000]. */ resetAfterMs?: number;
}

/** Options of `new Client(...)`. Unknown names throw BadOptions. Defaults in brackets. */
export interface ClientOptions {
  /** WebSocket URL, or several tried in turn after failures. */ url: string | string[];
  /** Token sent in the first frame (never in the URL); a function is asked before each attempt and, on an open socket, before the token expires (renewed in-band, no reconnect). */
  token?: string | (() => string | Promise<string>);
  /** Connect at construction [true]. */ autoConnect?: boolean;
  backoff?: BackoffOptions;
  /** Abandon an attempt not welcomed within this many ms [5000]. */ connectTimeoutMs?: number;
  /** Ping interval, ms [server's advice, 25000]. */ heartbeatMs?: number;
  /** Extra silence beyond heartbeatMs before the socket counts as dead [10000]. */ livenessGraceMs?: number;
  /** Most unacked messages kept, 1 to 10000 [100]. */ queueLimit?: number;
  /** When full: reject the new send, or evict the oldest ['reject']. */ overflow?: 'reject' | 'drop-oldest';
  /** Largest encoded message send() accepts, bytes [65536]. */ maxMessageBytes?: number;
  /** Keep the cursor in sessionStorage so a reload resumes (written at most every 200 ms, at once on pagehide and close()) [true]. */ persistCursor?: boolean;
  /** Transports, the first one first [['websocket', 'http']]. HTTP lives beside `url`: `ws[s]://host/prefix/ws` → `http[s]://host/prefix/http/stream` and `/http/send` (query dropped; a path not ending in `/ws` gets `/http` appended). After two WebSocket attempts in a row end before opening, the next uses HTTP when listed; once HTTP is welcomed the client stays on it for the page's life (an HTTP attempt failing before its welcome goes back to WebSocket); `retry()`/`connect()` start from the first again. */
  transports?: Transport[];
}

/** Options of `send`. */
export interface SendOptions { topic?: string; }

/** `client.stats()`. */
export interface Stats {
  delivered: number; replayed: number; duplicates: number; gaps: number; resets: number; reconnects: number;
  badFrames: number; acked: number; rejected: number;
  /** Sends the server asked to resend later (backend down). */ retried: number;
  /** Tokens renewed on an open socket. */ refreshes: number;
  /** Channel events dropped: their channel was left or not joined yet. */ stray: number;
  /** `refused` answers to channel joins. */ refused: number;
  queued: number;
  /** The transport in use (the one field that is not a count). */ transport: Transport;
}

/** Map of application event types to their `data`, for TypedClient. */
export type EventMap = Record<string, unknown>;

/**
 * A Client whose `on`/`subscribe` know your events:
 * `const client = new Client(opts) as TypedClient<{ step_completed: { progress: number } }>;`
 * then `client.on('step_completed', e => e.data.progress)` type-checks.
 */
export interface TypedClient<E extends EventMap> {
  on(name: 'state', listener: (s: StateInfo) => void): () => void;
  on(name: 'error', listener: (e: SpellwireError) => void): () => void;
  on(name: 'reset', listener: (r: ResetInfo) => void): () => void;
  on(name: '*', listener: (evt: { [K in keyof E & string]: SpellwireEvent<K, E[K]> }[keyof E & string]) => void): () => void;
  on<K extends keyof E & string>(name: K, listener: (evt: SpellwireEvent<K, E[K]>) => void): () => void;
  subscribe(topic: string, listener: (evt: { [K in keyof E & string]: SpellwireEvent<K, E[K]> }[keyof E & string]) => void): () => void;
  channel(name: string, listener: (evt: { [K in keyof E & string]: ChannelEvent<K, E[K]> }[keyof E & string]) => void, onError?: (e: ChannelError) => void): () => void;
  /** Resolves with the backend's `result` (send proxy), else `{ id }`; `R` types the result. */
  send<R = { id: string }>(type: string, data: unknown, options?: SendOptions): Promise<R>;
  readonly state: ConnectionState;
  readonly latencyMs: number | undefined;
  stats(): Stats;
  retry(): void;
  connect(): void;
  /** Stops the client (a running one keeps itself alive without any reference). */
  close(): void;
}
"#;
