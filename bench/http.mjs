// Issue 14: delivery rate and round trip of a real spellwire Client over the HTTP transport
// (`transports: ['http']`: a streaming POST down, POSTs up) beside the same client over
// WebSocket (`transports: ['websocket']`), against a real spellwire-server, in one headless
// Chromium page on the server's origin.
//
// Each round measures both transports (the order alternates between rounds), each measurement
// on a fresh client (its own user, `persistCursor: false`, waited until `open`):
//   delivery   the page POSTs /test/broadcast {users: [user], count: N} (the server publishes
//              N events to the user through the path /api/notify takes, as fast as it can); the
//              time from that request to the subscriber callback seeing the last event gives
//              events/s. The page checks that seq 1..N (and data.i 1..N) came once each, in order.
//   round trip SENDS sequential client.send() calls, each awaited until the server's ack (after
//              20 unmeasured ones): p50 and p95 in ms.
// The report gives the median over rounds and the median of the per-round HTTP/WebSocket
// ratios. Nothing is asserted about times (these machines are noisy); lost, duplicated or
// misordered events, or a send not acked, fail the run (exit 1).
//
// N stays within the server's queue per connection (1,024 frames, README "Limits") and its
// default retention (1,000 events): the broadcast outruns a WebSocket client, so a larger burst
// closes it with 1013 and, past the retention, its resume is a `reset` (events skipped), which
// this run counts as lost.
//
//   node bench/http.mjs [--rounds 7] [--events 1000] [--sends 200] [--bin PATH]
//                       [--report BENCHMARKS.md] [--smoke]
//
// --report rewrites only the section between <!-- begin:http-transport --> and
// <!-- end:http-transport --> (appended at the end when missing), so scripts/bench.sh runs this
// after bench/run.mjs has rewritten BENCHMARKS.md. Without --bin the newer of
// target/release and target/debug spellwire-server is used (built in debug if neither exists).
// --smoke: 1 round, 200 events, 20 sends, never writes a report.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { writeSection } from '../tests/lib/report-section.mjs';
import { startServer } from '../tests/e2e/server.mjs';
import { CHROMIUM_ARGS } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    events: { type: 'string', default: '1000' },
    sends: { type: 'string', default: '200' },
    bin: { type: 'string' },
    report: { type: 'string' },
    smoke: { type: 'boolean', default: false },
  },
});
const ROUNDS = args.smoke ? 1 : Number(args.rounds);
const EVENTS = args.smoke ? 200 : Number(args.events);
const SENDS = args.smoke ? 20 : Number(args.sends);
const WARMUP = 20;
const TRANSPORTS = ['websocket', 'http'];

/** The server binary: --bin, else the newer of release and debug (a debug build if none). */
function serverBinary() {
  if (args.bin) return { bin: path.resolve(args.bin), profile: path.basename(path.dirname(path.resolve(args.bin))) };
  const found = ['release', 'debug']
    .map((profile) => ({ profile, bin: path.join(root, 'target', profile, 'spellwire-server') }))
    .filter((c) => existsSync(c.bin))
    .sort((a, b) => statSync(b.bin).mtimeMs - statSync(a.bin).mtimeMs);
  if (found.length) return found[0];
  console.error('[bench/http] no spellwire-server built: cargo build -p spellwire-server');
  execFileSync('cargo', ['build', '--quiet', '-p', 'spellwire-server'], { cwd: root, stdio: 'inherit' });
  return { profile: 'debug', bin: path.join(root, 'target/debug/spellwire-server') };
}

/** Starts the server (--dev for /api/login and /pkg, --test-hooks for /test/broadcast) on a free
 * port, with tests/e2e/server.mjs's helper. */
function startBenchServer(bin) {
  // The frame rate limit (default 50/s, bursts of 200) would close a WebSocket after ~200 quick
  // sends (4429, rate_limited) and the client would wait ~25 s: this measures latency, not it.
  return startServer({ bin, args: ['--max-frames-per-sec', '100000'] });
}

