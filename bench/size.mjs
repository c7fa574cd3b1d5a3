// Bundle sizes, all measured the same way in this run: esbuild bundles a one-line module that
// re-exports the package's whole public API (`export * from 'pkg'`), for the browser, minified;
// the result is gzipped at level 9. spellwire is its JS glue (with the snippets it imports)
// bundled the same way plus its .wasm, each gzipped -9: scripts/size.mjs's pkgSize.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { pkgSize } from '../scripts/size.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PEERS = ['socket.io-client', 'phoenix', 'centrifuge', 'reconnecting-websocket'];

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const version = (name) => JSON.parse(readFileSync(`${HERE}node_modules/${name}/package.json`, 'utf8')).version;

async function peer(name) {
  const result = await build({
    stdin: { contents: `export * from '${name}';`, resolveDir: HERE },
    bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  return { name, version: version(name), minBytes: code.length, gzBytes: gz(code) };
}

function spellwire() {
  const parts = pkgSize(ROOT);
  const pkgVersion = JSON.parse(readFileSync(`${ROOT}pkg/package.json`, 'utf8')).version;
  // Written by scripts/build.sh; absent when pkg/ came from some other build.
  const how = existsSync(`${ROOT}target/pkg-build.txt`)
    ? readFileSync(`${ROOT}target/pkg-build.txt`, 'utf8').trim()
    : 'unknown (pkg/ was not built by scripts/build.sh)';
  return {
    name: 'spellwire', version: pkgVersion, build: how,
    minBytes: parts.wasmBytes + parts.glueMin, gzBytes: parts.wasmGz + parts.glueGz, parts,
  };
}

/** [{ name, version, minBytes, gzBytes, parts? }], spellwire first. */
export async function measureSizes() {
  return [spellwire(), ...(await Promise.all(PEERS.map(peer)))];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await measureSizes());
