/**
 * Playwright tests of the demo page (www/) against real `spellwire-server` processes on free
 * loopback ports. Run by scripts/test.sh after it built pkg/ and the server:
 *
 *     node tests/e2e/run.mjs [FILTER]
 *
 * Prints one line per test, saves screenshots under tests/artifacts/ (test 2 also writes
 * docs/demo.png), and exits non-zero when any test fails. Every wait is bounded.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './server.mjs';
import { launchBrowser, openDemo, uniqueUser, root } from './page.mjs';

const TEST_TIMEOUT_MS = 45_000;

/**
 * What each test gets.
 * @typedef {object} Ctx
 * @property {import('./server.mjs').Server} server  the shared server (with test hooks)
 * @property {(params?: Record<string, string|number>, server?: import('./server.mjs').Server) => Promise<import('playwright-core').Page>} open
 * @property {(path: string) => Promise<import('playwright-core').Page>} blank  a fresh page at a non-demo path of the shared server (nothing loaded, nothing initialised)
 * @property {(opts?: Parameters<typeof startServer>[0]) => Promise<import('./server.mjs').Server>} startServer  stopped after the test
 * @property {(prefix: string) => string} user  a unique user name
 */

const dir = path.join(root, 'tests/e2e/cases');
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.mjs') && f.includes(filter)).sort();

const server = await startServer();
const browser = await launchBrowser();
let failed = 0;
const started = Date.now();
try {
  for (const file of files) {
    const test = await import(path.join(dir, file));
    const no = file.split('-')[0];
    const t0 = Date.now();
    try {
      const detail = await runOne(test.run);
      console.log(`ok ${no} - ${test.name} (${secs(t0)})${detail ? `: ${detail}` : ''}`);
    } catch (err) {
      failed++;
      console.log(`not ok ${no} - ${test.name} (${secs(t0)})\n  ${String(err?.stack ?? err).split('\n').slice(0, 4).join('\n  ')}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`${files.length - failed}/${files.length} demo tests passed in ${secs(started)}`);
process.exit(failed || files.length === 0 ? 1 : 0);

/** Runs one test with its own contexts and servers, all closed afterwards, within the timeout. */
async function runOne(fn) {
  const contexts = [];
  const servers = [];
  /** @type {Ctx} */
  const ctx = {
    server,
    user: uniqueUser,
    async open(params, target = server) {
      const page = await openDemo(browser, target.url, params);
      contexts.push(page.context());
      return page;
    },
    async blank(p) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(server.url + p, { timeout: 10_000 });
      return page;
    },
    async startServer(opts) {
      const s = await startServer(opts);
      servers.push(s);
      return s;
    },
  };
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`test took longer than ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn(ctx), timeout]);
  } finally {
    clearTimeout(timer);
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/** @param {number} t0 */
function secs(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
