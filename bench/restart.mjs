// 1,000 clients reconnecting after a server restart: how long until every one has resumed, and
// the server's CPU meanwhile. The clients are the Rust load generator's `restart` (bench/loadgen/
// src/restart.rs), which retries on the browser client's default backoff, computed by the
// client's own core (`Backoff::default().delay`); the server is the real spellwire-server
// (release), two nodes on one Redis as in bench/reconnect.mjs.
//
// Users log in on A and hold a welcomed socket for `stableMs` (longer than the client's
// resetAfterMs); A is killed (SIGKILL); once every socket saw it go, the load generator
// publishes one event per user through B; `downMs` later A starts again on the same port. A user
// has resumed when that event reaches it. While A runs again, its CPU time (/proc/PID/stat) is
// read every `sampleMs`; the peak is the largest increase over one sample, in cores.
import { readFileSync } from 'node:fs';
import { freePort, spawnUntil } from './reconnect.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RAISE_FILES = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"';
const API_KEY = 'bench-restart-key';

/** User + system CPU seconds of `pid` (USER_HZ = 100). */
function cpuSecs(pid) {
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

/** Samples `pid`'s CPU time until stopped; resolves [{ at, secs }]. */
function sampleCpu(pid, sampleMs) {
  const samples = [];
  let on = true;
  const done = (async () => {
    while (on) {
      try { samples.push({ at: Date.now(), secs: cpuSecs(pid) }); } catch { break; }
      await sleep(sampleMs);
    }
    return samples;
  })();
  return { stop: () => { on = false; return done; } };
}

/** Waits for `pattern` on the child's stderr. */
function stderrLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let err = '';
    const on = (d) => { err += d; if (pattern.test(err)) { child.stderr.off('data', on); resolve(); } };
    child.stderr.on('data', on);
    child.once('exit', (code) => reject(new Error(`spellwire-loadgen exited (${code}): ${err.slice(-500)}`)));
  });
}

/** The figures of one restart with `users` users. */
export async function measureRestart({ bin, loadgen, users, downMs, stableMs = 5200, sampleMs = 250 }) {
  const procs = [];
  try {
    const redisPort = await freePort();
    const redis = await spawnUntil('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
    procs.push(redis.child);
    const common = ['--dev', '--redis', `redis://127.0.0.1:${redisPort}`, '--redis-prefix', 'restart'];
    const env = { SPELLWIRE_JWT_SECRET: 'bench-restart', SPELLWIRE_API_KEY: API_KEY };
    const start = async (addr) => {
      const s = await spawnUntil('bash', ['-c', RAISE_FILES, 'bash', bin, '--addr', addr, ...common], /listening on (http:\S+)/, env);
      procs.push(s.child);
      return { ...s, http: s.match[1], pid: s.child.pid };
    };
    const portA = await freePort();
    let a = await start(`127.0.0.1:${portA}`);
    const b = await start('127.0.0.1:0');
    const { spawn } = await import('node:child_process');
    const gen = spawn('bash', ['-c', RAISE_FILES, 'bash', loadgen, 'restart', '--server', a.http, '--publish-via', b.http,
      '--api-key', API_KEY, '--users', String(users)], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(gen);
    let out = '';
    let err = '';
    gen.stdout.on('data', (d) => { out += d; });
    gen.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((resolve) => gen.once('exit', resolve));
    await stderrLine(gen, /^ready /m);
    await sleep(stableMs);
    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await stderrLine(gen, /^published$/m);
    const publishedAt = Date.now();
    await sleep(Math.max(0, killedAt + downMs - publishedAt));
    a = await start(`127.0.0.1:${portA}`);
    const backAt = a.at;
    const cpu = sampleCpu(a.pid, sampleMs);
    const code = await exited;
    const samples = await cpu.stop();
    let report;
    try {
      report = JSON.parse(out);
    } catch {
      throw new Error(`spellwire-loadgen restart exited ${code}: ${(out + err).trim().slice(-400)}`);
    }
    const lastResumed = Math.max(...report.resumedAtMs);
    const within = samples.filter((s) => s.at <= lastResumed + sampleMs);
    const peak = Math.max(0, ...within.slice(1).map((s, i) => (s.secs - within[i].secs) / ((s.at - within[i].at) / 1000)));
    const cpuSecsUsed = within.length > 1 ? within.at(-1).secs - within[0].secs : 0;
    return {
      bin, users: report.users, downMs, stableMs, sampleMs, killedAt, backAt, publishedAt,
      sinceBack: report.resumedAtMs.map((t) => t - backAt),
      // From the start of the attempt that succeeded to the missed event: the resume itself.
      resumeMs: report.resumedAtMs.map((t, i) => t - report.attemptAtMs[i]),
      attempts: report.attempts, resumedFlags: report.resumedFlags,
      peakCores: peak, cpuSecs: cpuSecsUsed, problems: report.problems ?? [],
    };
  } finally {
    for (const p of procs.reverse()) p.kill('SIGKILL');
  }
}
