// spellwire-server's own figures, measured by the Rust load generator (bench/loadgen,
// `spellwire-loadgen`): memory per idle connection, and fan-out rate and latency.
//
//   node bench/server-figures.mjs [--smoke]     prints the figures as JSON
//
// Each figure gets a fresh release server on a free port, started (like the load generator)
// under a raised open-files limit: `ulimit -n 65536`, or the hard limit when that is lower.
//  - idle: --dev only (its /api/login hands out the tokens; no --test-hooks: with hooks the server
//    counts hellos per token, which would add to the memory measured); N users log in, open a
//    socket and are welcomed; VmRSS before and after, over N.
//  - fanout: --dev --test-hooks; N users connected, then POST /test/broadcast publishes K events to
//    each through the hub (100 per user per call, at most 200 per user not yet received);
//    deliveries/s over the wall time, and publish → receive latency from the stamp in each event.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

const log = (...xs) => console.error('[server]', ...xs);

/** Runs `cmd args` under a raised open-files limit. */
const spawnUnlimited = (cmd, args, stdio) => spawn('bash', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"', 'bash', cmd, ...args], { stdio });

/** The release build of `name` if there is one, else the debug build, else null. */
function binary(name) {
  return [`target/release/${name}`, `target/debug/${name}`].find(existsSync) ?? null;
}
export const serverBin = () => binary('spellwire-server');
export const loadgenBin = () => binary('spellwire-loadgen');

/** Spawns the server on a free port; resolves { http, pid, stop }. */
function startServer(bin, flags) {
  const child = spawnUnlimited(bin, ['--addr', '127.0.0.1:0', ...flags], ['ignore', 'pipe', 'inherit']);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill(); reject(new Error('spellwire-server did not start in 10 s')); }, 10_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`spellwire-server exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      const m = /listening on (http:\S+)/.exec(chunk.toString());
      if (!m) return;
      clearTimeout(timer);
      resolve({ http: m[1], pid: child.pid, stop: () => { child.removeAllListeners('exit'); child.kill(); } });
    });
  });
}

/** Runs the load generator; resolves its JSON report (which may list problems). */
function loadgen(bin, args) {
  const child = spawnUnlimited(bin, args, ['ignore', 'pipe', 'pipe']);
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { err += c; });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`spellwire-loadgen exited ${code}: ${err.trim() || out.trim()}`));
      }
    });
  });
}

/** Starts a fresh server with `flags`, runs the load generator against it, stops the server. */
async function measure(bins, flags, args) {
  const server = await startServer(bins.server, flags);
  try {
    const report = await loadgen(bins.loadgen, [...args, '--server', server.http, '--pid', String(server.pid)]);
    return { ...bins, ...report };
  } finally {
    server.stop();
  }
}

/** { idle, fanout }: each the load generator's report plus the binaries, or { skipped } saying why. */
export async function measureServer(config) {
  const bins = { server: serverBin(), loadgen: loadgenBin() };
  const missing = process.env.BENCH_SERVER_BUILD_FAILED ? 'spellwire-server did not build'
    : process.env.BENCH_LOADGEN_BUILD_FAILED ? 'spellwire-loadgen did not build (cargo build --release -p spellwire-loadgen failed)'
      : !bins.server ? 'no spellwire-server binary was built'
        : !bins.loadgen ? 'no spellwire-loadgen binary was built (cargo build --release -p spellwire-loadgen)' : null;
  if (missing) return { idle: { skipped: missing }, fanout: { skipped: missing } };
  const attempt = (what, run) => run().catch((e) => ({ skipped: `the ${what} measurement failed: ${e.message}` }));
  log(`idle: ${config.idleConnections} connections to ${bins.server}`);
  const idle = await attempt('memory', () => measure(bins, ['--dev'], [
    'idle', '--connections', String(config.idleConnections), '--settle-ms', String(config.settleMs),
  ]));
  log(`fan-out: ${config.fanoutUsers} users × ${config.fanoutEvents} events`);
  const fanout = await attempt('fan-out', () => measure(bins, ['--dev', '--test-hooks'], [
    'fanout', '--users', String(config.fanoutUsers), '--events', String(config.fanoutEvents),
    '--per-call', String(config.fanoutPerCall), '--window', String(config.fanoutWindow),
  ]));
  return { idle, fanout };
}

export const SERVER_CONFIG = {
  smoke: { idleConnections: 200, settleMs: 300, fanoutUsers: 50, fanoutEvents: 20, fanoutPerCall: 10, fanoutWindow: 20 },
  full: { idleConnections: 10_000, settleMs: 1500, fanoutUsers: 1000, fanoutEvents: 1000, fanoutPerCall: 100, fanoutWindow: 200 },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
  console.log(JSON.stringify(await measureServer(SERVER_CONFIG[args.smoke ? 'smoke' : 'full']), null, 2));
}
