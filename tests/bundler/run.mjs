/**
 * The npm package as users get it: `npm pack` of pkg/ (checked: both entry points with their
 * types, the README, the license files `license` names, React an optional peer), installed into
 *   - a Vite app that imports the plain API the short way (no init()): its bundle holds no React;
 *   - a webpack app on `spellwire/react` (provider, connection state, one event type);
 *   - a TypeScript project that type-checks every entry point by package name (exports' `types`,
 *     the lib of Vite's templates, skipLibCheck false);
 * each app built, served by a real spellwire-server (--dev) and opened in headless Chromium.
 * Run by scripts/test.sh after pkg/ and the server are built:
 *
 *     node tests/bundler/run.mjs
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../e2e/server.mjs';
import { launchBrowser, root, until, check, post } from '../e2e/page.mjs';
import { install, pack, readAll, run } from './pack.mjs';

const here = path.join(root, 'tests/bundler');
const work = path.join(root, 'target/bundler');

/** What the tarball must hold besides the wasm and its glue. @param {string[]} files */
function checkContents(files) {
  const want = ['package.json', 'README.md', 'index.js', 'index.d.ts', 'spellwire.d.ts', 'react.js', 'react.d.ts'];
  const missing = want.filter((f) => !files.includes(f));
  check(missing.length === 0, `the tarball lacks ${missing.join(', ')}: ${files.join(', ')}`);
}

/** The installed package.json: exports with types, licenses, optional React. @param {string} app */
function checkManifest(app) {
  const dir = path.join(app, 'node_modules/spellwire');
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  for (const entry of ['.', './init', './react']) {
    const types = pkg.exports[entry]?.types;
    check(types && readdirSync(dir).includes(types.slice(2)), `exports["${entry}"] has no types file: ${types}`);
  }
  check(pkg.license === 'MIT OR Apache-2.0', `license: ${pkg.license}`);
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) check(readdirSync(dir).includes(f), `no ${f} in the package`);
  check(!JSON.stringify(pkg).includes('example.invalid'), 'a placeholder URL in package.json');
  check(pkg.peerDependenciesMeta?.react?.optional === true, 'react is not an optional peer dependency');
  return `exports ${Object.keys(pkg.exports).join(' ')}; license ${pkg.license}`;
}

/** Builds the Vite app; its bundle must carry the wasm and no React. @returns {string} dist */
function buildVite() {
  const app = install(path.join(here, 'vite-app'), path.join(work, 'vite-app'), tarball);
  run('vite/bin/vite.js', ['build', '--logLevel', 'warn'], app);
  const assets = path.join(app, 'dist/assets');
  const names = readdirSync(assets);
  check(names.some((f) => f.endsWith('.wasm')), `vite build emitted no .wasm asset: ${names.join(', ')}`);
  check(!readAll(assets, names).includes('Symbol.for("react.'), 'the plain API bundle contains React');
  console.log(`ok - Vite build of the plain API: ${names.join(', ')}, no React`);
  return path.join(app, 'dist');
}

/** Builds the webpack app; it must emit the wasm. @returns {string} the app (index.html + dist/) */
function buildWebpack() {
  const app = install(path.join(here, 'webpack-app'), path.join(work, 'webpack-app'), tarball);
  run('webpack-cli/bin/cli.js', ['--config', 'webpack.config.js', '--stats', 'errors-warnings'], app);
  const names = readdirSync(path.join(app, 'dist'));
  check(names.some((f) => f.endsWith('.wasm')), `webpack emitted no .wasm asset: ${names.join(', ')}`);
  console.log(`ok - webpack build of spellwire/react: ${names.join(', ')}`);
  return app;
}

/** Opens `www` on a fresh server; resolves once `ready` holds in the page, then runs `more`. */
async function openApp(browser, www, what, ready, more = async () => {}) {
  const server = await startServer({ hooks: false, www });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/', { timeout: 10_000 });
    await until(async () => errors.length > 0 || await page.evaluate(ready), 10_000, `${what} to connect`);
    check(errors.length === 0, `${what}: page errors: ${errors.join('; ')}`);
    await more(page, server);
    await page.close();
  } finally {
    await server.stop();
  }
}

/** The webpack page shows an event the server sends to its user. */
async function webpackEvent(page, server) {
  const user = await page.evaluate(() => window.bundlerTest.user);
  await post(server.url, '/api/notify', { user, type: 'note', data: { text: 'from the server' } });
  await until(async () => (await page.locator('#note').innerText()) === 'from the server', 5000, 'the note event');
}

const { tarball, files } = pack(work);
checkContents(files);
const viteDist = buildVite();
const webpackApp = buildWebpack();
const typesApp = install(path.join(here, 'types-app'), path.join(work, 'types-app'), tarball);
console.log(`ok - the tarball: ${checkManifest(typesApp)}`);
run('typescript/bin/tsc', ['-p', '.'], typesApp);
console.log("ok - tsc --strict of 'spellwire', 'spellwire/init' and 'spellwire/react' by package name");
const browser = await launchBrowser();
try {
  await openApp(browser, viteDist, 'the Vite app', () => window.client?.state === 'open');
  console.log('ok - the Vite build connects without init()');
  const open = () => document.getElementById('state')?.textContent === 'open';
  await openApp(browser, webpackApp, 'the webpack app', open, webpackEvent);
  console.log('ok - the webpack build renders the connection state and an event through spellwire/react');
} finally {
  await browser.close();
}
