// The benchmark harness: starts the bench server, drives headless Chromium through interleaved
// rounds of the client kinds (delivery unbatched and batched, with the relay reference kind and,
// unbatched, the bare one; round trips), the page's CPU per event (bench/cpu.mjs; one event per
// message, and batched as delivery is) and page load → open (bench/load.mjs), measures bundle sizes (with the size floor and issue 16's option B built),
// measures spellwire-server with the Rust load generator (bench/server-figures.mjs, and 1,000
// clients resuming after a restart: bench/restart.mjs), and writes BENCHMARKS.md from the
// figures of this run.
//
//   node bench/run.mjs [--smoke] [--rounds N] [--delivery-rounds N] [--out BENCHMARKS.md]
//
// --smoke: tiny counts, to check the harness works (CI); writes nothing unless --out is given.
// --rounds: rounds of round trips and CPU per event; --delivery-rounds: rounds of delivery, more
// by default because its per-round ratios spread widely and the goals rest on their median.
// Exits non-zero if any client lost, repeated or reordered an event (a broken harness or client),
// never because a goal was missed: a benchmark is not a timed test.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS } from './browser.mjs';
import { startServer } from './server.mjs';
import { loadgenBin, measureServer, SERVER_CONFIG, serverBin } from './server-figures.mjs';
import { measureReconnect } from './reconnect.mjs';
import { measureRestart } from './restart.mjs';
import { measureLoad } from './load.mjs';
import { breakdown as cpuBreakdown, measureCpu, profileCpu } from './cpu.mjs';
import { measureSizes } from './size.mjs';
import { measureBreakdown } from './size-breakdown.mjs';
import { measureFloor } from './floor.mjs';
import { measureOptionB } from './option-b.mjs';
import { render } from './report.mjs';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'delivery-rounds': { type: 'string' },
    out: { type: 'string' },
  },
});
const CONFIG = args.smoke
  ? { rounds: 2, deliveryRounds: 2, unbatched: 2_000, batched: 10_000, batch: 100, pings: 30, reconnects: 1, downMs: 300, floorEvents: 200, cpuEvents: 2_000, loads: 2, restartUsers: 50, ...SERVER_CONFIG.smoke }
  : { rounds: 9, deliveryRounds: 21, unbatched: 15_000, batched: 200_000, batch: 100, pings: 500, reconnects: 5, downMs: 1000, floorEvents: 5_000, cpuEvents: 20_000, loads: 15, restartUsers: 1000, ...SERVER_CONFIG.full };
if (args.rounds) CONFIG.rounds = Number(args.rounds);
if (args['delivery-rounds']) CONFIG.deliveryRounds = Number(args['delivery-rounds']);
const OUT = args.out ?? (args.smoke ? null : 'BENCHMARKS.md');
/** The kinds whose round trips are timed: the clients compared. */
export const KINDS = ['raw', 'spellwire', 'rws', 'socketio'];
/** The kinds whose delivery is timed: the clients, and relay (it has no send of its own). */
const DELIVERY_KINDS = ['raw', 'spellwire', 'relay', 'rws', 'socketio'];

const log = (...xs) => console.error('[bench]', ...xs);

/** Round r runs the kinds in a rotated order, so no kind always goes first or last. */
const orderOf = (kinds, r) => kinds.map((_, i) => kinds[(i + r) % kinds.length]);

async function deliverAll(page, r, n, batch, into, problems) {
  const order = orderOf(DELIVERY_KINDS, r);
  const kinds = batch === 1 ? [...order, 'bare'] : order;
  for (const kind of kinds) {
    const res = await page.evaluate(([k, n_, b]) => window.bench.deliver(k, n_, b), [kind, n, batch]);
    if (res.received !== n || res.misordered) {
      problems.push(`${kind} batch ${batch}: received ${res.received}/${n}, ${res.misordered} out of order`);
    }
    into[kind].push(res.eventsPerSec);
  }
}

