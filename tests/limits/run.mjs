// The server's limits against abusive input, over real sockets and HTTP: starts a real
// `spellwire-server --dev --test-hooks` (target/debug, built by scripts/test.sh), tries each
// input in ./probes.mjs, prints what the server did and what was lost, and when every row is as
// it must be writes the "limits" section of docs/RELIABILITY.md. Exits 1 otherwise.
//
//   node tests/limits/run.mjs [--report docs/RELIABILITY.md]
//
// Node 20 has a WebSocket client only behind --experimental-websocket: without a global
// WebSocket the script runs itself again with that flag.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startServer } from '../e2e/server.mjs';
import { writeSection } from '../lib/report-section.mjs';
import * as probe from './probes.mjs';

if (typeof WebSocket === 'undefined') {
  const again = spawnSync(process.execPath, ['--experimental-websocket', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const { values: args } = parseArgs({ options: { report: { type: 'string', default: 'docs/RELIABILITY.md' } } });
/** The one limit lowered for the run: 10,000 by default would mean opening 10,001 sockets. */
const WAITING = 16;
const API_KEY = 'limits-run-key';
/** The token key, so the run can sign tokens a login would not hand out. */
const JWT_SECRET = 'limits-run-jwt-secret-0123456789abcdef';
const DEADLINE_MS = 50_000;

const server = await startServer({ args: ['--max-waiting-hello', String(WAITING)], env: { SPELLWIRE_API_KEY: API_KEY, SPELLWIRE_JWT_SECRET: JWT_SECRET } });
const deadline = setTimeout(async () => {
  console.error(`limits: not done within ${DEADLINE_MS / 1000} s`);
  await server.stop();
  process.exit(1);
}, DEADLINE_MS);
const started = Date.now();
let rows;
try {
  rows = await tryAll(server.url);
} finally {
  clearTimeout(deadline);
  await server.stop();
}

const table = rows.map((r) => `| ${r.input} | ${r.did} | ${r.lost} |`).join('\n');
console.log(rows.map((r) => `${r.ok ? 'ok  ' : 'FAIL'} ${r.input}: ${r.did}; lost ${r.lost}`).join('\n'));
const failed = rows.filter((r) => !r.ok);
if (failed.length) {
  console.error(`limits: ${failed.length} of ${rows.length} rows are not what the server must do`);
  process.exit(1);
}
writeSection(args.report, 'limits', report(table, Date.now() - started));
console.log(`limits: all ${rows.length} rows as expected; wrote the "limits" section of ${args.report}`);

/** Every probe, in the table's order. The waiting-for-hello one runs first and alone: any other
 * socket saying hello at the time would count as waiting too. */
async function tryAll(base) {
  const waiting = await attempt('waitingForHello', () => probe.waitingForHello(base, WAITING));
  const paced = attempt('pacedPings', () => probe.pacedPings(base)); // 6.7 s; the others run meanwhile
  const silent = attempt('helloTimeout', () => probe.helloTimeout(base)); // 10 s, likewise
  const flood = await attempt('frameFlood', () => probe.frameFlood(base));
  const replay = await attempt('replayFlood', () => probe.replayFlood(base));
  const sockets = await attempt('socketsPerUser', () => probe.socketsPerUser(base));
  const type = await attempt('longField type', () => probe.longField(base, 'type'));
  const id = await attempt('longField id', () => probe.longField(base, 'id'));
  const topic = await attempt('longField topic', () => probe.longField(base, 'topic'));
  const big = await attempt('bigMessage', () => probe.bigMessage(base));
  const bodies = await attempt('bigBodies', () => probe.bigBodies(base, API_KEY));
  const batch = await attempt('badPublish events', () => probe.badPublish(base, API_KEY, 'events'));
  const key = await attempt('badPublish key', () => probe.badPublish(base, API_KEY, 'key'));
  const retained = await attempt('pastRetention', () => probe.pastRetention(base, API_KEY));
  const user = await attempt('badIdentity user', () => probe.badIdentity(base, JWT_SECRET, 'user'));
  const claim = await attempt('badIdentity claim', () => probe.badIdentity(base, JWT_SECRET, 'claim'));
  const channels = await attempt('channelCaps', () => probe.channelCaps(base));
  return [flood, await paced, replay, sockets, waiting, await silent, type, id, topic, user, claim, channels, big, bodies, batch, key, retained];
}

/** A probe's row, or a failed row saying why the probe itself could not finish. */
async function attempt(name, run) {
  try {
    return await run();
  } catch (e) {
    return { input: name, did: `the probe stopped: ${e.message}`, lost: 'not checked', ok: false };
  }
}

function report(table, ms) {
  return `## Limits and abuse

Produced by \`node tests/limits/run.mjs\` (run by \`./scripts/test.sh\`); do not edit by hand.
Run on ${new Date().toISOString().slice(0, 10)}, in ${(ms / 1000).toFixed(1)} s.

Each input was tried against a real \`spellwire-server --dev --test-hooks\` on loopback, over
real WebSockets and HTTP, with the default limits (README, "Limits") except
\`--max-waiting-hello ${WAITING}\`. Both right-hand columns are what was observed; "what was lost"
is checked by resuming, by the user's other sockets and by the server's record of applied sends.
The run fails, and leaves this section as it was, when any row is not what the server must do.

| input tried | what the server did | what was lost |
|---|---|---|
${table}`;
}
