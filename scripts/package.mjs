// Turns wasm-pack's output in pkg/ into the npm package users import.
//
// wasm-pack's `--target web` module must be initialised with `await init()` before anything in
// it works, and used too early it fails with a riddle from the minified glue ("Cannot read
// properties of undefined (reading 'xa')"). This script:
//   1. adds `index.js`, the package's main entry: it initialises the wasm on import (top-level
//      await, which Vite and webpack 5 accept), then re-exports the API, so
//      `import { Client } from 'spellwire'` is ready to use;
//   2. keeps the raw module as the subpath `spellwire/init`, for pages that load the wasm from
//      elsewhere (a CDN path, a service worker) with `await init(url)`;
//   3. makes the raw module, used before `init()`, throw a SpellwireError (code `NotReady`)
//      that says what to call, instead of reading a property of `undefined`;
//   4. writes package.json's entry points (`exports`, with `types` for each).
// Every textual change to the glue is checked: a wasm-bindgen whose glue looks different fails
// the build instead of shipping a package that cannot load.
//
//   node scripts/package.mjs [pkg]
import { readFileSync, writeFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'pkg';
const fail = (why) => {
  console.error(`[package] ${why}`);
  process.exit(1);
};

/** The message of the error the raw module throws when used before `init()`. */
const NOT_READY =
  "spellwire is not initialised yet: import { Client } from 'spellwire' (it initialises itself), "
  + "or call `await init()` from 'spellwire/init' before using Client";

// Until init() replaces it, `wasm` is an object whose every property read throws the error.
const WASM_DECL = 'let wasmModule, wasmInstance, wasm;';
const GUARD = `const __spellwireNotReady = new Proxy({}, { get() {
  const e = new Error(${JSON.stringify(NOT_READY)});
  e.name = 'SpellwireError'; e.code = 'NotReady';
  throw e;
} });
let wasmModule, wasmInstance, wasm = __spellwireNotReady;`;

/** Replaces each `[from, to]` exactly `count` times in `text`, or fails naming the pattern. */
function replaceChecked(text, from, to, count) {
  const found = text.split(from).length - 1;
  if (found !== count) fail(`expected ${count} of ${JSON.stringify(from)} in the glue, found ${found}`);
  return text.split(from).join(to);
}

function guardGlue() {
  const path = `${dir}/spellwire.js`;
  let glue = readFileSync(path, 'utf8');
  if (glue.includes('__spellwireNotReady')) return; // already packaged
  glue = replaceChecked(glue, WASM_DECL, GUARD, 1);
  // init() and initSync() return early once initialised; "initialised" now means "not the guard".
  glue = replaceChecked(glue, 'if (wasm !== undefined) return wasm;', 'if (wasm !== __spellwireNotReady) return wasm;', 2);
  writeFileSync(path, glue);
}

const INDEX_JS = `// The package's main entry: initialises the wasm on import, then re-exports the API.
// Pages that load the wasm from elsewhere import 'spellwire/init' and call init(url) instead.
import init from './spellwire.js';

await init({ module_or_path: new URL('./spellwire_bg.wasm', import.meta.url) });

export * from './spellwire.js';
export { default as init, initSync } from './spellwire.js';
`;

const INDEX_DTS = `// The package's main entry: ready to use on import (the wasm is initialised by the import).
export * from './spellwire.js';
export { default as init, initSync } from './spellwire.js';
`;

function writePackageJson() {
  const path = `${dir}/package.json`;
  const pkg = JSON.parse(readFileSync(path, 'utf8'));
  pkg.main = 'index.js';
  pkg.module = 'index.js';
  pkg.types = 'index.d.ts';
  pkg.exports = {
    '.': { types: './index.d.ts', default: './index.js' },
    './init': { types: './spellwire.d.ts', default: './spellwire.js' },
    './spellwire_bg.wasm': './spellwire_bg.wasm',
    './package.json': './package.json',
  };
  pkg.files = [...new Set([...(pkg.files ?? []), 'index.js', 'index.d.ts'])];
  // The main entry initialises the wasm when imported: a bundler must not drop that import.
  pkg.sideEffects = ['./index.js', './snippets/*'];
  writeFileSync(path, JSON.stringify(pkg, null, 2) + '\n');
}

guardGlue();
writeFileSync(`${dir}/index.js`, INDEX_JS);
writeFileSync(`${dir}/index.d.ts`, INDEX_DTS);
writePackageJson();
console.error(`[package] ${dir}/index.js (ready on import), ${dir}/spellwire.js as 'spellwire/init'`);
