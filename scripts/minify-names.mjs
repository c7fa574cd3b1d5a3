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
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const dir = process.argv[2] ?? 'pkg';
const wasmPath = `${dir}/spellwire_bg.wasm`;
const gluePath = `${dir}/spellwire.js`;
const typesPath = `${dir}/spellwire_bg.wasm.d.ts`;
const dtsPath = `${dir}/spellwire.d.ts`;
const GLUE_MODULE = './spellwire_bg.js'; // the imports the glue defines itself, in `import0`

const fail = (why) => {
  console.error(`[minify-names] ${why}`);
  process.exit(1);
};
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const moduleOf = (path) => new WebAssembly.Module(readFileSync(path));
/** Renames every name `pattern` matches (the whole match is the name) that `names` maps, in one
 * pass, so a new name is never renamed again. */
const rename = (text, pattern, names) => text.replace(pattern, (name) => names.get(name) ?? name);

// The renaming, into a new file: pkg/ stays whole until every check below has passed.
const minified = `${wasmPath}.min`;
const printed = execFileSync(
  'wasm-opt',
  // The last wasm-opt run, so it also drops the two custom sections that only tools read
  // (the producers list and the target features, which wasm-pack's own run still needed).
  [wasmPath, '--minify-imports-and-exports-and-modules', '--strip-producers', '--strip-target-features', '-o', minified],
  { encoding: 'utf8' },
);
const map = JSON.parse(printed.slice(printed.indexOf('{')));
const before = WebAssembly.Module.imports(moduleOf(wasmPath));
const after = moduleOf(minified);
const newModules = new Set(WebAssembly.Module.imports(after).map((i) => i.module));
if (newModules.size !== 1) fail(`expected one import module after renaming, found ${newModules.size}`);
const [newModule] = newModules;

// Imports, per old module: old name -> new name. Every old import must be in the mapping.
const importsOf = new Map();
for (const [module, from, to] of map.imports) {
  if (!importsOf.has(module)) importsOf.set(module, new Map());
  importsOf.get(module).set(from, to);
}
const unmapped = before.filter((i) => !importsOf.get(i.module)?.has(i.name));
if (unmapped.length) fail(`no new name for ${unmapped.map((i) => i.name).join(', ')}`);
const exportNames = new Map(map.exports);

let glue = readFileSync(gluePath, 'utf8');
// The glue's own imports are keys of `import0`: `name: function(`.
const glueImports = importsOf.get(GLUE_MODULE) ?? fail(`no imports from ${GLUE_MODULE}`);
glue = rename(glue, /(?<![\w$])[\w$]+(?=: function\()/g, glueImports);
// Imports from an inline_js snippet come from its namespace object (`import1`, ...): they are
// added to `import0` under their new names, since the module now asks for one module only.
const fromSnippets = [];
for (const [module, names] of importsOf) {
  if (module === GLUE_MODULE) continue;
  const ns = glue.match(new RegExp(`"${escape(module)}": (import\\d+),`))?.[1] ?? fail(`no namespace for ${module}`);
  const source = readFileSync(`${dir}/${module}`, 'utf8');
  for (const [from, to] of names) {
    if (!new RegExp(`export function ${escape(from)}\\(`).test(source)) fail(`${module} exports no ${from}`);
    fromSnippets.push(`${to}: ${ns}.${from}`);
  }
}
const importsObject = new RegExp(`\\n( *)"${escape(GLUE_MODULE)}": import0,(\\n *"[^"]+": import\\d+,)*`);
if (!importsObject.test(glue)) fail('the glue has no imports object');
glue = glue.replace(importsObject, (_, indent) =>
  `\n${indent}"${newModule}": Object.assign(import0, { ${fromSnippets.join(', ')} }),`);

// Exports are read as `wasm.name` (some, such as `__abort_handler`, not at all); the .d.ts of
// the raw module lists them as `export const name`, and spellwire.d.ts's `InitOutput` (what
// `init()` resolves to) as `readonly name:`.
glue = rename(glue, /(?<=\bwasm\.)[\w$]+/g, exportNames);
const types = rename(readFileSync(typesPath, 'utf8'), /(?<=export const )[\w$]+(?=:)/g, exportNames);
const dts = readFileSync(dtsPath, 'utf8').replace(/export interface InitOutput \{[^}]*\}/, (block) =>
  rename(block, /(?<=readonly )[\w$]+(?=:)/g, exportNames));

// What the glue now names must be exactly what the new module has, and no old export name may
// still be read as a property.
const provided = new Set([...glue.matchAll(/^ {8}([\w$]+): function\(/gm)].map((m) => m[1]));
for (const entry of fromSnippets) provided.add(entry.split(':')[0]);
const missing = WebAssembly.Module.imports(after).map((i) => i.name).filter((n) => !provided.has(n));
if (missing.length) fail(`the glue does not provide ${missing.join(', ')}`);
const exported = new Set(WebAssembly.Module.exports(after).map((e) => e.name));
const read = [...new Set([...glue.matchAll(/\bwasm\.([\w$]+)/g)].map((m) => m[1]))];
const unknown = read.filter((n) => !exported.has(n));
if (unknown.length) fail(`the glue reads exports the module lacks: ${unknown.join(', ')}`);
const stale = [...exportNames.keys()].filter((old) => new RegExp(`\\.${escape(old)}(?![\\w$])`).test(glue));
if (stale.length) fail(`the glue still reads ${stale.join(', ')} under the old name`);

writeFileSync(gluePath, glue);
writeFileSync(typesPath, types);
writeFileSync(dtsPath, dts);
renameSync(minified, wasmPath);
console.error(`[minify-names] ${before.length} imports and ${exportNames.size} exports renamed`);
