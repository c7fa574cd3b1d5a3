// spellwire/react: a provider that owns the page's one client, and hooks for events, topics, the
// connection and sending. Compiled by scripts/package.mjs (tsc) into pkg/react.js and
// pkg/react.d.ts. Only this entry imports React: `import { Client } from 'spellwire'` never does.
import {
  createContext, createElement, useCallback, useContext, useEffect, useLayoutEffect, useRef, useState,
  useSyncExternalStore, type ReactElement, type ReactNode,
} from 'react';
import { Client, type ClientOptions, type EventMap, type SendOptions, type SpellwireEvent, type TypedClient } from './index.js';
import { storeFor, type ChannelError, type ChannelEvent, type Connection, type Store } from './react-store.js';

export type { ChannelError, ChannelEvent, Connection } from './react-store.js';

/**
 * Props of SpellwireProvider: `options` for the page's client, or a `client` made elsewhere.
 *
 * @example
 * const props: SpellwireProviderProps = { options: { url: 'ws://127.0.0.1:8080/ws', token: 'T' }, history: 50 };
 */
export interface SpellwireProviderProps {
  /**
   * Options of the page's client (`Client.shared`). Only the token and url are compared: other
   * options are those of the render that made the client. Another token or url closes it and makes
   * a new one; keep a token function in a variable (a new function is another token).
   */
  options?: ClientOptions;
  /** A client you made yourself, used instead of `options`. The provider never closes it. */
  client?: Client;
  /** Events kept per event type and per topic for components that mount late [100]; 0 keeps none. */
  history?: number;
  children?: ReactNode;
}

const StoreContext = createContext<Store | null>(null);

/** The client the providers made from `options`, and how many mounted providers use it. */
interface Held {
  readonly client: Client;
  readonly url: string;
  readonly token: ClientOptions['token'];
  mounted: number;
  closing?: ReturnType<typeof setTimeout>;
}

/** The page's one provider-made client: re-renders, StrictMode's second mount and other providers with the same user reuse it. */
let held: Held | undefined;

/** The token and url, which tell one user's client from another's (as in `Client.shared`). */
const userOf = (options: ClientOptions) => ({ url: JSON.stringify(options.url), token: options.token ?? '' });

/**
 * The page's client for `options`: the held one when it is for the same token and url and still
 * open, else a new one, after closing the held one (another user's must never keep running).
 */
function heldFor(options: ClientOptions | undefined): Held {
  if (!options) throw new Error('SpellwireProvider needs `options` (or a `client`)');
  const { url, token } = userOf(options);
  if (held && (held.url !== url || held.token !== token || held.client.state === 'closed')) release(held);
  held ??= { client: Client.shared(options), url, token, mounted: 0 };
  return held;
}

/** Closes a held client (once) and forgets it. */
function release(h: Held): void {
  clearTimeout(h.closing);
  if (held === h) held = undefined;
  if (h.client.state !== 'closed') h.client.close();
}

/**
 * Counts a mounted provider of `h`; the returned cleanup closes the client once no provider
 * uses it, a task later: StrictMode unmounts and mounts again within one commit, and a closed
 * client does not come back.
 */
function mount(h: Held): () => void {
  h.mounted++;
  clearTimeout(h.closing);
  return () => {
    if (--h.mounted > 0) return;
    h.closing = setTimeout(() => {
      if (h.mounted === 0) release(h);
    }, 0);
  };
}

/**
 * Gives its children the page's one client, made with `Client.shared(options)` on the first
 * render; later renders, StrictMode's double mount and other providers for the same token and url
 * reuse it. When `options` name another token or url (a logout, then a login as someone else)
 * it closes the client and makes a new one, and it closes the client when the last provider
 * using it unmounts for good. A `client` you pass instead is never closed.
 *
 * @example
 * createRoot(el).render(
 *   <SpellwireProvider options={{ url: 'ws://127.0.0.1:8080/ws', token: fetchToken }}>
 *     <App />
 *   </SpellwireProvider>,
 * );
 */
export function SpellwireProvider({ options, client, history = 100, children }: SpellwireProviderProps): ReactElement {
  const own = client ? undefined : heldFor(options);
  const store = storeFor(client ?? own!.client, history);
  useEffect(() => (own ? mount(own) : undefined), [own]);
  return createElement(StoreContext.Provider, { value: store }, children);
}

function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('spellwire hooks must be used inside <SpellwireProvider>');
  return store;
}

/** A ref that always holds the latest `value`, so a new listener per render does not resubscribe. */
function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value);
  useLayoutEffect(() => {
    ref.current = value;
  });
  return ref;
}

