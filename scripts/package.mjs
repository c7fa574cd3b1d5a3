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
//   4. compiles the React binding (js/react.ts, TypeScript) into `spellwire/react`, which alone
//      imports React (an optional peer dependency);
//   5. drops `[Symbol.dispose]` from the .d.ts: the `lib` of Vite's templates (ES2022 + DOM)
//      has no `Symbol.dispose`, and with `skipLibCheck: false` that member fails the user's tsc;
//   6. copies the license files that `license` names, refuses a placeholder repository URL, and
//      writes package.json's entry points (`exports`, with `types` for each).
// Every textual change to wasm-pack's output is checked: a wasm-bindgen whose output looks
// different fails the build instead of shipping a package that cannot load or type-check.
//
//   node scripts/package.mjs [pkg]
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(process.argv[2] ?? 'pkg');
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

/** The `[Symbol.dispose]` members wasm-bindgen declares on each class. */
const DISPOSE = /^ *\[Symbol\.dispose\]\(\): void;\n/gm;

/** Removes `[Symbol.dispose]` from the .d.ts (the method stays in the JS, for `using`). */
function stripDispose() {
  const file = `${dir}/spellwire.d.ts`;
  const types = readFileSync(file, 'utf8');
  const stripped = types.replace(DISPOSE, '');
  if (stripped.includes('Symbol.dispose')) fail(`${file} names Symbol.dispose outside the member removed here`);
  writeFileSync(file, stripped);
}

/** Compiles js/*.ts into `${dir}` (react.js, react.d.ts and the store they import). */
function compileReact() {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) fail("no TypeScript in node_modules: run 'bash scripts/setup.sh' first");
  const tmp = mkdtempSync(path.join(tmpdir(), 'spellwire-tsc-'));
  const config = {
    extends: path.join(root, 'js/tsconfig.json'),
    // Paths of the checked-in tsconfig, made absolute and pointed at `${dir}`.
    compilerOptions: { rootDir: path.join(root, 'js'), rootDirs: [path.join(root, 'js'), dir], outDir: dir },
    files: ['react.ts', 'react-store.ts'].map((f) => path.join(root, 'js', f)),
  };
  writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify(config));
  try {
    execFileSync(process.execPath, [tsc, '-p', tmp], { stdio: 'inherit' });
  } catch {
    fail('tsc could not compile js/react.ts (see above)');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const f of REACT_FILES) if (!existsSync(`${dir}/${f}`)) fail(`tsc wrote no ${dir}/${f}`);
}

const REACT_FILES = ['react.js', 'react.d.ts', 'react-store.js', 'react-store.d.ts'];

/** The file of each SPDX id the `license` expression may name. */
const LICENSE_FILES = { MIT: 'LICENSE-MIT', 'Apache-2.0': 'LICENSE-APACHE' };

/** Copies the license files `license` names; returns their names. */
function copyLicenses(license) {
  const ids = String(license ?? '').split(/\s+OR\s+/);
  return ids.map((id) => {
    const file = LICENSE_FILES[id];
    if (!file) fail(`license ${JSON.stringify(license)}: no license file known for ${JSON.stringify(id)}`);
    copyFileSync(path.join(root, file), `${dir}/${file}`);
    return file;
  });
}

function writePackageJson() {
  const file = `${dir}/package.json`;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.main = 'index.js';
  pkg.module = 'index.js';
  pkg.types = 'index.d.ts';
  pkg.exports = {
    '.': { types: './index.d.ts', default: './index.js' },
    './init': { types: './spellwire.d.ts', default: './spellwire.js' },
    './react': { types: './react.d.ts', default: './react.js' },
    './spellwire_bg.wasm': './spellwire_bg.wasm',
    './package.json': './package.json',
  };
  if (/example\.invalid/.test(JSON.stringify(pkg.repository ?? ''))) fail('package.json names a placeholder repository');
  const licenses = copyLicenses(pkg.license);
  pkg.files = [...new Set([...(pkg.files ?? []), 'index.js', 'index.d.ts', ...REACT_FILES, ...licenses])];
  // React only for spellwire/react; users of the plain API install nothing more.
  pkg.peerDependencies = { react: '>=18', '@types/react': '>=18' };
  pkg.peerDependenciesMeta = { react: { optional: true }, '@types/react': { optional: true } };
  // The main entry initialises the wasm when imported: a bundler must not drop that import.
  pkg.sideEffects = ['./index.js', './snippets/*'];
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
}

guardGlue();
stripDispose();
writeFileSync(`${dir}/index.js`, INDEX_JS);
writeFileSync(`${dir}/index.d.ts`, INDEX_DTS);
compileReact();
writePackageJson();
console.error(`[package] ${dir}/index.js (ready on import), spellwire.js as 'spellwire/init', react.js as 'spellwire/react'`);
