// The page's own CPU cost per event message, without the network: synthetic `message` events
// dispatched on an open socket, in a tight loop, for raw (`JSON.parse` + callback, the bench's
// raw handler) and for spellwire (the socket of a real, open `Client`, whose core accepts them
// as the next seqs). A tool for whoever optimizes the delivery path: the delivery benchmark is
// dominated by the browser's own per-message cost and its noise, this isolates the client's
// part. bench/run.mjs runs it for BENCHMARKS.md; run alone, it prints its figures.
//
//   node bench/cpu.mjs [--n 20000] [--rounds 9] [--persist-cursor]
// (--persist-cursor: the client with `persistCursor: true`, the default, instead of false.)
import { chromium } from 'playwright-core';
import { parseArgs } from 'node:util';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS } from './browser.mjs';

/** Runs in the page: µs per message for each round, raw and spellwire interleaved. */
async function measure([n, rounds, persistCursor]) {
  const WS_URL = location.origin.replace(/^http/, 'ws') + '/ws';
  const client = new window.bench.Client({ url: WS_URL, persistCursor });
  await new Promise((resolve) => client.on('state', (s) => s.state === 'open' && resolve()));
  let delivered = 0;
  client.on('*', () => { delivered++; });
  const spellwire = window.capturedSockets.at(-1);
  const raw = new WebSocket(WS_URL);
  await new Promise((resolve) => raw.addEventListener('open', resolve, { once: true }));
  let rawSeen = 0;
  raw.addEventListener('message', (m) => { // the bench's raw handler (bench/page.mjs)
    const value = JSON.parse(m.data);
    if (Array.isArray(value)) for (const frame of value) rawSeen += frame.seq > 0;
    else if (value.op === 'event') rawSeen++;
  });
  const seqs = new Map([[raw, 0], [spellwire, 0]]);
  const events = (ws) => Array.from({ length: n }, () => {
    const seq = seqs.get(ws) + 1;
    seqs.set(ws, seq);
    return new MessageEvent('message', { data: `{"op":"event","seq":${seq},"type":"tick","data":{"i":${seq}}}` });
  });
  const perMessage = (ws) => {
    const batch = events(ws); // made before the clock starts
    const t0 = performance.now();
    for (const e of batch) ws.dispatchEvent(e);
    return ((performance.now() - t0) * 1000) / n;
  };
  const out = { raw: [], spellwire: [] };
  for (let r = 0; r < rounds + 1; r++) { // round 0 warms the JIT and is dropped
    const order = r % 2 ? ['raw', 'spellwire'] : ['spellwire', 'raw'];
    for (const kind of order) {
      const us = perMessage(kind === 'raw' ? raw : spellwire);
      if (r > 0) out[kind].push(us);
    }
  }
  client.close();
  raw.close();
  return { ...out, delivered, rawSeen, expected: n * (rounds + 1) };
}

/** `{ raw: [µs...], spellwire: [µs...] }` per round, from a fresh page on the bench server at `origin`. */
export async function measureCpu(origin, { n, rounds, persistCursor = false }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
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
    const r = await page.evaluate(measure, [n, rounds, persistCursor]);
    if (r.delivered !== r.expected || r.rawSeen !== r.expected) {
      throw new Error(`expected ${r.expected} events each; spellwire delivered ${r.delivered}, raw saw ${r.rawSeen}`);
    }
    return { raw: r.raw, spellwire: r.spellwire, n, rounds, persistCursor };
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({
    options: {
      n: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '9' },
      'persist-cursor': { type: 'boolean', default: false },
    },
  });
  const server = await startServer();
  try {
    const r = await measureCpu(server.origin, { n: Number(args.n), rounds: Number(args.rounds), persistCursor: args['persist-cursor'] });
    const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const ratios = r.spellwire.map((s, i) => s / r.raw[i]);
    const persist = args['persist-cursor'] ? 'persistCursor: true' : 'persistCursor: false';
    console.log(`CPU per event message, ${args.n} synthetic messages x ${args.rounds} rounds (median; ${persist}):`);
    console.log(`  raw       ${median(r.raw).toFixed(2)} µs   [${r.raw.map((x) => x.toFixed(2)).join(' ')}]`);
    console.log(`  spellwire ${median(r.spellwire).toFixed(2)} µs   [${r.spellwire.map((x) => x.toFixed(2)).join(' ')}]`);
    console.log(`  spellwire / raw, median of per-round ratios: ${median(ratios).toFixed(2)}x`);
  } finally {
    await server.close();
  }
}