async function roundTripsAll(page, r, count, into) {
  for (const kind of orderOf(KINDS, r)) {
    const times = await page.evaluate(([k, c]) => window.bench.roundTrips(k, c), [kind, count]);
    into[kind].push({ p50: percentile(times, 50), p99: percentile(times, 99) });
  }
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const byKind = () => Object.fromEntries([...DELIVERY_KINDS, 'bare'].map((k) => [k, []]));

async function measureInBrowser(origin) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/bench/page.html`);
    await page.waitForFunction(() => window.bench, null, { timeout: 15_000 });
    const env = await page.evaluate(() => ({ isolated: window.bench.isolated, userAgent: window.bench.userAgent }));
    const problems = [];
    const runs = { unbatched: byKind(), batched: byKind(), rtt: byKind() };
    log('warm-up round (discarded)');
    await deliverAll(page, 0, 1000, 1, byKind(), problems);
    await deliverAll(page, 0, 5000, CONFIG.batch, byKind(), problems);
    await roundTripsAll(page, 0, 20, byKind());
    // Delivery and round trips stay interleaved while both run; delivery alone runs on after.
    const rounds = Math.max(CONFIG.deliveryRounds, CONFIG.rounds);
    for (let r = 0; r < rounds; r++) {
      log(`round ${r + 1}/${rounds}`);
      if (r < CONFIG.deliveryRounds) {
        await deliverAll(page, r, CONFIG.unbatched, 1, runs.unbatched, problems);
        await deliverAll(page, r, CONFIG.batched, CONFIG.batch, runs.batched, problems);
      }
      if (r < CONFIG.rounds) await roundTripsAll(page, r, CONFIG.pings, runs.rtt);
    }
    return { runs, problems: [...problems, ...errors.map((e) => `page error: ${e}`)], env, chromium: browser.version() };
  } finally {
    await browser.close();
  }
}

/** The commit measured, and whether the sources built into pkg/ and the server differ from it. */
function source() {
  const git = (...a) => execFileSync('git', a, { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', 'src', 'server', 'Cargo.toml', 'Cargo.lock')
    .split('\n').filter(Boolean).length;
  return { commit: git('rev-parse', '--short', 'HEAD'), dirty: dirty ? `${dirty} files of src/, server/, Cargo.*` : '' };
}

function machine() {
  const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', chromium, node: process.version };
}

/** Reconnect time after a server restart (needs a server binary and redis-server), or { skipped }. */
async function reconnectTime(origin) {
  if (process.env.BENCH_SERVER_BUILD_FAILED) return { skipped: 'spellwire-server did not build' };
  const bin = serverBin();
  if (!bin) return { skipped: 'no spellwire-server binary was built' };
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    return { skipped: 'redis-server is not installed (apt-get install -y redis-server)' };
  }
  log(`reconnect: ${CONFIG.reconnects} restarts of ${bin} on Redis`);
  try {
    return { bin, ...(await measureReconnect({ bin, origin, rounds: CONFIG.reconnects, downMs: CONFIG.downMs })) };
  } catch (e) {
    return { skipped: `the measurement failed: ${e.message}` };
  }
}

/** 1,000 clients resuming after a restart (needs the server, the load generator, redis-server), or { skipped }. */
async function restartTime() {
  if (process.env.BENCH_SERVER_BUILD_FAILED) return { skipped: 'spellwire-server did not build' };
  if (process.env.BENCH_LOADGEN_BUILD_FAILED) return { skipped: 'spellwire-loadgen did not build' };
  const [bin, loadgen] = [serverBin(), loadgenBin()];
  if (!bin || !loadgen) return { skipped: `no ${bin ? 'spellwire-loadgen' : 'spellwire-server'} binary was built` };
  log(`restart: ${CONFIG.restartUsers} users resuming after a restart of ${bin} on Redis`);
  try {
    return { loadgen, ...(await measureRestart({ bin, loadgen, users: CONFIG.restartUsers, downMs: CONFIG.downMs })) };
  } catch (e) {
    return { skipped: `the measurement failed: ${e.message}`, failed: true };
  }
}

/** Runs `what`; its failure becomes `{ skipped }` with the reason (and a problem in a smoke run). */
async function attempt(name, what) {
  log(name);
  try {
    return await what();
  } catch (e) {
    return { skipped: `the measurement failed: ${e.message}`, failed: true };
  }
}

/** Where spellwire's extra CPU per event goes: bench/cpu.mjs's profile of the two loops, on the
 * release module with its function names kept (the size breakdown's named build in `dir`), as lines. */
async function cpuProfile(dir) {
  const server = await startServer({ pkgDir: dir });
  try {
    return { lines: cpuBreakdown(await profileCpu(server.origin, { n: 50_000, rounds: 4 }), 12) };
  } finally {
    await server.close();
  }
}

async function main() {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  const server = await startServer();
  log(`server at ${server.origin}; config ${JSON.stringify(CONFIG)}`);
  let browserResult;
  let reconnect;
  let cpu;
  let cpuBatched;
  let pageLoad;
  try {
    browserResult = await measureInBrowser(server.origin);
    cpu = await attempt('CPU per event (bench/cpu.mjs)', () => measureCpu(server.origin, { n: CONFIG.cpuEvents, rounds: CONFIG.rounds }));
    // Context for the batched delivery goal: the same loop, CONFIG.batch events per message, as
    // many events per loop as the unbatched one (so a few seconds more, in the smoke run too).
    cpuBatched = await attempt(`CPU per event, ${CONFIG.batch} per message (bench/cpu.mjs --batch ${CONFIG.batch})`,
      () => measureCpu(server.origin, { n: CONFIG.cpuEvents, rounds: CONFIG.rounds, batch: CONFIG.batch }));
    pageLoad = await attempt('page load → open (bench/load.mjs)', () => measureLoad(server.origin, CONFIG.loads));
    reconnect = await reconnectTime(server.origin);
  } finally {
    await server.close();
  }
  log('bundle sizes');
  const sizes = await measureSizes();
  log('where the wasm bytes go (a build with names: bench/size-breakdown.mjs)');
  const named = mkdtempSync(join(tmpdir(), 'spellwire-named-'));
  let breakdown;
  let cpuWhere;
  try {
    breakdown = measureBreakdown(sizes[0].parts.wasmGz, named);
    // Profiled on the breakdown's named build; a smoke run (CI) skips it for time.
    cpuWhere = args.smoke || breakdown.skipped
      ? { skipped: args.smoke ? 'not in a smoke run' : breakdown.skipped }
      : await attempt('where the CPU per event goes (bench/cpu.mjs --profile)', () => cpuProfile(named));
  } finally {
    rmSync(named, { recursive: true, force: true });
  }
  log('size floor (bench/floor: a delivery check in Chromium, then its size)');
  const floor = await measureFloor(CONFIG.floorEvents).catch((e) => ({ skipped: e.message, failed: true }));
  // Option B builds a second module (a minute with a warm target/option-b, several from cold):
  // full runs only; a build that fails its checks is a problem, one that cannot build is reported.
  log('option B (bench/option-b.mjs: the JS face in JavaScript over a narrow engine, checked, then its size)');
  const optionB = args.smoke ? { skipped: 'not in a smoke run' }
    : await measureOptionB(CONFIG.floorEvents).catch((e) => ({ skipped: e.message, failed: true }));
  const { idle: serverRss, fanout } = await measureServer(CONFIG);
  const restart = await restartTime();
  const result = {
    ...browserResult, sizes, floor, optionB, serverRss, fanout, reconnect, cpu, cpuBatched, cpuWhere, pageLoad, restart, breakdown, config: CONFIG, smoke: args.smoke, machine: machine(), source: source(),
    date: new Date().toISOString(), elapsedMs: Date.now() - started, load: [loadBefore, loadavg()[0]],
  };
  // A smoke run (CI) insists on the floor, so it cannot rot unseen; a full run reports it.
  if (floor.failed || (args.smoke && floor.skipped)) result.problems.push(`size floor: ${floor.skipped}`);
  if (optionB.failed) result.problems.push(`option B: ${optionB.skipped}`);
  if (reconnect.inOrder === false) result.problems.push('reconnect: the page did not see 1..N once each in order');
  for (const [what, m] of [['CPU per event', cpu], ['CPU per event, batched', cpuBatched], ['page load', pageLoad], ['restart', restart]]) {
    if (m.failed) result.problems.push(`${what}: ${m.skipped}`);
    for (const p of m.problems ?? []) result.problems.push(`${what}: ${p}`);
  }
  for (const [what, m] of [['server memory', serverRss], ['fan-out', fanout]]) {
    for (const p of m.problems ?? []) result.problems.push(`${what}: ${p}`);
  }
  const markdown = render(result);
  if (OUT) writeFileSync(OUT, markdown);
  console.log(markdown);
  if (result.problems.length) {
    console.error(`bench: FAILED: ${result.problems.join('; ')}`);
    process.exit(1);
  }
  log(`done in ${(result.elapsedMs / 1000).toFixed(1)} s${OUT ? `; wrote ${OUT}` : ''}`);
}

await main();
