// Where a client spends its time receiving a burst: a V8 CPU profile (Chrome DevTools Protocol)
// of one delivery in the benchmark page, summarized as the functions with the most self time.
// A tool for whoever optimizes the delivery path; it writes no report.
//
//   node bench/profile.mjs [--kind spellwire] [--n 200000] [--batch 100] [--top 25] [--save FILE.cpuprofile]
//
// For readable wasm function names, build pkg/ with names kept: `wasm-pack build --profiling
// --target web --out-name spellwire` (the release build strips them).
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS } from './browser.mjs';

const { values: args } = parseArgs({
  options: {
    kind: { type: 'string', default: 'spellwire' },
    n: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '100' },
    top: { type: 'string', default: '25' },
    save: { type: 'string' },
  },
});

/** Self time per function (name, url, line), largest first. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = byId.get(profile.samples[i]);
    const key = `${f.functionName || '(anonymous)'}  ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

const server = await startServer();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.goto(`${server.origin}/bench/page.html`);
  await page.waitForFunction(() => window.bench);
  const [kind, n, batch] = [args.kind, Number(args.n), Number(args.batch)];
  await page.evaluate(([k, b]) => window.bench.deliver(k, 2000, b), [kind, batch]); // warm-up
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const res = await page.evaluate(([k, n_, b]) => window.bench.deliver(k, n_, b), [kind, n, batch]);
  const { profile } = await cdp.send('Profiler.stop');
  if (args.save) writeFileSync(args.save, JSON.stringify(profile));
  const rows = selfTimes(profile);
  const total = rows.reduce((s, [, us]) => s + us, 0);
  console.log(`${kind}: ${n} events, batch ${batch}: ${Math.round(res.eventsPerSec)} events/s (${res.ms.toFixed(0)} ms)`);
  for (const [name, us] of rows.slice(0, Number(args.top))) {
    console.log(`${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
} finally {
  await browser.close();
  await server.close();
}
