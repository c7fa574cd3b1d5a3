// Page load → open: the time from a page's navigation start to its client's `open` state
// (spellwire: `state` → `open`, after the wasm is fetched, compiled and initialised and the
// `hello` answered; socket.io-client: `connect`), read as `performance.now()` in the page,
// whose origin is the navigation start. Each load is a fresh browser context (no cache; the
// bench server also says no-store), on the bench server that serves both pages and answers both
// protocols. Both libraries come as esbuild bundles, minified, built by the bench server at start
// (spellwire's package entry with its .wasm beside it, as a bundler ships it). The kinds
// alternate load by load, in an order rotated each round. `spellwire-preload` is the same page
// with the README's `<link rel="preload">` for the .wasm, which lets the browser fetch it while
// the JS loads instead of after; each of its loads must have fetched the .wasm once (the hint
// used, not a second request).
import { CHROMIUM_ARGS } from './browser.mjs';
import { chromium } from 'playwright-core';

export const LOAD_KINDS = ['spellwire', 'spellwire-preload', 'socketio'];

/** `{ ready, open }`: ms from navigation start to the page's module having run (its imports
 * evaluated; spellwire's wasm initialised) and to open, for one fresh load of `kind`'s page. */
async function loadOnce(browser, origin, kind) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/bench/load-${kind}.html`);
    await page.waitForFunction(() => window.loadOpen !== undefined, null, { timeout: 15_000 }).catch(() => {
      throw new Error(`${kind}: no open in 15 s${errors.length ? `: ${errors.join('; ')}` : ''}`);
    });
    const { open, ready, wasmFetches } = await page.evaluate(() => ({
      open: window.loadOpen, ready: window.loadReady,
      wasmFetches: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length,
    }));
    if (kind.startsWith('spellwire') && wasmFetches !== 1) throw new Error(`${kind}: the .wasm was fetched ${wasmFetches} times`);
    return { open, ready };
  } finally {
    await context.close();
  }
}

/** { runs: { spellwire: [{ ready, open }...], 'spellwire-preload': [...], socketio: [...] }, rounds }:
 * `rounds` loads of each after one warm-up each. Each round loads every kind once, so index i of
 * every kind's list is round i's load (bench/report.mjs pairs them round by round). */
export async function measureLoad(origin, rounds) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    for (const kind of LOAD_KINDS) await loadOnce(browser, origin, kind); // warm-up, discarded
    const runs = Object.fromEntries(LOAD_KINDS.map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      const order = LOAD_KINDS.map((_, i) => LOAD_KINDS[(i + r) % LOAD_KINDS.length]);
      for (const kind of order) runs[kind].push(await loadOnce(browser, origin, kind));
    }
    return { runs, rounds };
  } finally {
    await browser.close();
  }
}
