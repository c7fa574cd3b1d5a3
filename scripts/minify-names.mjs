// Shortens the names by which pkg/'s JS glue and wasm module find each other.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and every closure export after
// its full Rust type (300 characters for one of them). Each name is written twice, in the wasm
// and in the glue, and the hex digits do not compress: together about 3 KB of the gzipped
// package. binaryen's `--minify-imports-and-exports-and-modules` renames them in the wasm (and
// folds every import module, the glue's and the inline_js snippets', into one); this script
// applies the same renaming to the glue, then checks that the glue names exactly what the new
// module imports and exports, and fails the build otherwise (a wasm-bindgen whose glue looks
// different must not ship a package that cannot load).
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

const GLUE_MODULE = './spellwire_bg.js'; // the imports the glue defines itself, as `import0`
const imports = (path) => WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(path)));
const before = imports(wasmPath);
if (!before.some((i) => i.module === GLUE_MODULE)) fail(`no imports from ${GLUE_MODULE}`);

const printed = execFileSync(
  'wasm-opt',
  [wasmPath, '--minify-imports-and-exports-and-modules', '-o', wasmPath],
  { encoding: 'utf8' },
);
const map = JSON.parse(printed.slice(printed.indexOf('{')));
// The pass keeps the imports in order, so old and new pair up by position; it gives every
// import the same new module name.
const after = imports(wasmPath);
const modules = new Set(after.map((i) => i.module));
if (after.length !== before.length || modules.size !== 1) fail('unexpected imports after renaming');
const [newModule] = modules;
const renamed = before.map((old, i) => ({ module: old.module, from: old.name, to: after[i].name }));
const pairedAsPrinted = map.imports.every(([module, from, to]) =>
  renamed.some((r) => r.module === module && r.from === from && r.to === to));
if (!pairedAsPrinted) fail('the printed mapping does not match the imports paired by position');

let glue = readFileSync(gluePath, 'utf8');
let types = readFileSync(typesPath, 'utf8');
let dts = readFileSync(dtsPath, 'utf8');
const replaceAll = (text, pattern, to, what) => {
  const re = new RegExp(pattern, 'g');
  if (!re.test(text)) fail(`the glue has no ${what}`);
  return text.replace(re, to);
};
// The glue's own imports are keys of `import0`: `name: function(`. Imports from a snippet
// module (inline_js) come from its namespace object, `importN`: they become keys of `import0`
// too, under their new names, since the module now asks for one module only.
const fromSnippets = [];
for (const { module, from, to } of renamed) {
  if (module === GLUE_MODULE) {
    glue = replaceAll(glue, `(?<![\\w$])${escape(from)}(?=: function\\()`, to, `import ${from}`);
  } else {
    const ns = glue.match(new RegExp(`"${escape(module)}": (import\\d+),`))?.[1] ?? fail(`no namespace for ${module}`);
    fromSnippets.push(`${to}: ${ns}.${from}`);
  }
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
// The returned imports object: one module, `import0` with the snippets' functions added.
glue = replaceAll(
  glue,
  `\\n( *)"${escape(GLUE_MODULE)}": import0,(\\n *"[^"]+": import\\d+,)*`,
  `\n$1"${newModule}": Object.assign(import0, { ${fromSnippets.join(', ')} }),`,
  'imports object',
);

// What the glue now names must be exactly what the module has.
const keys = new Set([...glue.matchAll(/^ {8}([\w$]+): function\(/gm)].map((m) => m[1]));
for (const entry of fromSnippets) keys.add(entry.split(':')[0]);
const imported = after.map((i) => i.name);
const missing = imported.filter((n) => !keys.has(n));
if (missing.length) fail(`the glue does not provide ${missing.join(', ')}`);
const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmPath))).map((e) => e.name));
const used = [...new Set([...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]))];
const unknown = used.filter((n) => !exported.has(n));
if (unknown.length) fail(`the glue reads exports the module lacks: ${unknown.join(', ')}`);

writeFileSync(gluePath, glue);
writeFileSync(typesPath, types);
writeFileSync(dtsPath, dts);
console.error(`[minify-names] ${renamed.length} imports and ${map.exports.length} exports renamed`);
