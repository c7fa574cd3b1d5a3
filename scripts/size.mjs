// The size of pkg/: the wasm module, and the JS glue bundled with the snippets it imports
// (wasm-bindgen's inline_js files) and minified by esbuild, each gzip -9. The same method as
// the peer figures in issue 5 (bench/size.mjs), so the numbers compare.
//
//   node scripts/size.mjs        prints the size of ./pkg
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** `{ wasmBytes, wasmGz, glueMin, glueGz }` of `<root>pkg/`. */
export function pkgSize(root = '') {
  const wasm = readFileSync(`${root}pkg/spellwire_bg.wasm`);
  const bundled = buildSync({
    entryPoints: [`${root}pkg/spellwire.js`],
    bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, logLevel: 'error',
  });
  const glue = bundled.outputFiles[0].contents;
  return { wasmBytes: wasm.length, wasmGz: gz(wasm), glueMin: glue.length, glueGz: gz(glue) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const kb = (n) => (n / 1024).toFixed(1) + ' KB';
  const s = pkgSize();
  console.log(`spellwire size: wasm ${kb(s.wasmBytes)} (${kb(s.wasmGz)} gz) + glue ${kb(s.glueMin)} min (${kb(s.glueGz)} gz) = ${kb(s.wasmGz + s.glueGz)} gzipped`);
}
