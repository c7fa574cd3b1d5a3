// The page's own CPU cost per event, without the network: synthetic `message` events
// dispatched on an open socket, in a tight loop, for raw (`JSON.parse` + callback, the bench's
// raw handler) and for spellwire (the socket of a real, open `Client`, whose core accepts them
// as the next seqs). Each message carries one event frame, or with --batch N a JSON array of N
// frames with consecutive seqs (the bench server's batched delivery, bench/server.mjs). A tool
// for whoever optimizes the delivery path: the delivery benchmark is dominated by the browser's
// own per-message cost and its noise, this isolates the client's part. bench/run.mjs runs it for
// BENCHMARKS.md (unbatched, and batched as delivery is); run alone, it prints its figures.
//
//   node bench/cpu.mjs [--n 20000] [--batch 1] [--rounds 9] [--persist-cursor] [--pkg DIR]
//   node bench/cpu.mjs --profile [--n 50000] [--batch 1] [--rounds 4] [--persist-cursor] [--pkg DIR] [--no-build] [--top 20]
// (--n: events per loop, in ceil(n / batch) messages, the last holding the rest; --batch: events
// per message, 1 = one frame, not an array; every figure is per event, the loop's time / n.
// --persist-cursor: the client with `persistCursor: true`, the default, instead of false.
// --pkg: serve the module from DIR instead of pkg/.)
// --profile explains the figure: it builds the release module with its wasm function names kept
// into target/profiling-pkg/ (pkg/ stays as it ships; --no-build reuses that dir, --pkg picks
// another), serves that, takes a V8 CPU profile of each loop (bench/profile.mjs's selfTimes) and
// prints the µs per event in each part of the path for raw and spellwire, and the extra.
import { chromium } from 'playwright-core';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS } from './browser.mjs';
import { profileOf, selfTimes } from './profile.mjs';
import { buildNamed } from './size-breakdown.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `--expose-gc`: each timed loop starts after a full collection, so a collection owed to the
 * garbage of earlier loops (the other kind's included) never lands in this one. Without it the
 * per-round ratios spread from about 1.0x to 2.8x around the same median; with it, about 1.4x to 1.5x
 * (15 rounds each way on this machine). The garbage a loop makes itself still costs it. */
const CPU_ARGS = [...CHROMIUM_ARGS, '--js-flags=--expose-gc'];

/** Runs in the page: opens a real `Client` and a raw WebSocket, and defines `window.cpu.perEvent(kind, n, batch)`,
 * the µs per event of a tight loop of synthetic messages carrying `n` events, `batch` per message, on that kind's socket. */
async function setUp([persistCursor]) {
  const WS_URL = location.origin.replace(/^http/, 'ws') + '/ws';
  const client = new window.bench.Client({ url: WS_URL, persistCursor });
  await new Promise((resolve) => client.on('state', (s) => s.state === 'open' && resolve()));
  let delivered = 0;
  client.on('*', function listener() { delivered++; }); // named: the profile's rows find it by name
  const spellwire = window.capturedSockets.at(-1);
  const raw = new WebSocket(WS_URL);
  await new Promise((resolve) => raw.addEventListener('open', resolve, { once: true }));
  let rawSeen = 0;
  raw.addEventListener('message', function rawHandler(m) { // the bench's raw handler (bench/page.mjs)
    const value = JSON.parse(m.data);
    if (Array.isArray(value)) for (const frame of value) rawSeen += frame.seq > 0;
    else if (value.op === 'event') rawSeen++;
  });
  const sockets = { raw, spellwire };
  const seqs = new Map([[raw, 0], [spellwire, 0]]);
  // The texts bench/server.mjs sends (its eventFrame, JSON.stringify'd): one frame when
  // batch is 1, else an array of `batch` frames with consecutive seqs (the last message the rest).
  const frame = (seq) => `{"op":"event","seq":${seq},"type":"tick","data":{"i":${seq}}}`;
  const events = (ws, n, batch) => Array.from({ length: Math.ceil(n / batch) }, (_, m) => {
    const first = seqs.get(ws) + 1;
    const count = Math.min(batch, n - m * batch);
    seqs.set(ws, first + count - 1);
    const frames = Array.from({ length: count }, (__, i) => frame(first + i));
    return new MessageEvent('message', { data: batch === 1 ? frames[0] : `[${frames.join(',')}]` });
  });
  const prepared = {};
  window.cpu = {
    /** Makes the messages of the next `n` events for `kind`, `batch` per message, for [run]
     * (kept out of the timed loop and the profile). */
    prepare(kind, n, batch = 1) {
      prepared[kind] = { messages: events(sockets[kind], n, batch), n };
      window.gc(); // every loop starts from a collected heap (see CPU_ARGS)
    },
    /** Dispatches the prepared messages; µs per event. */
    run(kind) {
      const [ws, { messages, n }] = [sockets[kind], prepared[kind]];
      const t0 = performance.now();
      for (const e of messages) ws.dispatchEvent(e);
      return ((performance.now() - t0) * 1000) / n;
    },
    perEvent(kind, n, batch = 1) {
      window.cpu.prepare(kind, n, batch);
      return window.cpu.run(kind);
    },
    counts: () => ({ delivered, rawSeen, sent: { raw: seqs.get(raw), spellwire: seqs.get(spellwire) } }),
    close() { client.close(); raw.close(); },
  };
}

/** Runs in the page: µs per event for each round (`n` events, `batch` per message), raw and spellwire interleaved. */
function measure([n, rounds, batch = 1]) {
  const out = { raw: [], spellwire: [] };
  for (let r = 0; r < rounds + 1; r++) { // round 0 warms the JIT and is dropped
    const order = r % 2 ? ['raw', 'spellwire'] : ['spellwire', 'raw'];
    for (const kind of order) {
      const us = window.cpu.perEvent(kind, n, batch);
      if (r > 0) out[kind].push(us);
    }
  }
  return out;
}

/** A fresh page on the bench server at `origin`, with a client and a raw socket set up (see [setUp]). */
async function openPage(browser, origin, persistCursor) {
  const page = await browser.newPage();
  await page.addInitScript(() => { // keep every socket the page opens
    const Native = window.WebSocket;
    window.capturedSockets = [];
    window.WebSocket = class extends Native {
      constructor(...a) { super(...a); window.capturedSockets.push(this); }
    };
  });
  await page.goto(`${origin}/bench/page.html`);
  await page.waitForFunction(() => window.bench);
  await page.evaluate(setUp, [persistCursor]);
  return page;
}

/** Throws unless each socket's every event was seen: spellwire delivered them all, raw parsed them all. */
async function checkCounts(page) {
  const c = await page.evaluate(() => window.cpu.counts());
  if (c.delivered !== c.sent.spellwire || c.rawSeen !== c.sent.raw) {
    throw new Error(`spellwire delivered ${c.delivered} of ${c.sent.spellwire} events, raw saw ${c.rawSeen} of ${c.sent.raw}`);
  }
}

/** `{ raw: [µs...], spellwire: [µs...] }` per event, per round, from a fresh page on the bench server
 * at `origin`: `n` events per loop, `batch` per message (1: one frame per message, not an array). */
export async function measureCpu(origin, { n, rounds, persistCursor = false, batch = 1 }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CPU_ARGS });
  try {
    const page = await openPage(browser, origin, persistCursor);
    const r = await page.evaluate(measure, [n, rounds, batch]);
    await checkCounts(page);
    await page.evaluate(() => window.cpu.close());
    return { raw: r.raw, spellwire: r.spellwire, n, rounds, persistCursor, batch };
  } finally {
    await browser.close();
  }
}

