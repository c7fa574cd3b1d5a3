/**
 * The channel part of the React binding's Store (pkg/react-store.js, compiled from
 * js/react-store.ts), against a stand-in client whose `channel()` records joins and leaves: what
 * `useChannel` relies on without a browser or a server. Run by tests/react/run.mjs before the
 * browser checks; alone:
 *
 *     node tests/react/store.mjs
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, check } from '../e2e/page.mjs';

const { storeFor } = await import(pathToFileURL(path.join(root, 'pkg/react-store.js')).href);
const task = () => new Promise((r) => setTimeout(r, 5));

/** A client with what a Store reads, and a `channel()` that records its calls (none when `channels` is false). */
function fakeClient(channels = true) {
  const log = [];
  const joined = new Map();
  const client = {
    state: 'open', latencyMs: null, stats: () => ({ queued: 0 }), on: () => () => {},
    log, joined,
  };
  if (channels) {
    client.channel = (name, listener, onError) => {
      log.push(`join ${name}`);
      joined.set(name, { listener, onError });
      return () => {
        log.push(`leave ${name}`);
        joined.delete(name);
      };
    };
  }
  return client;
}

const event = (channel, seq) => ({ type: 'moved', seq, data: seq, channel });

/** Two hooks on one channel: one join, each gets each event once; the leave waits a task. */
export async function sharedJoin() {
  const client = fakeClient();
  const store = storeFor(client, 100);
  const got = { a: [], b: [] };
  const offA = store.channel('crew:a', (e) => got.a.push(e.seq), () => {});
  const offB = store.channel('crew:a', (e) => got.b.push(e.seq), () => {});
  client.joined.get('crew:a').listener(event('crew:a', 1));
  offA();
  offB();
  check(client.log.join() === 'join crew:a', `right after the last hook left: ${client.log}`);
  await task();
  check(client.log.join() === 'join crew:a,leave crew:a', `a task later: ${client.log}`);
  check(got.a.join() === '1' && got.b.join() === '1', `events: a ${got.a}, b ${got.b}`);
  return 'two hooks, one join, one leave a task after the last';
}

/** StrictMode's unmount and mount again within a task: no leave, no second join. */
export async function strictRemount() {
  const client = fakeClient();
  const store = storeFor(client, 100);
  const got = [];
  store.channel('crew:b', () => {}, () => {})();
  store.channel('crew:b', (e) => got.push(e.seq), () => {});
  await task();
  client.joined.get('crew:b').listener(event('crew:b', 7));
  check(client.log.join() === 'join crew:b' && got.join() === '7', `calls ${client.log}, events ${got}`);
  return 'unmounted and mounted again: still one join, events flow';
}

/** A refusal reaches the hooks there and, at once, one that comes later. */
export async function refusal() {
  const client = fakeClient();
  const store = storeFor(client, 100);
  const seen = [];
  store.channel('crew:c', () => {}, (e) => seen.push(`first ${e.code}`));
  client.joined.get('crew:c').onError({ channel: 'crew:c', code: 'forbidden', message: 'no' });
  store.channel('crew:c', () => {}, (e) => seen.push(`late ${e.code}`));
  check(seen.join() === 'first forbidden,late forbidden', `refusals seen: ${seen}`);
  return seen.join(', ');
}

/** A client built without channels: NotSupported, nothing thrown. */
export async function noChannelMethod() {
  const store = storeFor(fakeClient(false), 100);
  let error;
  store.channel('crew:d', () => {}, (e) => { error = e; })();
  check(error?.code === 'NotSupported', `error: ${JSON.stringify(error)}`);
  return `${error.code}: ${error.message}`;
}

/** Runs every check above; returns how many failed. */
export async function runStoreChecks() {
  let failed = 0;
  for (const fn of [sharedJoin, strictRemount, refusal, noChannelMethod]) {
    try {
      console.log(`ok - store ${fn.name}: ${await fn()}`);
    } catch (err) {
      failed++;
      console.log(`not ok - store ${fn.name}\n  ${err?.message ?? err}`);
    }
  }
  return failed;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) process.exit(await runStoreChecks() ? 1 : 0);