/**
 * What a hook listener asks for besides live events.
 *
 * @example
 * useTopic(`cast:${id}`, apply, { replay: true } satisfies ListenOptions);
 */
export interface ListenOptions {
  /**
   * Also deliver, first, the kept events of this type or topic that this component has not seen
   * (the provider's `history`), so a component that mounts late rebuilds its state [false].
   */
  replay?: boolean;
}

/** Subscribes `listener` to the store key while mounted; replays what this component missed. */
function useKey(key: string | null, listener: (evt: SpellwireEvent) => void, replay: boolean): void {
  const store = useStore();
  const latest = useLatest(listener);
  // The last event this component got: StrictMode's second mount keeps it, so nothing is replayed twice.
  const seen = useRef<SpellwireEvent | null>(null);
  useEffect(() => {
    if (key === null) return undefined;
    const deliver = (evt: SpellwireEvent) => {
      seen.current = evt;
      latest.current(evt);
    };
    if (replay) for (const evt of store.since(key, seen.current)) deliver(evt);
    return store.listen(key, deliver);
  }, [store, key, replay, latest]);
}

/** Any event of the map `E`, as a union discriminated by `type`. */
export type AnyEvent<E extends EventMap> = { [K in keyof E & string]: SpellwireEvent<K, E[K]> }[keyof E & string];

/** Any channel event of the map `E`, as a union discriminated by `type`. */
export type AnyChannelEvent<E extends EventMap> = { [K in keyof E & string]: ChannelEvent<K, E[K]> }[keyof E & string];

/**
 * `useChannel`'s result: the channel's events since the component subscribed (none when it passed
 * a listener, which gets them instead) and the server's refusal, if it refused the subscription.
 *
 * @example
 * const { events, error }: ChannelState = useChannel('board:1');
 */
export interface ChannelState<Ev = ChannelEvent> {
  /** The last `keep` events, oldest first; always empty when a listener was given. */
  events: Ev[];
  /** Why the subscription was refused (`code` as the server sent it), else null. */
  error: ChannelError | null;
}

/**
 * How many of a channel's events `useChannel` keeps in `events`.
 *
 * @example
 * useChannel('board:1', undefined, { keep: 20 } satisfies ChannelOptions);
 */
export interface ChannelOptions {
  /** Events kept in `events` (the oldest go first) [100]. */
  keep?: number;
}

/**
 * `useSend()`'s result: `send` (the client's, typed by `R`) and the outbox's pending count.
 *
 * @example
 * const { send, pending }: Sender = useSend();
 */
export interface Sender {
  /** `client.send`: resolves with the backend's result (else `{ id }`) once the server acked. */
  send<R = { id: string }>(type: string, data: unknown, options?: SendOptions): Promise<R>;
  /** Messages sent and not yet acked (queued while offline included). */
  pending: number;
}

/**
 * The hooks, typed by an event map. Get them from `typedHooks<Events>()`.
 *
 * @example
 * type Events = { step_completed: { step: number; progress: number } };
 * const { useEvent, useTopic }: SpellwireHooks<Events> = typedHooks<Events>();
 */
export interface SpellwireHooks<E extends EventMap> {
  /** The page's client. */
  useClient(): TypedClient<E>;
  /** Calls `listener` with each event of `type` while the component is mounted. */
  useEvent<K extends keyof E & string>(type: K, listener: (evt: SpellwireEvent<K, E[K]>) => void, options?: ListenOptions): void;
  /** Calls `listener` with each event on `topic` (none while `topic` is null) while mounted. */
  useTopic(topic: string | null | undefined, listener: (evt: AnyEvent<E>) => void, options?: ListenOptions): void;
  /** Subscribes to channel `name` while mounted: `{ events, error }`, or calls `listener` with each event. */
  useChannel(name: string | null | undefined, listener?: (evt: AnyChannelEvent<E>) => void, options?: ChannelOptions): ChannelState<AnyChannelEvent<E>>;
  /** The connection state, re-rendering on each change. */
  useConnection(): Connection;
  /** `send` and the outbox's pending count, re-rendering when the count changes. */
  useSend(): Sender;
}

/**
 * The page's client, for what the hooks do not cover (`retry()`, `stats()`, `on('reset')`).
 *
 * @example
 * const client = useClient();
 * useEffect(() => client.on('reset', () => refetch()), [client]);
 */
export function useClient(): TypedClient<EventMap> {
  return useStore().client as unknown as TypedClient<EventMap>;
}

/**
 * Calls `listener` with each application event of `type` while the component is mounted (the
 * latest `listener` of each render; no resubscription when it changes).
 *
 * @example
 * useEvent('tool_start', (evt) => setRows((rows) => [...rows, evt.data]));
 */