/** The release build (scripts/build.sh, which also refreshes pkg/) with its wasm function names
 * kept, into `dir`, for [profileCpu]: bench/size-breakdown.mjs's buildNamed. */
export function buildProfilingPkg(dir) {
  const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${ROOT}node_modules/.bin:${process.env.PATH}` };
  execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  buildNamed(dir);
}

/** Where a sample's time goes, by the function it was in (its self time). */
const BUCKETS = [
  ['dispatchEvent (the browser delivering the event to the handler)', (f) => f.functionName === 'dispatchEvent' && !f.url],
  ['JSON.parse, .data and the event check (raw: its whole handler; spellwire: its JS message handler)', (f, g) => f.functionName === 'rawHandler'
    || (g && /^__wbg_(parse|data)_/.test(f.functionName)) || f.url.includes('/snippets/')],
  ['performance.now() (clock read per message)', (f) => f.functionName === 'now' || /^__wbg_now_/.test(f.functionName)],
  ['the listener (the page\'s callback)', (f) => f.functionName === 'listener'],
  ['JS glue: import shims, closure wrapper, wasm<->JS transitions', (f, g) => g || /^(wasm-to-js|js-to-wasm)/.test(f.functionName)],
  ['wasm: wasm-bindgen runtime (closure invoke, externref table)', (f, g, w) => w && /wasm_bindgen|externref|__wbindgen|__wbg/.test(f.functionName)],
  ['wasm: allocator (talc, alloc, drop)', (f, g, w) => w && /talc|alloc::|__rust_|drop_in_place|dealloc/.test(f.functionName)],
  ['wasm: core (spellwire::core, protocol)', (f, g, w) => w && /spellwire(\[[0-9a-f]+\])?::(core|protocol)/.test(f.functionName)],
  ['wasm: web shell (driver, decode, dispatch, socket)', (f, g, w) => w && /spellwire(\[[0-9a-f]+\])?::web/.test(f.functionName)],
  ['wasm: other', (f, g, w) => w],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  ['(program): native time V8 attributes to no function', (f) => f.functionName === '(program)'],
  ['the benchmark loop and the rest', () => true],
];

/** The bucket of a function; `parseLines` holds the `url:line` of the glue's JSON.parse and
 * `data` imports, whose inner function (wasm-bindgen's `handleError` wrapper) is anonymous. */
function bucketOf(f, parseLines = new Set()) {
  const glue = /\/pkg\/spellwire\.js$/.test(f.url);
  const wasm = f.url.endsWith('.wasm') || f.url.startsWith('wasm://');
  if (glue && parseLines.has(`${f.url}:${f.lineNumber}`)) return 1;
  return BUCKETS.findIndex(([, test]) => test(f, glue, wasm));
}

/** V8 CPU profiles of the two loops, on a fresh page with a client served from the bench server
 * at `origin` (with wasm names when it serves a profiling build): `rounds` of `n` events per
 * kind, `batch` per message, alternating, each profiled on its own after a warm-up;
 * `{ raw, spellwire, batch }`, the first two each
 * `{ rows: selfTimes rows summed over the rounds, events, us: [µs per event per round] }`. */
export async function profileCpu(origin, { n, rounds, persistCursor = false, intervalUs = 100, batch = 1 }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CPU_ARGS });
  try {
    const page = await openPage(browser, origin, persistCursor);
    await page.evaluate(measure, [n, 1, batch]); // warm-up
    const out = { raw: { rows: new Map(), events: 0, us: [] }, spellwire: { rows: new Map(), events: 0, us: [] } };
    for (let r = 0; r < rounds; r++) {
      for (const kind of r % 2 ? ['raw', 'spellwire'] : ['spellwire', 'raw']) {
        await page.evaluate(([k, n_, b]) => window.cpu.prepare(k, n_, b), [kind, n, batch]);
        const { profile, result } = await profileOf(page, () => page.evaluate((k) => window.cpu.run(k), kind), intervalUs);
        const o = out[kind];
        for (const [key, us, f] of selfTimes(profile)) {
          const row = o.rows.get(key) ?? [key, 0, f];
          row[1] += us;
          o.rows.set(key, row);
        }
        o.events += n;
        o.us.push(result);
      }
    }
    await checkCounts(page);
    for (const o of Object.values(out)) o.rows = [...o.rows.values()].sort((x, y) => y[1] - x[1]);
    return { ...out, batch };
  } finally {
    await browser.close();
  }
}

/** The breakdown [profileCpu] measured, as lines of text: µs per event in each bucket for raw and
 * spellwire, the extra, and spellwire's functions with the most self time. With one event per
 * message (batch 1, or a profile without `batch`) that is also µs per message, and says so. */
export function breakdown(p, top = 20) {
  const parseLines = new Set(p.spellwire.rows.map(([, , f]) => f)
    .filter((f) => /^__wbg_(parse|data)_/.test(f.functionName)).map((f) => `${f.url}:${f.lineNumber}`));
  const perEvent = (o) => {
    const b = BUCKETS.map(() => 0);
    for (const [, us, f] of o.rows) b[bucketOf(f, parseLines)] += us / o.events;
    return b;
  };
  const [raw, sw] = [perEvent(p.raw), perEvent(p.spellwire)];
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  const extra = sum(sw) - sum(raw);
  const f2 = (x) => x.toFixed(2).padStart(6);
  const batch = p.batch ?? 1;
  const unit = batch === 1 ? 'message' : 'event';
  const what = batch === 1
    ? `${p.raw.events} raw and ${p.spellwire.events} spellwire messages`
    : `${p.raw.events} raw and ${p.spellwire.events} spellwire events, ${batch} per message (a JSON array)`;
  const lines = [
    `Profiled: ${what}; under the profiler the loops took`
      + ` ${f2(median(p.raw.us))} and ${f2(median(p.spellwire.us))} µs per ${unit} (median of ${p.raw.us.length} rounds).`,
    `Sampled self time over the whole profile, µs per ${unit} (${batch === 1 ? '' : `a message's own costs spread over its ${batch} events; `}the profiler slows the loop a little; the time around`
      + ` the loop, the CDP call and idle, falls mostly in "(program)" and "the rest", alike for both):`,
    `    raw  spellwire   extra  share of extra  where`,
  ];
  BUCKETS.forEach(([name], i) => {
    if (raw[i] < 0.005 && sw[i] < 0.005) return;
    const d = sw[i] - raw[i];
    lines.push(`  ${f2(raw[i])} ${f2(sw[i])}   ${(d >= 0 ? '+' : '') + d.toFixed(2)}`.padEnd(29) + `${((100 * d) / extra).toFixed(0).padStart(5)}%         ${name}`);
  });
  lines.push(`  ${f2(sum(raw))} ${f2(sum(sw))}   +${extra.toFixed(2)}   100%         total`);
  lines.push(`Spellwire's functions with the most self time, µs per ${unit} [bucket]:`);
  for (const [key, us, f] of p.spellwire.rows.slice(0, top)) {
    lines.push(`  ${f2(us / p.spellwire.events)}  ${key}  [${BUCKETS[bucketOf(f, parseLines)][0].split(' (')[0]}]`);
  }
  return lines;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({
    options: {
      n: { type: 'string' },
      rounds: { type: 'string' },
      'persist-cursor': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      batch: { type: 'string', default: '1' },
      pkg: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      top: { type: 'string', default: '20' },
    },
  });
  const persistCursor = args['persist-cursor'];
  const persist = persistCursor ? 'persistCursor: true' : 'persistCursor: false';
  const batch = Number(args.batch);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch ${args.batch}: a whole number of events per message, 1 or more`);
  const perMessage = batch === 1 ? 'one event per message' : `${batch} events per message, a JSON array`;
  if (args.profile) {
    const pkgDir = args.pkg ?? join(ROOT, 'target', 'profiling-pkg');
    if (!args['no-build']) {
      console.log(`building ${pkgDir} (wasm names kept) ...`);
      buildProfilingPkg(pkgDir);
    }
    const server = await startServer({ pkgDir });
    try {
      const [n, rounds] = [Number(args.n ?? 50000), Number(args.rounds ?? 4)];
      const p = await profileCpu(server.origin, { n, rounds, persistCursor, batch });
      console.log(`Where spellwire's extra CPU per ${batch === 1 ? 'message' : 'event'} goes (${perMessage}; ${persist}; served from ${pkgDir}):`);
      for (const line of breakdown(p, Number(args.top))) console.log(line);
    } finally {
      await server.close();
    }
  } else {
    const server = await startServer({ pkgDir: args.pkg });
    try {
      const [n, rounds] = [Number(args.n ?? 20000), Number(args.rounds ?? 9)];
      const r = await measureCpu(server.origin, { n, rounds, persistCursor, batch });
      const ratios = r.spellwire.map((s, i) => s / r.raw[i]);
      const messages = batch === 1 ? `${n} synthetic messages` : `${n} events in ${Math.ceil(n / batch)} synthetic messages (${perMessage})`;
      console.log(`CPU per event, ${messages} x ${rounds} rounds (median; ${persist}):`);
      console.log(`  raw       ${median(r.raw).toFixed(2)} µs   [${r.raw.map((x) => x.toFixed(2)).join(' ')}]`);
      console.log(`  spellwire ${median(r.spellwire).toFixed(2)} µs   [${r.spellwire.map((x) => x.toFixed(2)).join(' ')}]`);
      console.log(`  spellwire / raw, median of per-round ratios: ${median(ratios).toFixed(2)}x   [${ratios.map((x) => x.toFixed(2)).join(' ')}]`);
    } finally {
      await server.close();
    }
  }
}
