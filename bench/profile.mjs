// Where a client spends its time receiving a burst: a V8 CPU profile (Chrome DevTools Protocol)
// of one delivery in the benchmark page, summarized as the functions with the most self time.
// A tool for whoever optimizes the delivery path; it writes no report.
//
//   node bench/profile.mjs [--kind spellwire] [--n 200000] [--batch 100] [--top 25] [--save FILE.cpuprofile] [--pkg DIR]
//
// For readable wasm function names, serve a build with names kept (the release build in pkg/
// strips them): `node bench/cpu.mjs --profile` builds one into target/profiling-pkg/ (see
// buildProfilingPkg there), then `--pkg target/profiling-pkg` serves it as /pkg/.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS } from './browser.mjs';

/** Self time (µs) per function, largest first: `[key, µs, callFrame]`, the key being
 * `name  file:line`. bench/cpu.mjs --profile folds these rows into its breakdown. */
export function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const { callFrame: f } = byId.get(profile.samples[i]);
    const key = `${f.functionName || '(anonymous)'}  ${f.url.split('/').pop()}:${f.lineNumber + 1}`;
    const row = totals.get(key) ?? [key, 0, f];
    row[1] += profile.timeDeltas[i] ?? 0;
    totals.set(key, row);
  }
  return [...totals.values()].sort((a, b) => b[1] - a[1]);
}

/** A V8 CPU profile (Chrome DevTools Protocol) of whatever `run()` makes the page do. */
export async function profileOf(page, run, intervalUs = 100) {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
    await cdp.send('Profiler.start');
    const result = await run();
    const { profile } = await cdp.send('Profiler.stop');
    return { profile, result };
  } finally {
    await cdp.detach();
  }
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      kind: { type: 'string', default: 'spellwire' },
      n: { type: 'string', default: '200000' },
      batch: { type: 'string', default: '100' },
      top: { type: 'string', default: '25' },
      save: { type: 'string' },
      pkg: { type: 'string' },
    },
  });
  const server = await startServer({ pkgDir: args.pkg });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/bench/page.html`);
    await page.waitForFunction(() => window.bench);
    const [kind, n, batch] = [args.kind, Number(args.n), Number(args.batch)];
    await page.evaluate(([k, b]) => window.bench.deliver(k, 2000, b), [kind, batch]); // warm-up
    const deliver = () => page.evaluate(([k, n_, b]) => window.bench.deliver(k, n_, b), [kind, n, batch]);
    const { profile, result: res } = await profileOf(page, deliver);
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
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
