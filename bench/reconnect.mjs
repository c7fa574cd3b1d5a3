// Reconnect time of a real spellwire Client against a real spellwire-server that dies and comes
// back: from the moment the restarted server listens again to the subscriber receiving the first
// event it missed (replayed from the cursor). Two spellwire-servers share one Redis (the
// multi-node setup of docs/SCALING.md) and one token secret: while server A is down, events are
// published through server B, so A has something to replay when it returns.
//
// Each round: the page's client has been open on A for `stableMs` (longer than its
// backoff.resetAfterMs, so every round starts from attempt 0) and has seen every event so far; A is killed
// (SIGKILL: a crash); 3 events are published through B; after `downMs` A is started again on
// the same port; the page records when its `state` went `connecting` (the attempt that
// succeeded) and when the first missed event arrived. The client runs with its default options
// (backoff: full jitter, 500 ms initial cap), so the total includes the wait for its next try.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a process (with `env` added to this one's) and resolves when its stdout matches
 * `ready` (with the match, and when).
 */
export function spawnUntil(cmd, argv, ready, env = {}) {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${err.slice(-500)}`)));
    child.once('error', reject);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = ready.exec(out);
      if (m) resolve({ child, match: m, at: Date.now() });
    });
  });
}

async function post(http, path, body) {
  const res = await fetch(http + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path} -> ${res.status}`);
  return res.json();
}

/** Runs in the page: a default client on server A, recording events and states with times. */
async function openClient({ url, token }) {
  const rec = { seqs: [], firstAt: {}, states: [] };
  const client = new window.bench.Client({ url, token, persistCursor: false });
  client.on('*', (e) => { rec.seqs.push(e.seq); rec.firstAt[e.seq] = Date.now(); });
  client.on('state', (s) => rec.states.push([Date.now(), s.state]));
  window.reconnect = { client, rec };
}

/** One round; returns { totalMs, attemptMs } for the first event A replays after its restart. */
async function round(page, servers, user, { downMs, stableMs }) {
  await sleep(stableMs);
  const { head } = await page.evaluate(() => ({ head: window.reconnect.rec.seqs.at(-1) ?? 0 }));
  servers.a.child.kill('SIGKILL');
  for (let i = 0; i < 3; i++) await post(servers.b.http, '/api/notify', { user, type: 'missed', data: { i } });
  await sleep(downMs);
  servers.a = await servers.startA();
  const backAt = servers.a.at;
  const want = head + 1;
  await page.waitForFunction((s) => window.reconnect.rec.firstAt[s], want, { timeout: 30_000 });
  const { firstAt, connectingAt } = await page.evaluate(([s, since]) => {
    const at = window.reconnect.rec.firstAt[s];
    const tries = window.reconnect.rec.states.filter(([t, st]) => st === 'connecting' && t >= since && t <= at);
    return { firstAt: at, connectingAt: tries.at(-1)?.[0] };
  }, [want, backAt]);
  await page.waitForFunction((s) => window.reconnect.rec.seqs.at(-1) >= s, head + 3, { timeout: 10_000 });
  return { totalMs: firstAt - backAt, attemptMs: connectingAt === undefined ? null : firstAt - connectingAt };
}

/** { rounds: [{ totalMs, attemptMs }], downMs } or { skipped } when Redis or the server is missing. */
export async function measureReconnect({ bin, origin, rounds, downMs, stableMs = 5200 }) {
  const procs = [];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const redisPort = await freePort();
    const redis = await spawnUntil('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
    procs.push(redis.child);
    // --dev for /api/login and /api/notify; one JWT secret, so a token from A is good on B.
    const common = ['--dev', '--redis', `redis://127.0.0.1:${redisPort}`, '--redis-prefix', 'bench'];
    const portA = await freePort();
    const start = async (addr) => {
      const s = await spawnUntil(bin, ['--addr', addr, ...common], /listening on (http:\S+)/, { SPELLWIRE_JWT_SECRET: 'bench-reconnect' });
      procs.push(s.child);
      return { ...s, http: s.match[1] };
    };
    const servers = { startA: () => start(`127.0.0.1:${portA}`) };
    servers.a = await servers.startA();
    servers.b = await start('127.0.0.1:0');
    const user = `reconnect-${Date.now()}`;
    const { token } = await post(servers.a.http, '/api/login', { user });
    const page = await browser.newPage();
    await page.goto(`${origin}/bench/page.html`);
    await page.waitForFunction(() => window.bench);
    await page.evaluate(openClient, { url: servers.a.http.replace(/^http/, 'ws') + '/ws', token });
    await post(servers.a.http, '/api/notify', { user, type: 'first', data: null });
    await page.waitForFunction(() => window.reconnect.rec.seqs.length === 1, null, { timeout: 10_000 });
    const results = [];
    for (let r = 0; r < rounds; r++) results.push(await round(page, servers, user, { downMs, stableMs }));
    const seqs = await page.evaluate(() => window.reconnect.rec.seqs);
    const inOrder = seqs.every((s, i) => s === i + 1);
    return { rounds: results, downMs, stableMs, events: seqs.length, inOrder };
  } finally {
    await browser.close();
    for (const p of procs) p.kill('SIGKILL');
  }
}
