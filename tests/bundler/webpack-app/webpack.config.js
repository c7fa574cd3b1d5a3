// Nothing spellwire-specific: webpack 5 builds top-level await and `new URL('x.wasm', import.meta.url)`
// (an asset it copies) as they are. The page is index.html, next to dist/.
import path from 'node:path';

export default {
  mode: 'production',
  entry: './main.js',
  output: { path: path.resolve(import.meta.dirname, 'dist'), filename: 'main.js', clean: true },
};
