// The size floor (bench/floor): spellwire's own sans-IO core behind the barest Rust browser
// shell. scripts/bench.sh builds it exactly as pkg/ is (scripts/wasm-build.sh, into
// target/floor/pkg); this measures it as pkg/ is measured (scripts/size.mjs's pkgSize), so the
// report can say how far the size goals are from the design itself.
//
// Before its size counts, the floor must work: in headless Chromium it connects to the bench
// server, joins a channel and asks for a burst, once one event per message and once batched
// (the arrays replays come in), and must deliver every event once, in order, each time, and the
// channel's three events once, in order.
//
// The package's HTTP link is JavaScript (an inline module of src/web/http.rs), not Rust the
// floor could share: it is weighed here on its own (minified, gzip -9), so the floor plus it is
// the core with every feature of the package behind the barest shell.
//
//   node bench/floor.mjs [--events N]   checks and prints the floor scripts/bench.sh built
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.mjs';
import { FLOOR_DIR, startServer } from './server.mjs';
import { pkgSize } from '../scripts/size.mjs';

/** In the browser: a fresh Floor per burst asks the bench server for `n` events, `batch` per
 * message; resolves what each burst delivered, counted until 300 ms after the n-th event. */
async function deliver(origin, n, batches) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/bench/page.html`);
    return await page.evaluate(async ([wsUrl, count, sizes]) => {
      const { default: init, Floor } = await import('/floor/pkg/spellwire.js');
      await init();
      const burst = (batch) => new Promise((resolve, reject) => {
        const got = { batch, received: 0, misordered: 0, channel: 0, channelMisordered: 0 };
        const timer = setTimeout(() => reject(new Error(`floor: ${got.received}/${count} events (batch ${batch}) after 30 s`)), 30_000);
        // Held until the burst is over and then freed: a Floor the page no longer references is
        // garbage, and its finalizer would close the socket in the middle of the burst.
        const floor = new Floor(wsUrl, '', (event) => {
          if (event.channel === 'bench:floor') {
            got.channel += 1;
            if (event.seq !== got.channel) got.channelMisordered += 1;
            return;
          }
          got.received += 1;
          if (event.seq !== got.received) got.misordered += 1;
          if (got.received === count) {
            clearTimeout(timer);
            setTimeout(() => { floor.free(); resolve(got); }, 300); // counts any event past the count
          }
        });
        floor.join('bench:floor'); // the bench server answers with `subscribed` and events 1..3
        floor.send('burst', { n: count, batch });
      });
      const results = [];
      for (const batch of sizes) results.push(await burst(batch));
      return results;
    }, [`${origin.replace('http', 'ws')}/ws`, n, batches]);
  } finally {
    await browser.close();
  }
}

/** Throws unless each burst delivered `events` events and the channel's 3, each once and in
 * order (and, where a burst records it, its send acked): a build failing this weighs nothing. */
export function checkBursts(what, bursts, events) {
  for (const b of bursts) {
    if (b.received !== events || b.misordered || b.channel !== 3 || b.channelMisordered || b.acked === false) {
      throw new Error(`${what} delivered ${b.received}/${events} (batch ${b.batch}), ${b.misordered} out of order; `
        + `channel: ${b.channel}/3, ${b.channelMisordered} out of order${'acked' in b ? `; acked ${b.acked}` : ''}`);
    }
  }
}

/** The package's HTTP link (the pkg/ snippet that defines `httpOpen`): `{ min, gz }` bytes. */
export function httpLinkSize(root = '') {
  const dir = `${root}pkg/snippets/`;
  const files = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).map((f) => dir + f);
  const file = files.find((f) => readFileSync(f, 'utf8').includes('function httpOpen'));
  if (!file) throw new Error(`no snippet in ${dir} defines httpOpen`);
  const min = buildSync({ entryPoints: [file], format: 'esm', minify: true, write: false, logLevel: 'error' }).outputFiles[0].contents;
  return { min: min.length, gz: gzipSync(min, { level: 9 }).length };
}

/** `{ build, parts, gzBytes, events, bursts, httpLink }`, or `{ skipped }` when there is no floor to
 * measure. A floor that does not deliver every event once, in order, throws: its size would
 * mean nothing. */
export async function measureFloor(events) {
  if (process.env.BENCH_FLOOR_BUILD_FAILED) return { skipped: 'bench/floor did not build' };
  if (!existsSync(`${FLOOR_DIR}pkg/spellwire_bg.wasm`)) return { skipped: 'bench/floor is not built (scripts/bench.sh builds it)' };
  const build = readFileSync(`${FLOOR_DIR}build.txt`, 'utf8').trim();
  const parts = pkgSize(FLOOR_DIR);
  const server = await startServer();
  try {
    const bursts = await deliver(server.origin, events, [1, 100]);
    checkBursts('floor', bursts, events);
    return { build, parts, gzBytes: parts.wasmGz + parts.glueGz, events, bursts, httpLink: httpLinkSize() };
  } finally {
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' } } });
  console.log(await measureFloor(Number(values.events)));
}
