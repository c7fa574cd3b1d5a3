// The delivery-guarantee chaos test: a real spellwire Client in headless Chromium against a real
// spellwire-server, while this script publishes events over HTTP at a steady rate to three
// streams (the user's personal stream and two channels the page joined) and breaks the
// connection at random moments (abrupt drops, and black holes that only the heartbeat can
// notice), and the page sends messages through it all.
//
// It asserts that, per stream, the page saw exactly 1..N in order (0 lost, 0 duplicated) and
// that the server applied every sent message exactly once; with --report it writes the measured
// figures to docs/RELIABILITY.md.
//
//   node tests/chaos/chaos.mjs --server http://127.0.0.1:PORT [--events 10000] [--breaks 50]
//        [--sends 1000] [--rate 200] [--seed 1] [--transport websocket|http]
//        [--report docs/RELIABILITY.md]
//
// With --transport http the page's client speaks the HTTP transport only (`transports:
// ['http']`: a streaming POST down, POSTs up) and every break cuts its stream (`/test/drop`);
// the figures go to the section "chaos-http".
//
// The server must run with --dev (login, notify, the page from pkg/) and --test-hooks. Everything
// is bounded in time (see DEADLINE_MS).
import { writeSection } from '../lib/report-section.mjs';
import { parseArgs } from 'node:util';
import { call as callAt, launchChromium, sleep } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.SPELLWIRE_HTTP },
    events: { type: 'string', default: '10000' },
    breaks: { type: 'string', default: '50' },
    sends: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    seed: { type: 'string', default: String(Date.now() % 100000) },
    report: { type: 'string' },
    transport: { type: 'string', default: 'websocket' },
  },
});
const EVENTS = Number(args.events);
const BREAKS = Number(args.breaks);
const SENDS = Number(args.sends);
const RATE = Number(args.rate);
const DEADLINE_MS = 150_000;
const TRANSPORT = args.transport;
if (!['websocket', 'http'].includes(TRANSPORT)) throw new Error('--transport is websocket or http');
const http = args.server;
if (!http) throw new Error('--server http://127.0.0.1:PORT (or SPELLWIRE_HTTP) is required');

/** mulberry32: a seeded PRNG, so a failing schedule can be replayed with --seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(Number(args.seed));
const call = (method, path, body) => callAt(http, method, path, body);

/** Runs in the page: one client, a subscriber recording every seq, state changes with times. */
async function setUpPage({ ws, token, channels, transport }) {
  const { default: init, Client } = await import('/pkg/spellwire.js');
  await init();
  const rec = { seqs: [], channels: {}, states: [], acked: [], failed: [] };
  const client = new Client({
    url: ws,
    token,
    persistCursor: false,
    heartbeatMs: 500,
    livenessGraceMs: 1000,
    backoff: { initialMs: 50, maxMs: 500 },
    queueLimit: 2000,
    transports: [transport],
  });
  client.on('*', (e) => rec.seqs.push(e.seq));
  for (const name of channels) {
    rec.channels[name] = [];
    client.channel(name, (e) => rec.channels[name].push(e.seq), (e) => rec.failed.push(`channel ${name} ${e.code}: ${e.message}`));
  }
  // Transitions only: a latency update also fires `state` (still 'open'), and a pong landing
  // just after a break must not count as "reopened".
  client.on('state', (s) => {
    if (rec.states.at(-1)?.[1] !== s.state) rec.states.push([Date.now(), s.state, s.reason]);
  });
  client.on('error', (e) => rec.failed.push(`error event ${e.code}: ${e.message}`));
  window.chaos = {
    client,
    rec,
    /** Sends n messages, one every `everyMs`, recording acked ids and failures. */
    sendMany(n, everyMs) {
      let k = 0;
      const timer = setInterval(() => {
        if (k >= n) return clearInterval(timer);
        const i = k++;
        client.send('chaos_send', { i }).then(
          (r) => rec.acked.push(r.id),
          (e) => rec.failed.push(`send ${i} ${e.code}: ${e.message}`),
        );
      }, everyMs);
    },
  };
}

/** The target of event `i`: the personal stream and the two channels in turn. */
const target = (user, channels, i) => (i % 3 === 0 ? { user } : { channel: channels[(i % 3) - 1] });

