// Memory per idle connection of spellwire-server: starts the server, opens N WebSockets, one
// per user (each logged in over /api/login, `hello` with its token, waited until `welcome`),
// and reads the server's resident set (VmRSS in /proc/PID/status) before and after.
//
//   node bench/server-rss.mjs [--bin target/release/spellwire-server] [--connections 10000] [--json]
//
// The load generator is this Node script (ws), not the Rust one issue 5 asks for; what is
// measured is the server's own memory, which does not depend on the generator's language.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const CONCURRENCY = 200;
const log = (...xs) => console.error('[server-rss]', ...xs);

/** The release build if there is one, else the debug build, else null. */
export function serverBin() {
  const found = ['target/release/spellwire-server', 'target/debug/spellwire-server'].find(existsSync);
  return found ?? null;
}

const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/** Spawns the server on a free port; resolves { http, pid, stop }. */
function startServer(bin) {
  const child = spawn(bin, ['--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`spellwire-server exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      const m = /listening on (http:\S+)/.exec(chunk.toString());
      if (m) resolve({ http: m[1], pid: child.pid, stop: () => child.kill() });
    });
  });
}

/** Logs `user` in and opens a socket for it, resolved once the server's welcome arrived. */
async function connect(http, user) {
  const res = await fetch(`${http}/api/login`, { method: 'POST', body: JSON.stringify({ user }), headers: { 'content-type': 'application/json' } });
  const { token } = await res.json();
  const ws = new WebSocket(`${http.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify({ op: 'hello', token })));
    ws.once('message', (data) => {
      const frame = [JSON.parse(data.toString())].flat()[0];
      return frame.op === 'welcome' ? resolve() : reject(new Error(`${user}: ${data}`));
    });
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`${user}: closed ${code}`)));
  });
  ws.removeAllListeners('close');
  return ws;
}

/** Opens `count` sockets `CONCURRENCY` at a time, users `${prefix}${i}`. */
async function connectMany(http, prefix, count, into) {
  let next = 0;
  const worker = async () => {
    while (next < count) into.push(await connect(http, `${prefix}${next++}`));
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

/** { connections, bin, baseKb, loadedKb, perConnectionBytes, openMs } */
export async function measureServerRss(bin, n) {
  const server = await startServer(bin);
  const sockets = [];
  try {
    await connectMany(server.http, 'warm-', 100, sockets); // allocator and runtime warmed up
    for (const ws of sockets.splice(0)) ws.terminate();
    await settle();
    const baseKb = rssKb(server.pid);
    const t0 = Date.now();
    await connectMany(server.http, 'idle-', n, sockets);
    const openMs = Date.now() - t0;
    await settle();
    const loadedKb = rssKb(server.pid);
    return { connections: n, bin, baseKb, loadedKb, perConnectionBytes: ((loadedKb - baseKb) * 1024) / n, openMs };
  } finally {
    for (const ws of sockets) ws.terminate();
    server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({
    options: {
      bin: { type: 'string' },
      connections: { type: 'string', default: '10000' },
      json: { type: 'boolean', default: false },
    },
  });
  const bin = args.bin ?? serverBin();
  if (!bin) throw new Error('no spellwire-server binary: cargo build --release -p spellwire-server');
  const result = await measureServerRss(bin, Number(args.connections));
  if (args.json) console.log(JSON.stringify(result));
  else log(`${result.connections} idle connections: ${(result.perConnectionBytes / 1024).toFixed(1)} KB each (RSS ${result.baseKb} → ${result.loadedKb} KB, ${result.bin})`);
}
