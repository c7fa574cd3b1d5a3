// The benchmark server: just enough of the spellwire protocol (docs/PROTOCOL.md) for the
// spellwire client, the same frames for a raw WebSocket and reconnecting-websocket, and a
// socket.io server sending the same payloads. It also serves the page, /pkg/ and the peers'
// browser bundles, with cross-origin isolation so performance.now() has a 5 µs grain, not 100 µs.
//
// Bursts are pre-encoded: the WebSocket frames of a burst are built once into one Buffer and
// written to the TCP socket in a single write, so the server costs (almost) nothing and the
// figures measure the browser side. Every client kind receives its burst this way.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { Server as SocketIo } from 'socket.io';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where scripts/bench.sh builds the size floor (`pkg/`, `build.txt`); bench/floor.mjs reads it. */
export const FLOOR_DIR = join(ROOT, 'target', 'floor') + '/';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/** One unmasked, final WebSocket text frame (RFC 6455 §5.2) around `text`. */
export function wsFrame(text) {
  const body = Buffer.from(text);
  const n = body.length;
  const head = n < 126 ? Buffer.from([0x81, n])
    : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255])
      : Buffer.concat([Buffer.from([0x81, 127]), bigEndian64(n)]);
  return Buffer.concat([head, body]);
}

function bigEndian64(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** The spellwire event frame with sequence number `i`. */
export const eventFrame = (i) => ({ op: 'event', seq: i, type: 'tick', data: { i } });

/** Message texts of a burst of `n` events, `batch` per message (1 = one frame, not an array). */
function burstTexts(n, batch, wrap) {
  const texts = [];
  for (let first = 1; first <= n; first += batch) {
    const frames = [];
    for (let i = first; i < first + batch && i <= n; i++) frames.push(eventFrame(i));
    texts.push(wrap(batch === 1 ? frames[0] : frames, batch));
  }
  return texts;
}

const WRAP = {
  // the spellwire protocol: a frame, or an array of frames
  ws: (payload) => JSON.stringify(payload),
  // socket.io: engine.io "4" (message) + socket.io "2" (event) + [name, payload]
  sio: (payload, batch) => '42' + JSON.stringify([batch === 1 ? 'tick' : 'ticks', payload]),
};

const bursts = new Map();
/** The encoded frames of a burst, built once per (kind, n, batch) and reused every round. */
function burst(kind, n, batch) {
  const key = `${kind}:${n}:${batch}`;
  if (!bursts.has(key)) bursts.set(key, Buffer.concat(burstTexts(n, batch, WRAP[kind]).map(wsFrame)));
  return bursts.get(key);
}

/** Writes a burst straight to the TCP socket under a `ws` WebSocket (no compression is
 * negotiated, so ws itself never holds frames back and order with its own sends is kept). */
function writeBurst(ws, kind, { n, batch }) {
  ws._socket.write(burst(kind, Number(n), Number(batch)));
}

/** One connection of the spellwire protocol (also spoken by the raw and rws clients). */
function onSpellwireSocket(ws) {
  ws.on('message', (data) => {
    const value = JSON.parse(data.toString());
    for (const frame of Array.isArray(value) ? value : [value]) answer(ws, frame);
  });
}

function answer(ws, frame) {
  const send = (f) => ws.send(JSON.stringify(f));
  switch (frame.op) {
    case 'hello':
      return send({ op: 'welcome', epoch: 'bench', after: 0, resumed: false, heartbeatMs: 25000 });
    case 'ping':
      return send({ op: 'pong', id: frame.id });
    case 'send':
      send({ op: 'ack', id: frame.id });
      if (frame.type === 'burst') writeBurst(ws, 'ws', frame.data);
      return;
    case 'burst': // the raw clients' command: same data as spellwire's send('burst', ...)
      return writeBurst(ws, 'ws', frame);
    case 'sub': // the size floor's channel check (bench/floor.mjs): joined, then three events
      send({ op: 'subscribed', channel: frame.channel, epoch: 'bench', after: 0, resumed: false, head: 0 });
      for (let seq = 1; seq <= 3; seq++) send({ op: 'event', channel: frame.channel, seq, type: 'tick', data: { seq } });
      return;
    case 'unsub':
      return;
    default:
      return send({ op: 'error', code: 'bad_frame', message: `unknown op ${frame.op}` });
  }
}

function onSocketIo(socket) {
  socket.on('rtt', (data, ack) => ack(data));
  socket.on('burst', (data) => writeBurst(socket.conn.transport.socket, 'sio', data));
}

/** Browser ESM bundles of the npm peers the page imports, built once at start; and spellwire's
 * package entry bundled the same way for bench/load.mjs (its wasm beside it, as a bundler ships it). */
async function peerBundles() {
  const entries = {
    '/lib/reconnecting-websocket.js': "export { default } from 'reconnecting-websocket';",
    '/lib/socket.io-client.js': "export { io } from 'socket.io-client';",
    '/lib/spellwire.js': "export * from '../pkg/index.js';",
  };
  const out = {};
  for (const [path, contents] of Object.entries(entries)) {
    const result = await build({
      stdin: { contents, resolveDir: fileURLToPath(new URL('.', import.meta.url)) },
      bundle: true, format: 'esm', platform: 'browser', minify: true, write: false, logLevel: 'error',
    });
    out[path] = Buffer.from(result.outputFiles[0].contents);
  }
  out['/lib/spellwire_bg.wasm'] = await readFile(join(ROOT, 'pkg', 'spellwire_bg.wasm'));
  return out;
}

/** `<prefix><rest>` as a file of `dir` (ending in '/'), and never outside it: /floor/ from
 * target/floor/ (bench/floor.mjs's build of the size floor), /pkg/ from a `pkgDir`. */
function fileUnder(dir, prefix, path) {
  const file = join(dir, normalize(path.slice(prefix.length)));
  if (!file.startsWith(dir)) throw new Error(`outside ${dir}`);
  return file;
}

/** Serves /bench/* and /pkg/* from the repository (/pkg/* from `pkgDir` when given), /floor/* from
 * target/floor/ and the peer bundles. */
function staticHandler(bundles, pkgDir) {
  return async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const headers = { ...ISOLATION, 'cache-control': 'no-store' };
    try {
      let body = bundles[path];
      if (!body && pkgDir && path.startsWith('/pkg/')) {
        body = await readFile(fileUnder(pkgDir, '/pkg/', path));
      } else if (!body && /^\/(bench|pkg)\//.test(path) && !path.includes('node_modules')) {
        body = await readFile(join(ROOT, normalize(path)));
      }
      if (!body && path.startsWith('/floor/')) body = await readFile(fileUnder(FLOOR_DIR, '/floor/', path));
      if (!body) throw new Error('not found');
      res.writeHead(200, { ...headers, 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, headers).end('not found');
    }
  };
}

/** Starts the server on a free loopback port; resolves `{ origin, close }`. `pkgDir`: serve
 * /pkg/* from that directory instead of pkg/ (bench/cpu.mjs --profile: a build with wasm names). */
export async function startServer({ pkgDir } = {}) {
  const dir = pkgDir && join(resolve(pkgDir), '/');
  const http = createServer(staticHandler(await peerBundles(), dir));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  wss.on('connection', onSpellwireSocket);
  const io = new SocketIo(http, { transports: ['websocket'], destroyUpgrade: false, perMessageDeflate: false });
  io.on('connection', onSocketIo);
  http.on('upgrade', (req, socket, head) => {
    if (req.url.startsWith('/ws')) wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${http.address().port}`;
  const close = () => new Promise((resolve) => {
    for (const ws of wss.clients) ws.terminate();
    io.close(() => resolve()); // also closes the http server
  });
  return { origin, close };
}
