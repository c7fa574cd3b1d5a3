// Failover across nodes: two spellwire-server nodes on one Redis, a real Client in headless
// Chromium with `url: [A, B]`, events published through node B at a steady rate, node A's
// process killed mid-stream while the page is connected to it. The client must move to B and
// resume: exactly 1..N in order, 0 lost, 0 duplicated, no reset.
//
//   SPELLWIRE_REDIS=redis://127.0.0.1:PORT node tests/chaos/failover.mjs [--events 2000]
//
// Run by scripts/redis-tests.sh, which starts a private redis-server. Bounded in time.
import { parseArgs } from 'node:util';
import { startServer } from '../e2e/server.mjs';
import { call, launchChromium, sleep } from './lib.mjs';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '2000' } } });
const EVENTS = Number(args.events);
const RATE = 200;
const redis = process.env.SPELLWIRE_REDIS;
if (!redis) throw new Error('SPELLWIRE_REDIS must name a Redis (scripts/redis-tests.sh sets it)');

/** Runs in the page: a client on [A, B] recording seqs and the URL of each open socket. */
async function setUpPage({ urls, token }) {
  const { default: init, Client } = await import('/pkg/spellwire.js');
  await init();
  const rec = { seqs: [], states: [] };
  const client = new Client({
    url: urls,
    token,
    persistCursor: false,
    heartbeatMs: 500,
    livenessGraceMs: 1000,
    backoff: { initialMs: 50, maxMs: 300 },
  });
  client.on('*', (e) => rec.seqs.push(e.seq));
  client.on('state', (s) => rec.states.push(s.state));
  window.failover = { client, rec };
}

async function main() {
  // One JWT secret for both nodes: the token A's login hands out must be good on B.
  const shared = { args: ['--redis', redis, '--redis-prefix', `failover${Date.now()}`], env: { SPELLWIRE_JWT_SECRET: 'failover-test' } };
  const a = await startServer(shared);
  const b = await startServer(shared);
  const browser = await launchChromium();
  try {
    const user = `failover-${Math.floor(Math.random() * 1e9)}`;
    const { token } = await call(a.url, 'POST', '/api/login', { user });
    const page = await browser.newPage();
    await page.goto(`${b.url}/api/health`); // the page's origin outlives node A
    const ws = (u) => u.replace(/^http/, 'ws') + '/ws';
    await page.evaluate(setUpPage, { urls: [ws(a.url), ws(b.url)], token });
    await page.waitForFunction(() => window.failover.client.state === 'open', null, { timeout: 10_000 });
    const onA = (await call(a.url, 'POST', '/test/send-raw', { user, text: '[]' })).sent;

    const t0 = Date.now();
    let killedAt = null;
    for (let i = 0; i < EVENTS; i++) {
      const due = t0 + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      if (i === Math.floor(EVENTS / 3)) {
        await a.stop();
        killedAt = Date.now();
      }
      await call(b.url, 'POST', '/api/notify', { user, type: 'failover_event', data: { i } });
    }
    const { seq: head } = await call(b.url, 'POST', '/api/notify', { user, type: 'end', data: null });
    await page.waitForFunction((h) => window.failover.rec.seqs.at(-1) >= h, head, { timeout: 30_000 });
    await sleep(300);
    const rec = await page.evaluate(() => ({ ...window.failover.rec, stats: window.failover.client.stats() }));
    const onB = (await call(b.url, 'POST', '/test/send-raw', { user, text: '[]' })).sent;
    return { head, rec, onA, onB, killedAfterMs: killedAt - t0 };
  } finally {
    await browser.close();
    await a.stop();
    await b.stop();
  }
}

const { head, rec, onA, onB, killedAfterMs } = await main();
const problems = [];
if (onA !== 1) problems.push(`the page was not connected to node A before the kill (${onA} sockets)`);
if (onB !== 1) problems.push(`the page did not end on node B (${onB} sockets there)`);
if (rec.seqs.length !== head || !rec.seqs.every((s, i) => s === i + 1))
  problems.push(`expected exactly 1..${head} in order, got ${rec.seqs.length} events`);
if (rec.stats.resets !== 0) problems.push(`${rec.stats.resets} resets: the cursor was not honoured on B`);
if (!rec.states.includes('reconnecting')) problems.push('the client never saw node A go away');
console.log(JSON.stringify({ head, received: rec.seqs.length, killedAfterMs, stats: rec.stats }));
if (problems.length) {
  console.error(`failover test FAILED: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`failover test passed: node A killed after ${killedAfterMs} ms; 1..${head} in order on node B, ${rec.stats.replayed} replayed, 0 lost, 0 duplicated`);