export function useEvent(type: string, listener: (evt: SpellwireEvent) => void, options?: ListenOptions): void {
  useKey(`type:${type}`, listener, options?.replay ?? false);
}

/**
 * Calls `listener` with each event on `topic` while mounted; nothing while `topic` is null. A
 * topic labels events of the user's own stream; a stream shared between users is a channel
 * (`useChannel`).
 *
 * @example
 * useTopic(`cast:${castId}`, (evt) => dispatch(evt), { replay: true });
 */
export function useTopic(topic: string | null | undefined, listener: (evt: SpellwireEvent) => void, options?: ListenOptions): void {
  useKey(topic == null ? null : `topic:${topic}`, listener, options?.replay ?? false);
}

/**
 * The connection: `state`, `attempt`, `retryAt` (count down to it), `latencyMs`, `reason`.
 *
 * @example
 * const { state, latencyMs } = useConnection();
 * return <span>{state === 'open' ? `Connected (${Math.round(latencyMs ?? 0)} ms)` : state}</span>;
 */
export function useConnection(): Connection {
  const store = useStore();
  return useSyncExternalStore(store.watch, () => store.connection);
}

/**
 * `send` and `pending`, the outbox's count of messages not yet acked (reread after each send
 * made here, its answer, and each state change).
 *
 * @example
 * const { send, pending } = useSend();
 * <button onClick={() => send('chat', { text })}>Send{pending > 0 && ` (${pending} pending)`}</button>
 */
export function useSend(): Sender {
  const store = useStore();
  const pending = useSyncExternalStore(store.watch, () => store.pending);
  const send = useCallback(<R>(type: string, data: unknown, options?: SendOptions): Promise<R> => {
    const reply = store.client.send(type, data, options) as Promise<R>;
    store.refreshPending();
    const settled = () => store.refreshPending();
    reply.then(settled, settled);
    return reply;
  }, [store]);
  return { send, pending };
}

const NO_EVENTS: ChannelState<never> = { events: [], error: null };

/**
 * Subscribes to channel `name` (a stream shared between users; see `client.channel`) while the
 * component is mounted, and unsubscribes when it unmounts or `name` changes (null: none). Without
 * a `listener` it returns the channel's events since it subscribed, the last `keep` (100), and
 * re-renders at each; with one it calls the latest `listener` with each event instead and
 * `events` stays empty. `error` is the server's refusal (`{ channel, code, message }`). Hooks on the
 * same channel share one subscription of the client, which StrictMode's second mount keeps.
 *
 * @example
 * function Board({ id }: { id: string }) {
 *   const { events, error } = useChannel(`board:${id}`);
 *   if (error) return <p role="alert">{error.message}</p>;
 *   return <ul>{events.map((e) => <li key={e.seq}>{e.type}</li>)}</ul>;
 * }
 * useChannel('board:1', (evt) => dispatch(evt)); // or a listener, as useTopic takes
 */
export function useChannel(name: string | null | undefined, listener?: (evt: ChannelEvent) => void, options?: ChannelOptions): ChannelState {
  const store = useStore();
  const latest = useLatest(listener);
  const keep = Math.max(0, Math.floor(options?.keep ?? 100));
  const [state, setState] = useState<ChannelState & { name: string | null }>({ name: null, ...NO_EVENTS });
  useEffect(() => {
    if (name == null) return undefined;
    const mine = (s: ChannelState & { name: string | null }) => (s.name === name ? s : { name, ...NO_EVENTS });
    const onEvent = (evt: SpellwireEvent) => {
      if (latest.current) return latest.current(evt as ChannelEvent);
      if (keep > 0) setState((s) => ({ ...mine(s), events: [...mine(s).events, evt as ChannelEvent].slice(-keep) }));
    };
    const onError = (error: ChannelError) => setState((s) => ({ ...mine(s), error }));
    return store.channel(name, onEvent, onError);
  }, [store, name, keep, latest]);
  return state.name === name ? { events: state.events, error: state.error } : NO_EVENTS;
}

const hooks = { useClient, useEvent, useTopic, useChannel, useConnection, useSend };

/**
 * The same hooks, typed by your event map (no runtime cost: it returns the hooks above).
 *
 * @example
 * type Events = { step_completed: { step: number; progress: number }; cast_started: { castId: string } };
 * export const { useEvent, useTopic, useSend } = typedHooks<Events>();
 * useEvent('step_completed', (evt) => setProgress(evt.data.progress)); // evt.data is typed
 */
export function typedHooks<E extends EventMap>(): SpellwireHooks<E> {
  return hooks as unknown as SpellwireHooks<E>;
}
