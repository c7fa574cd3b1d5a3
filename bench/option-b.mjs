// Issue 16's option B, built and measured rather than estimated: the package's JavaScript face
// written in JavaScript (bench/option-b/client.js and options.js, with every check and message
// of the Rust face) over a narrow wasm engine (bench/option-b/engine.patch: src/web/engine.rs
// and face.rs, the driver calling the face instead of building objects, promises and listener
// lists; the Rust face's files left out of the build). See bench/option-b/SPEC.md.
//
// The patch is applied to a temporary worktree of HEAD and built exactly as pkg/ is
// (scripts/wasm-build.sh, its own target dir under target/option-b so pkg/'s build is
// untouched); the entry (glue + face) is bundled and minified by esbuild and gzipped -9 like
// every JS figure here. Before its size counts, the build must work from the bench server:
// the same bad-options error as the package, open, a send acked, and bursts of events (one and
// 100 per message) plus a channel's three, every one once and in order.
//
//   node bench/option-b.mjs [--events 1000]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from './browser.mjs';
import { checkBursts } from './floor.mjs';
import { startServer } from './server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = join(ROOT, 'bench', 'option-b');
const FACE = ['client.js', 'options.js', 'index.js'];
/** The start of the package's error for `{ url, queueLimt: 1 }` (tests/web.rs checks the package's). */
const BAD_OPTIONS = 'SpellwireError BadOptions: unknown option queueLimt; known: url, token, autoConnect,';
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const bundle = (entry, external = []) =>
  buildSync({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, external, logLevel: 'error' })
    .outputFiles[0].contents;

/** Builds option B into `out` from a worktree of HEAD with the patch applied; throws with why. */
function build(out) {
  const tree = mkdtempSync(join(tmpdir(), 'spellwire-option-b-'));
  const git = (...args) => execFileSync('git', ['-C', ROOT, ...args], { stdio: 'pipe' });
  git('worktree', 'add', '--detach', '--force', tree, 'HEAD');
  try {
    try {
      execFileSync('git', ['-C', tree, 'apply', join(HERE, 'engine.patch')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`bench/option-b/engine.patch no longer applies to HEAD: ${String(e.stderr).trim()}`);
    }
    const targets = join(ROOT, 'target', 'option-b');
    mkdirSync(targets, { recursive: true });
    symlinkSync(targets, join(tree, 'target'));
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    const kind = execFileSync('bash', [join(tree, 'scripts', 'wasm-build.sh'), tree, out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    for (const f of FACE) copyFileSync(join(HERE, f), join(out, f));
    return kind;
  } finally {
    git('worktree', 'remove', '--force', tree);
  }
}

/** In the page: the checks the header names; resolves what was seen. */
async function exercise(origin, n) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/bench/page.html`); // the origin only: its own script finds no `Client` in this glue
    return await page.evaluate(async ([count]) => {
      const { Client } = await import('/pkg/index.js');
      const url = `${location.origin.replace(/^http/, 'ws')}/ws`;
      let badOptions;
      try { new Client({ url, queueLimt: 1 }); } catch (e) { badOptions = `${e.name} ${e.code}: ${e.message}`; }
      const burst = (batch) => new Promise((resolve, reject) => {
        const got = { batch, received: 0, misordered: 0, channel: 0, channelMisordered: 0, acked: false };
        const client = new Client({ url, persistCursor: false });
        const timer = setTimeout(() => reject(new Error(`option B: ${got.received}/${count} events (batch ${batch}) after 30 s`)), 30_000);
        client.channel('bench:floor', (e) => { got.channel += 1; if (e.seq !== got.channel) got.channelMisordered += 1; });
        client.on('*', (e) => {
          got.received += 1;
          if (e.seq !== got.received) got.misordered += 1;
          if (got.received === count) {
            clearTimeout(timer);
            setTimeout(() => { client.close(); resolve(got); }, 300); // counts any event past the count
          }
        });
        client.send('burst', { n: count, batch }).then((ack) => { got.acked = typeof ack?.id === 'string'; }, reject);
      });
      return { badOptions, bursts: [await burst(1), await burst(100)] };
    }, [n]);
  } finally {
    await browser.close();
  }
}

/** `{ build, wasmGz, entryGz, glueGz, faceGz, gzBytes, events, bursts }`, or `{ skipped }` with why.
 * A build that fails a check throws: its size would mean nothing. */
export async function measureOptionB(events) {
  const out = mkdtempSync(join(tmpdir(), 'spellwire-option-b-pkg-'));
  try {
    let kind;
    try {
      kind = build(out);
    } catch (e) {
      return { skipped: e.message.split('\n')[0] };
    }
    const server = await startServer({ pkgDir: out });
    let seen;
    try {
      seen = await exercise(server.origin, events);
    } finally {
      await server.close();
    }
    if (!seen.badOptions?.startsWith(BAD_OPTIONS)) throw new Error(`option B's bad-options error is not the package's: ${seen.badOptions}`);
    checkBursts('option B', seen.bursts, events);
    const wasmGz = gz(readFileSync(join(out, 'spellwire_bg.wasm')));
    const entryGz = gz(bundle(join(out, 'index.js'), ['*.wasm']));
    const glueGz = gz(bundle(join(out, 'spellwire.js')));
    const faceGz = gz(bundle(join(out, 'client.js')));
    return { build: kind, wasmGz, entryGz, glueGz, faceGz, gzBytes: wasmGz + entryGz, events, bursts: seen.bursts };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' } } });
  console.log(JSON.stringify(await measureOptionB(Number(values.events)), null, 1));
}