/** Publishes `EVENTS` notifications at `RATE`/s from 4 paced workers, spread over 3 streams. */
async function publish(user, channels, startAt) {
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      const i = next++;
      const due = startAt + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      await call('POST', '/api/notify', { ...target(user, channels, i), type: 'chaos_event', data: { i } });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

/** Breaks the connection `BREAKS` times at random moments over about `spanMs`: mostly abrupt drops,
 * every fifth a black hole (socket stays up, nothing arrives) that only the heartbeat detects. */
async function breakThings(page, user, spanMs) {
  const breaks = [];
  const gap = spanMs / BREAKS;
  for (let b = 0; b < BREAKS; b++) {
    await sleep(gap * (0.2 + 1.0 * random()));
    // A break before the client recovered from the last one would hit nothing: wait for the
    // page to see a new `open` after the previous break.
    const since = breaks.at(-1)?.at ?? 0;
    const reopened = (t) => window.chaos.rec.states.some(([at, s]) => at > t && s === 'open');
    await waitFor(page, reopened, since, 10_000);
    // Over HTTP every break cuts the stream: a silent stream is the liveness check's job on
    // both transports, and the WebSocket run covers it.
    const kind = b % 5 === 4 && TRANSPORT === 'websocket' ? 'blackhole' : 'drop';
    const at = Date.now();
    const r = await call('POST', `/test/${kind}`, { user });
    breaks.push({ kind, at, sockets: r.dropped ?? r.silenced });
  }
  return breaks;
}

/** Time from each break to the next `open` the page saw. */
function recoveries(breaks, states) {
  return breaks
    .filter((b) => b.sockets > 0)
    .map((b) => {
      const open = states.find(([t, s]) => t >= b.at && s === 'open');
      return { kind: b.kind, ms: open ? open[0] - b.at : Infinity };
    });
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}

async function waitFor(page, predicate, arg, ms) {
  await page.waitForFunction(predicate, arg, { timeout: ms, polling: 100 });
}

async function main() {
  const started = Date.now();
  const user = `chaos-${args.seed}-${Math.floor(Math.random() * 1e9)}`;
  const channels = ['a', 'b'].map((c) => `room:${user}-${c}`);
  const { token } = await call('POST', '/api/login', { user });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${http}/api/health`);
    await page.evaluate(setUpPage, { ws: http.replace(/^http/, 'ws') + '/ws', token, channels, transport: TRANSPORT });
    await waitFor(page, () => window.chaos.client.state === 'open', null, 10_000);

    const spanMs = (EVENTS * 1000) / RATE;
    const t0 = Date.now();
    await page.evaluate(([n, every]) => window.chaos.sendMany(n, every), [SENDS, spanMs / SENDS]);
    const [, breaks] = await Promise.all([publish(user, channels, t0), breakThings(page, user, spanMs)]);
    const publishMs = Date.now() - t0;

    const left = () => DEADLINE_MS - (Date.now() - started);
    await waitFor(page, (n) => window.chaos.rec.acked.length + window.chaos.rec.failed.length >= n, SENDS, left());
    const { seq: head } = await call('POST', '/api/notify', { user, type: 'chaos_end', data: null });
    await waitFor(page, (h) => window.chaos.rec.seqs.at(-1) >= h, head, left());
    const heads = {};
    for (const channel of channels) {
      heads[channel] = (await call('POST', '/api/notify', { channel, type: 'chaos_end', data: null })).seq;
      await waitFor(page, ([c, h]) => window.chaos.rec.channels[c].at(-1) >= h, [channel, heads[channel]], left());
    }
    await sleep(300); // anything arriving after the end would be a duplicate: give it a chance

    const rec = await page.evaluate(() => ({ ...window.chaos.rec, stats: window.chaos.client.stats() }));
    const applied = (await call('GET', `/test/received/${user}`)).messages.map((m) => m.id);
    return summarize({ head, heads, rec, applied, breaks, publishMs, elapsedMs: Date.now() - started });
  } finally {
    await browser.close();
  }
}

/** Lost, duplicated and order of one stream's received seqs against its head. */
function judge(seqs, head) {
  const unique = new Set(seqs);
  return { head, received: seqs.length, lost: head - unique.size, duplicated: seqs.length - unique.size, inOrder: seqs.every((s, i) => s === i + 1) };
}

function summarize({ head, heads, rec, applied, breaks, publishMs, elapsedMs }) {
  const unique = new Set(rec.seqs);
  const inOrder = rec.seqs.every((s, i) => s === i + 1);
  const channels = Object.entries(heads).map(([name, h]) => ({ name, ...judge(rec.channels[name], h) }));
  const appliedUnique = new Set(applied);
  const ackedSet = new Set(rec.acked);
  const rec_ = recoveries(breaks, rec.states);
  const of = (kind) => rec_.filter((r) => r.kind === kind).map((r) => r.ms);
  const figures = {
    events: EVENTS,
    head,
    received: rec.seqs.length,
    lost: head - unique.size,
    duplicated: rec.seqs.length - unique.size,
    inOrder,
    breaks: rec_.length,
    drops: of('drop').length,
    blackholes: of('blackhole').length,
    sends: SENDS,
    acked: rec.acked.length,
    applied: applied.length,
    appliedTwice: applied.length - appliedUnique.size,
    failures: rec.failed,
    dropP50: percentile(of('drop'), 50),
    dropMax: Math.max(...of('drop')),
    holeP50: percentile(of('blackhole'), 50),
    holeMax: Math.max(...of('blackhole')),
    stats: rec.stats,
    channels,
    publishMs,
    elapsedMs,
  };
  const problems = [];
  if (figures.lost !== 0) problems.push(`${figures.lost} events lost`);
  if (figures.duplicated !== 0) problems.push(`${figures.duplicated} events duplicated`);
  if (!inOrder) problems.push('events out of order');
  for (const c of channels) {
    if (c.lost || c.duplicated || !c.inOrder) problems.push(`channel ${c.name}: ${c.lost} lost, ${c.duplicated} duplicated, in order: ${c.inOrder}`);
  }
  if (figures.acked !== SENDS) problems.push(`${figures.acked}/${SENDS} sends acked`);
  if (figures.appliedTwice !== 0) problems.push(`${figures.appliedTwice} messages applied twice`);
  if (applied.length !== SENDS || ![...ackedSet].every((id) => appliedUnique.has(id)))
    problems.push(`server applied ${applied.length} messages, acked ids not all among them`);
  if (figures.failures.length) problems.push(`failures: ${figures.failures.slice(0, 5).join('; ')}`);
  if (figures.breaks !== BREAKS) problems.push(`only ${figures.breaks} of ${BREAKS} breaks hit a socket`);
  if (!Number.isFinite(figures.dropMax) || (TRANSPORT === 'websocket' && !Number.isFinite(figures.holeMax)))
    problems.push('a break was never followed by a reconnect');
  return { figures, problems };
}

function report(f) {
  const ms = (x) => `${Math.round(x)} ms`;
  const http = TRANSPORT === 'http';
  const how = http
    ? `over the HTTP transport (\`transports: ['http']\`: a streaming POST down, POSTs up), while it
cuts the page's stream at random moments (\`/test/drop\`)`
    : `while it breaks the page's connection at random
moments: abrupt drops (\`/test/drop\`) and black holes (\`/test/blackhole\`: the socket stays up but
nothing arrives, so only the heartbeat can notice; client heartbeat 500 ms + 1000 ms grace)`;
  return `## Chaos${http ? ' over HTTP' : ''}: the delivery guarantee under connection breaks

Produced by \`node tests/chaos/chaos.mjs${http ? ' --transport http' : ''} --report docs/RELIABILITY.md\` (run by \`./scripts/test.sh\`);
do not edit by hand. Seed ${args.seed}; run on ${new Date().toISOString().slice(0, 10)}.

A real spellwire \`Client\` in headless Chromium, a real \`spellwire-server\` on loopback. The
script publishes events over HTTP at ${RATE}/s ${how}.
Events go in turn to the user's personal stream and to two channels the page joined, each with
its own seqs and cursor. Meanwhile the page sends messages through the same client.

| figure | value |
|---|---|
| events published | ${f.events}, a third to each stream |
| personal stream | seq 1..${f.head} (with ${f.sends} echoes of sends and 1 end marker): ${f.received} received, ${f.lost} lost, ${f.duplicated} duplicated, in order: ${f.inOrder ? 'yes' : 'NO'} |
${f.channels.map((c) => `| channel ${c.name.slice(-1)} (\`room:{user}-${c.name.slice(-1)}\`) | seq 1..${c.head}: ${c.received} received, ${c.lost} lost, ${c.duplicated} duplicated, in order: ${c.inOrder ? 'yes' : 'NO'} |`).join('\n')}
| connection breaks that hit a socket | ${f.breaks} (${f.drops} drops, ${f.blackholes} black holes) |
| recovery after a drop (break → open), p50 / max | ${ms(f.dropP50)} / ${ms(f.dropMax)} |
${http ? '' : `| recovery after a black hole (break → open), p50 / max | ${ms(f.holeP50)} / ${ms(f.holeMax)} |\n`}| messages sent by the page | ${f.sends} |
| acked | ${f.acked} |
| applied by the server | ${f.applied} (${f.appliedTwice} twice) |
| client stats | ${Object.entries(f.stats).map(([k, v]) => `${k} ${v}`).join(', ')} |
| publishing time / whole run | ${(f.publishMs / 1000).toFixed(1)} s / ${(f.elapsedMs / 1000).toFixed(1)} s |
`;
}

const { figures, problems } = await main();
console.log(JSON.stringify({ ...figures, failures: figures.failures.length }, null, 1));
if (args.report && problems.length === 0) writeSection(args.report, TRANSPORT === 'http' ? 'chaos-http' : 'chaos', report(figures));
if (problems.length) {
  console.error(`chaos test FAILED (seed ${args.seed}): ${problems.join('; ')}`);
  process.exit(1);
}
const total = figures.head + figures.channels.reduce((n, c) => n + c.head, 0);
console.log(`chaos test passed (seed ${args.seed}): ${total} events on 3 streams, ${figures.breaks} breaks, 0 lost, 0 duplicated`);
