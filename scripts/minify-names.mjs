// Shortens the names by which pkg/'s JS glue and wasm module find each other.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and every closure export after
// its full Rust type (300 characters for one of them). Each name is written twice, in the wasm
// and in the glue, and the hex digits do not compress: together about 2.5 KB of the gzipped
// package. binaryen's `--minify-imports-and-exports-and-modules` renames them in the wasm and
// prints the mapping; this script applies the same mapping to the glue, then checks that the
// glue names exactly what the new module imports and exports, and fails the build otherwise
// (a wasm-bindgen whose glue looks different must not ship a package that cannot load).
//
//   node scripts/minify-names.mjs [pkg]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'pkg';
const wasmPath = `${dir}/spellwire_bg.wasm`;
const gluePath = `${dir}/spellwire.js`;
const typesPath = `${dir}/spellwire_bg.wasm.d.ts`;
const dtsPath = `${dir}/spellwire.d.ts`;

const fail = (why) => {
  console.error(`[minify-names] ${why}`);
  process.exit(1);
};
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const before = new WebAssembly.Module(readFileSync(wasmPath));
const modules = new Set(WebAssembly.Module.imports(before).map((i) => i.module));
if (modules.size !== 1) fail(`expected one import module, found ${[...modules].join(', ')}`);
const [oldModule] = modules;

const printed = execFileSync(
  'wasm-opt',
  [wasmPath, '--minify-imports-and-exports-and-modules', '-o', wasmPath],
  { encoding: 'utf8' },
);
const map = JSON.parse(printed.slice(printed.indexOf('{')));
const after = new WebAssembly.Module(readFileSync(wasmPath));
const [newModule] = new Set(WebAssembly.Module.imports(after).map((i) => i.module));

let glue = readFileSync(gluePath, 'utf8');
let types = readFileSync(typesPath, 'utf8');
let dts = readFileSync(dtsPath, 'utf8');
const replaceAll = (text, pattern, to, what) => {
  const re = new RegExp(pattern, 'g');
  if (!re.test(text)) fail(`the glue has no ${what}`);
  return text.replace(re, to);
};
// Imports are keys of the imports object: `name: function(`.
for (const [, from, to] of map.imports) {
  glue = replaceAll(glue, `(?<![\\w$])${escape(from)}(?=: function\\()`, to, `import ${from}`);
}
// Exports are read as `wasm.name` (some, such as `__abort_handler`, not at all); the .d.ts of
// the raw module lists them as `export const name`, spellwire.d.ts's `InitOutput` (what
// `init()` returns) as `readonly name:`.
const initOutput = /export interface InitOutput \{[^}]*\}/;
let exportsType = dts.match(initOutput)?.[0] ?? fail('spellwire.d.ts has no InitOutput');
for (const [from, to] of map.exports) {
  glue = glue.replace(new RegExp(`(?<=\\bwasm\\.)${escape(from)}(?![\\w$])`, 'g'), to);
  types = types.replace(new RegExp(`(?<=export const )${escape(from)}(?=:)`, 'g'), to);
  exportsType = exportsType.replace(new RegExp(`(?<=readonly )${escape(from)}(?=:)`, 'g'), to);
}
dts = dts.replace(initOutput, exportsType);
glue = replaceAll(glue, `"${escape(oldModule)}": import0`, `"${newModule}": import0`, 'imports object');

// What the glue now names must be exactly what the module has.
const keys = new Set([...glue.matchAll(/^ {8}([\w$]+): function\(/gm)].map((m) => m[1]));
const imported = WebAssembly.Module.imports(after).map((i) => i.name);
const missing = imported.filter((n) => !keys.has(n));
if (missing.length) fail(`the glue does not provide ${missing.join(', ')}`);
const exported = new Set(WebAssembly.Module.exports(after).map((e) => e.name));
const used = [...new Set([...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]))];
const unknown = used.filter((n) => !exported.has(n));
if (unknown.length) fail(`the glue reads exports the module lacks: ${unknown.join(', ')}`);

writeFileSync(gluePath, glue);
writeFileSync(typesPath, types);
writeFileSync(dtsPath, dts);
console.error(`[minify-names] ${map.imports.length} imports and ${map.exports.length} exports renamed`);
