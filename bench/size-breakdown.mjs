// Where pkg/'s wasm bytes go (issue 16's option B itself is built and measured by bench/option-b.mjs).
//
// pkg/'s module has no names. The release build leaves rustc's own module (with its name
// section) in target/immediate-abort; this runs wasm-bindgen (--keep-debug) and wasm-opt -Oz -g
// on it, as the build does but keeping names, then sums the code section's function bodies by
// what they do (PARTS). A part's share of the named module's bytes, times pkg/'s gzipped wasm,
// estimates its gzipped size (compression is not uniform: a rough figure).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { functionSizes } from './wasm-sizes.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RAW = join(ROOT, 'target/immediate-abort/wasm32-unknown-unknown/release/spellwire.wasm');
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** What each function is for, by its Rust path; the first match wins. `face`: the JS face. */
export const PARTS = [
  { part: 'export shims: one per JS method and getter (wasm-bindgen)', face: true, re: /shim|^client_/ },
  { part: '`web::client`: the `Client` methods (constructor, on, send, channel, state, stats, …)', face: true, re: /web::client/ },
  { part: '`web::js_options`: options read from the JS object and checked', face: true, re: /web::js_options/ },
  { part: '`web::{fields, convert, dispatch, promise, encode}`: JS objects, listener registry, promises', face: true, re: /web::(fields|convert|dispatch|promise|encode|typescript|rust_api)/ },
  { part: '`web::{token, storage}`: token function, sessionStorage cursor', face: true, re: /web::(token|storage)/ },
  { part: '`web::driver`: the loop (the core inlined into `feed`), outputs carried out', face: false, re: /web::driver/ },
  { part: '`web::decode`: frames from JSON', face: false, re: /web::decode/ },
  { part: '`web::{http, socket, listeners}`: the two transports, window listeners', face: false, re: /web::(http|socket|listeners)/ },
  { part: '`spellwire::core`, `protocol` (what was not inlined)', face: false, re: /spellwire\[[0-9a-f]+\]::(core|protocol)/ },
  { part: 'Rust runtime: alloc, core, the talc allocator, drops', face: false, re: /^<?(alloc|core|talc|compiler_builtins|std|__rustc)\[|drop_in_place|RawVec|Vec</ },
  { part: 'wasm-bindgen, js-sys, web-sys, gloo', face: false, re: /wasm_bindgen|js_sys|web_sys|gloo|__wbindgen|__externref/ },
];

function tool(name) {
  const local = join(ROOT, 'node_modules/.bin', name);
  return existsSync(local) ? local : name;
}

const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals'];

/** The release build with names kept, as a package directory `dir` (glue, snippets and
 * `spellwire_bg.wasm`) that the bench server can serve: rustc's output in target/immediate-abort
 * (scripts/build.sh makes it) through wasm-bindgen --keep-debug and wasm-opt -Oz -g. The size
 * breakdown reads its module; `node bench/cpu.mjs --profile` serves it, so a profile names the
 * functions of the code that ships. Returns the module's bytes. */
export function buildNamed(dir) {
  if (!existsSync(RAW)) throw new Error(`no ${RAW} (scripts/build.sh makes it)`);
  execFileSync('wasm-bindgen', ['--target', 'web', '--keep-debug', '--out-dir', dir, RAW], { stdio: 'ignore' });
  const wasm = join(dir, 'spellwire_bg.wasm');
  execFileSync(tool('wasm-opt'), ['-Oz', '-g', wasm, '-o', wasm, ...FEATURES], { stdio: 'ignore' });
  return readFileSync(wasm);
}

/** `{ parts, codeBytes, moduleBytes, top }` or `{ skipped }`. `pkgWasmGz`: pkg/'s wasm, gzipped;
 * `dir`: where the named build goes (a servable package dir the caller may reuse, and removes). */
export function measureBreakdown(pkgWasmGz, dir) {
  if (!existsSync(RAW)) return { skipped: `no ${RAW} (scripts/build.sh makes it)` };
  const pkgWasm = join(ROOT, 'pkg/spellwire_bg.wasm');
  if (Math.abs(statSync(RAW).mtimeMs - statSync(pkgWasm).mtimeMs) > 600_000) {
    return { skipped: "rustc's module and pkg/'s wasm were not built together (more than 10 minutes apart)" };
  }
  try {
    const bytes = buildNamed(dir);
    // The named module without its name section, for the share of each part.
    const stripped = join(dir, 'stripped.wasm');
    execFileSync(tool('wasm-opt'), [join(dir, 'spellwire_bg.wasm'), '--strip-debug', '-o', stripped, ...FEATURES], { stdio: 'ignore' });
    const moduleBytes = readFileSync(stripped).length;
    const fns = functionSizes(bytes);
    const codeBytes = fns.reduce((a, f) => a + f.size, 0);
    const parts = PARTS.map((p) => ({ part: p.part, face: p.face, bytes: 0 }));
    let other = 0;
    for (const f of fns) {
      const i = PARTS.findIndex((p) => p.re.test(f.name));
      if (i < 0) other += f.size;
      else parts[i].bytes += f.size;
    }
    parts.push({ part: 'other functions', face: false, bytes: other });
    parts.push({ part: 'data, imports, exports, types, tables (not code)', face: false, bytes: moduleBytes - codeBytes });
    for (const p of parts) p.gzEstimate = (p.bytes / moduleBytes) * pkgWasmGz;
    const top = [...fns].sort((a, b) => b.size - a.size).slice(0, 8)
      .map((f) => ({ size: f.size, name: f.name.replace(/\[[0-9a-f]{16}\]/g, '') }));
    return { parts, codeBytes, moduleBytes, top };
  } catch (e) {
    return { skipped: `the named build failed: ${e.message.split('\n')[0]}` };
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = mkdtempSync(join(tmpdir(), 'spellwire-sizes-'));
  try {
    console.log(JSON.stringify(measureBreakdown(gz(readFileSync(join(ROOT, 'pkg/spellwire_bg.wasm'))), dir), null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