/** Runs in the page: loads the client and defines the two measurements on window.httpBench. */
async function setUpPage() {
  const { default: init, Client } = await import('/pkg/spellwire.js');
  await init();
  const wsUrl = location.origin.replace(/^http/, 'ws') + '/ws';
  let users = 0;
  const post = async (p, body) => {
    const res = await fetch(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${p} -> ${res.status} ${await res.text()}`);
    return res.json();
  };
  const withTimeout = (promise, ms, what) => {
    let timer;
    const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
  /** A fresh client for a fresh user on `transport`, open; counts the times it left `open`. */
  async function open(transport) {
    const user = `httpbench-${transport}-${Date.now()}-${users++}`;
    const { token } = await post('/api/login', { user });
    const client = new Client({ url: wsUrl, token, persistCursor: false, transports: [transport] });
    const conn = { client, user, reopened: 0, transport: null, states: [] };
    await withTimeout(new Promise((resolve, reject) => {
      // Transitions only: a latency update fires `state` again with 'open'.
      let last = null;
      let opened = 0;
      client.on('state', (s) => {
        if (s.state === last) return;
        last = s.state;
        conn.states.push([Math.round(performance.now()), s.state, s.reason]);
        if (s.state === 'open') {
          if (opened++) conn.reopened++;
          resolve();
        } else if (s.state === 'failed' || s.state === 'closed') {
          reject(new Error(`${transport} client ${s.state}: ${s.reason}`));
        }
      });
    }), 10_000, `${transport} client open`);
    // Which transport the client says it is on (stats().transport), to catch a wrong option.
    conn.transport = client.stats().transport ?? null;
    return conn;
  }
  const close = (conn) => { conn.client.close(); conn.client.free(); };

  async function deliver(transport, n) {
    const conn = await open(transport);
    try {
      let count = 0;
      const bad = [];
      const done = new Promise((resolve) => conn.client.on('*', (e) => {
        count++;
        if ((e.seq !== count || e.data?.i !== count) && bad.length < 5) bad.push({ at: count, seq: e.seq, i: e.data?.i });
        if (count === n) resolve(performance.now());
      }));
      const t0 = performance.now();
      const answer = post('/test/broadcast', { users: [conn.user], count: n, type: 'bench_http' });
      const t1 = await withTimeout(done, 60_000, `${transport}: ${n} events`).catch((e) => {
        throw new Error(`${e.message}: ${count} received, states ${JSON.stringify(conn.states)}, stats ${JSON.stringify(conn.client.stats())}`);
      });
      const { published } = await answer;
      await new Promise((r) => setTimeout(r, 100)); // an event after the last would be counted
      return { ms: t1 - t0, eventsPerSec: (n * 1000) / (t1 - t0), received: count, published, bad, reopened: conn.reopened, on: conn.transport, states: conn.states, stats: conn.client.stats() };
    } finally {
      close(conn);
    }
  }

  async function roundTrips(transport, count, warmup) {
    const conn = await open(transport);
    try {
      for (let i = 0; i < warmup; i++) await conn.client.send('bench_rtt', { i });
      const times = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await conn.client.send('bench_rtt', { i });
        times.push(performance.now() - t0);
      }
      return { times, reopened: conn.reopened, on: conn.transport, states: conn.states };
    } finally {
      close(conn);
    }
  }
  window.httpBench = { deliver, roundTrips };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

async function main() {
  const { bin, profile } = serverBinary();
  const loadBefore = os.loadavg();
  const server = await startBenchServer(bin);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const rounds = [];
  const failures = [];
  let chromiumVersion = browser.version();
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${server.url}/api/health`);
    await page.evaluate(setUpPage);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? [...TRANSPORTS].reverse() : TRANSPORTS;
      const round = {};
      for (const t of order) {
        const d = await page.evaluate(([tr, n]) => window.httpBench.deliver(tr, n), [t, EVENTS]);
        const rt = await page.evaluate(([tr, n, w]) => window.httpBench.roundTrips(tr, n, w), [t, SENDS, WARMUP]);
        if (d.received !== EVENTS || d.bad.length || d.published !== EVENTS) {
          failures.push(`round ${r + 1} ${t}: published ${d.published}, received ${d.received} of ${EVENTS}, out of order ${JSON.stringify(d.bad)}`);
        }
        if (rt.times.length !== SENDS) failures.push(`round ${r + 1} ${t}: ${rt.times.length} of ${SENDS} sends acked`);
        for (const on of [d.on, rt.on]) if (on && on !== t) failures.push(`round ${r + 1}: asked for ${t}, the client was on ${on}`);
        if (d.reopened) console.log(`[bench/http] round ${r + 1} ${t} delivery: reconnected ${JSON.stringify(d.states)} ${JSON.stringify(d.stats)}`);
        if (rt.reopened) console.log(`[bench/http] round ${r + 1} ${t} round trip: reconnected ${JSON.stringify(rt.states)}`);
        round[t] = {
          eventsPerSec: d.eventsPerSec,
          deliverMs: d.ms,
          p50: percentile(rt.times, 50),
          p95: percentile(rt.times, 95),
          reopened: d.reopened + rt.reopened,
        };
      }
      rounds.push(round);
      const f = (t) => `${t} ${Math.round(round[t].eventsPerSec)}/s rtt p50 ${round[t].p50.toFixed(2)} p95 ${round[t].p95.toFixed(2)} ms`;
      console.log(`[bench/http] round ${r + 1}/${ROUNDS} (${order.join(' then ')}): ${f('websocket')}; ${f('http')}`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const loadAfter = os.loadavg();
  if (failures.length) {
    console.error('[bench/http] FAILED:\n  ' + failures.join('\n  '));
    process.exit(1);
  }
  const md = report({ rounds, profile, chromiumVersion, loadBefore, loadAfter });
  if (args.report && !args.smoke) {
    writeSection(args.report, 'http-transport', md);
    console.log(`[bench/http] wrote section http-transport of ${args.report}`);
  } else {
    console.log(md);
  }
}

function report({ rounds, profile, chromiumVersion, loadBefore, loadAfter }) {
  const col = (t, k) => rounds.map((r) => r[t][k]);
  const ratios = (k) => rounds.map((r) => r.http[k] / r.websocket[k]);
  const range = (xs, digits) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  const int = (x) => Math.round(x).toLocaleString('en-US');
  const ms = (x) => x.toFixed(2);
  const ratio = (k) => `${median(ratios(k)).toFixed(2)}× (${range(ratios(k), 2)})`;
  const rows = [
    [`Delivery, events/s (${EVENTS.toLocaleString('en-US')} events)`, 'eventsPerSec', int],
    ['Round trip p50, ms (send → ack)', 'p50', ms],
    ['Round trip p95, ms', 'p95', ms],
  ].map(([name, k, fmt]) => `| ${name} | ${fmt(median(col('websocket', k)))} | ${fmt(median(col('http', k)))} | ${ratio(k)} |`);
  const reopened = TRANSPORTS.map((t) => `${t} ${col(t, 'reopened').reduce((a, b) => a + b, 0)}`).join(', ');
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString().trim(); } catch { /* not a checkout */ }
  return `## HTTP transport beside WebSocket

Issue 14: the same spellwire \`Client\` with \`transports: ['websocket']\` and with
\`transports: ['http']\` (a streaming \`POST /http/stream\` down, one \`POST /http/send\` per
send up; docs/PROTOCOL.md, "HTTP transport (fallback)"), measured by \`bench/http.mjs\` in one
headless Chromium ${chromiumVersion} page against a real spellwire-server (${profile} build,
\`--dev --test-hooks --max-frames-per-sec 100000\`, memory store, loopback) at ${commit}. ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}; each measures both
transports, the order alternating between rounds, each measurement on a fresh client for a fresh
user (\`persistCursor: false\`, waited until \`open\`).

- **Delivery**: the page asks the server for ${EVENTS.toLocaleString('en-US')} events to the
  client's user as fast as it publishes them (\`POST /test/broadcast\`, the path \`/api/notify\`
  takes); events/s is N over the time from that request to the subscriber callback seeing the
  last one. Every run checks that seq 1..N came once each, in order (it fails otherwise).
- **Round trip**: ${SENDS} sequential \`client.send()\` calls, each awaited until the server's
  ack (after ${WARMUP} unmeasured ones); over HTTP each is its own POST, acked in the answer.
  The server's frame rate limit is lifted: at its default (50 frames/s, bursts of 200) a
  WebSocket sending back to back is closed after about 200 sends (4429, \`rate_limited\`) and
  waits ~25 s to reconnect, as it did in every round of a run here with the default.
- The table gives the median over the rounds, and the median of the per-round HTTP/WebSocket
  ratios with their range. Times from \`performance.now()\` in the page.
- N stays within the server's queue per connection (1,024 frames, README "Limits") and its
  default retention (1,000 events). The broadcast publishes faster than this page reads the
  WebSocket, so in trial runs here a burst of 2,000 closed the WebSocket client with 1013 (queue full) and its
  resume, past the retention, was a \`reset\` (events skipped); the HTTP stream, read in chunks
  of many lines, kept up. Beyond the queue, a burst measures the overflow rather than delivery.

Machine: ${os.cpus().length} CPUs, load average (1 / 5 / 15 min) ${load(loadBefore)} before the run and
${load(loadAfter)} after it: the WebSocket figures here can differ from the sections above, which
come from another process and moment; compare the two columns of this table with each other.

| figure | WebSocket | HTTP | HTTP / WebSocket (median of rounds, range) |
|---|---|---|---|
${rows.join('\n')}

Per round, delivery events/s: WebSocket ${range(col('websocket', 'eventsPerSec'), 0)}, HTTP
${range(col('http', 'eventsPerSec'), 0)}: a burst lasts tens to hundreds of ms, so one round's delivery figure is
noisy (on WebSocket it varied most, presumably with how many events the server's writer found
queued to send as one message); read the ratio's range beside its median. Times a client left \`open\` and came back during its
measurements: ${reopened}. ${(rounds.length * 2 * EVENTS).toLocaleString('en-US')} events delivered, 0 lost, 0 duplicated, 0 out of order.
`;
}

main().catch((e) => { console.error(e); process.exit(1); });
