/**
 * The React example (examples/react) as an app outside this repository builds it: pkg/ packed
 * with `npm pack`, the tarball installed, the example type-checked with its own tsconfig (Vite's
 * template, skipLibCheck false), then built by Vite in development mode (React's development
 * build, where StrictMode mounts every component twice), served by a real spellwire-server
 * (--dev --test-hooks) and driven in headless Chromium. Checks (./checks.mjs): one socket per page
 * in StrictMode, events reach the right window once and in order, a window unmounted and mounted
 * again gets what it missed without duplicates, the badge shows reconnects, and a send made
 * offline waits in the outbox (pending 1) and goes out once; a logout then a login as another
 * user leaves one socket, the new user's, and none of the previous user's events. First, without a
 * browser, ./store.mjs checks the Store's channel joins (what useChannel relies on). Run by
 * scripts/test.sh:
 *
 *     node tests/react/run.mjs [FILTER]
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../e2e/server.mjs';
import { launchBrowser, root, until, check, post, uniqueUser } from '../e2e/page.mjs';
import { install, pack, run } from '../bundler/pack.mjs';
import * as checks from './checks.mjs';
import { runStoreChecks } from './store.mjs';

const TEST_TIMEOUT_MS = 45_000;
const work = path.join(root, 'target/react');

/** Installs the tarball into a copy of the example, type-checks and builds it; returns dist/. */
function buildExample() {
  const { tarball } = pack(work);
  const app = install(path.join(root, 'examples/react'), path.join(work, 'react-example'), tarball);
  run('typescript/bin/tsc', ['-p', '.'], app);
  run('vite/bin/vite.js', ['build', '--mode', 'development', '--logLevel', 'warn'], app, { NODE_ENV: 'development' });
  const assets = path.join(app, 'dist/assets');
  const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(assets, f), 'utf8'));
  check(js.some((text) => text.includes('jsxDEV')), 'the example was not built with React\'s development build');
  console.log('ok - examples/react type-checks and builds against the packed tarball (React development build)');
  return path.join(app, 'dist');
}

/** Opens the example for a new user with a token the test knows, once the page has rendered;
 * `params` add to (or override) the query's client options. */
async function openExample(browser, server, prefix, contexts, params = {}) {
  const user = uniqueUser(`react-${prefix}`);
  const { token } = await post(server.url, '/api/login', { user });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const sockets = [];
  page.on('websocket', (ws) => sockets.push(ws));
  const query = new URLSearchParams({ user, token, heartbeatMs: '1000', backoffMs: '200', ...params });
  await page.goto(`${server.url}/?${query}`, { timeout: 10_000 });
  await until(async () => errors.length > 0 || await page.locator('#status').count(), 10_000, 'the app to render');
  check(errors.length === 0, `page errors: ${errors.join('; ')}`);
  return { page, user, token, openSockets: () => sockets.filter((ws) => !ws.isClosed()).length };
}

/** Runs one check with its own browser contexts (closed afterwards), within the timeout. */
async function runOne(fn, browser, server) {
  const contexts = [];
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`took longer than ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn({ server, open: (prefix, params) => openExample(browser, server, prefix, contexts, params) }), timeout]);
  } finally {
    clearTimeout(timer);
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  }
}

const filter = process.argv[2] ?? '';
const storeFailed = filter ? 0 : await runStoreChecks();
const dist = buildExample();
const server = await startServer({ hooks: true, www: dist });
const browser = await launchBrowser();
let failed = 0;
const names = Object.keys(checks).filter((n) => n !== 'cast' && n.includes(filter));
try {
  for (const name of names) {
    try {
      console.log(`ok - ${name}: ${await runOne(checks[name], browser, server)}`);
    } catch (err) {
      failed++;
      console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split('\n').slice(0, 4).join('\n  ')}`);
    }
  }
} finally {
  await browser.close();
  await server.stop();
}
console.log(`${names.length - failed}/${names.length} React example checks passed`);
process.exit(failed || storeFailed || names.length === 0 ? 1 : 0);
