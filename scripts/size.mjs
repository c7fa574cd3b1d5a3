// Prints the size of pkg/: the wasm module and the JS glue minified by esbuild, both gzip -9.
// The same method as the peer figures in issue 5, so the numbers compare.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { transformSync } from 'esbuild';

const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const wasm = readFileSync('pkg/spellwire_bg.wasm');
const glue = transformSync(readFileSync('pkg/spellwire.js', 'utf8'), { minify: true, format: 'esm' }).code;
const wasmGz = gzipSync(wasm, { level: 9 }).length;
const glueGz = gzipSync(glue, { level: 9 }).length;
console.log(`spellwire size: wasm ${kb(wasm.length)} (${kb(wasmGz)} gz) + glue ${kb(glue.length)} min (${kb(glueGz)} gz) = ${kb(wasmGz + glueGz)} gzipped`);
