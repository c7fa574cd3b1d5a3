// Renders BENCHMARKS.md from one run's figures. Every number here comes from `result`.
const LABEL = {
  raw: 'raw `WebSocket` + `JSON.parse` + callback (the limit)',
  spellwire: "spellwire `client.on('*', cb)`",
  relay: 'raw + one pass through wasm per event (reference: the crossing alone)',
  rws: 'reconnecting-websocket + `JSON.parse` + callback',
  socketio: 'socket.io-client (websocket transport) ← socket.io server',
};
const DELIVERY_KINDS = Object.keys(LABEL);
const SHORT = { raw: 'raw `WebSocket` (the limit)', spellwire: 'spellwire', rws: 'reconnecting-websocket', socketio: 'socket.io-client' };
const TIMED = {
  raw: '`ws.send(\'{"op":"send","id":…,"type":"rtt","data":{"i":…}}\')` until the `{"op":"ack","id":…}` with that id is parsed (the very frames spellwire exchanges)',
  spellwire: "`await client.send('rtt', { i })`: until its promise resolves on the server's ack (outbox, id, encoding and ack matching included)",
  rws: 'as raw, through a `ReconnectingWebSocket`',
  socketio: "`socket.emit('rtt', { i }, ack)` until the server's acknowledgement callback fires",
};
const RTT_KINDS = Object.keys(TIMED); // relay has no send of its own
import { BUDGET } from '../scripts/size-budget.mjs';

// The goals: issue 16's (size, CPU per event, delivery, page load, restart) and those of issue 5
// it kept (round trip, server memory, fan-out).
const GOAL = {
  deliveryVsRaw: 0.95, batchedVsRaw: 0.95, cpuVsRaw: 1.3, loadVsSocketio: 1, sizePeer: 'centrifuge', sizeBeyond: 'socket.io-client',
  rttOverRawMs: 0.1, idleKb: 8, fanoutPerSec: 25_000, fanoutP99Ms: 200, fanoutCores: 2,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(0)} k/s`);
const ratio = (x) => `${x.toFixed(2)}×`;
const ms = (x) => `${x.toFixed(3)} ms`;
const signedMs = (x) => `${x < 0 ? '−' : '+'} ${ms(Math.abs(x))}`;
const kb = (bytes) => bytes / 1024;
const mark = (ok) => (ok ? '**met**' : '**not met**');

/** Median over rounds of kind k's figure divided by `ref`'s (raw's unless said) in the same
 * round: robust to a machine whose load drifts between rounds. */
const pairedRatio = (runs, k, ref = 'raw') => median(perRound(runs, k, ref));
/** Kind k's figure divided by `ref`'s, round by round. */
const perRound = (runs, k, ref = 'raw') => runs[k].map((x, i) => x / runs[ref][i]);
/** The lowest and highest of those per-round ratios: how far one run's verdict can be trusted. */
const spread = (runs, k, ref = 'raw') => `${ratio(Math.min(...perRound(runs, k, ref)))} to ${ratio(Math.max(...perRound(runs, k, ref)))}`;

// A median of a handful of widely spread per-round ratios can land on either side of a goal from
// one run to the next; its bootstrap interval says how far this run's median could be from the
// machine's, so a verdict the figures cannot carry is reported as undecided.
const CONFIDENCE = 0.95;
const RESAMPLES = 2_000;
const SEED = 16; // fixed, so the same figures always give the same interval
const PERCENT = `${Math.round(CONFIDENCE * 100)}%`;
// Below this many rounds no interval of their median holds CONFIDENCE: even the whole range of n
// ratios misses the true median with chance 2 × 0.5^n (all above it, or all below).
const MIN_ROUNDS = Math.ceil(Math.log2(2 / (1 - CONFIDENCE)));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The percentile bootstrap interval of the median of xs: xs resampled with replacement
 * RESAMPLES times, the middle CONFIDENCE of the resampled medians. */
function medianInterval(xs) {
  const random = mulberry32(SEED);
  const resample = () => xs.map(() => xs[Math.floor(random() * xs.length)]);
  const medians = Array.from({ length: RESAMPLES }, () => median(resample())).sort((a, b) => a - b);
  const tail = Math.round(((1 - CONFIDENCE) / 2) * RESAMPLES); // resampled medians cut from each end
  return { lo: medians[tail], hi: medians[RESAMPLES - 1 - tail], rounds: xs.length };
}
const tooFew = ({ rounds }) => rounds < MIN_ROUNDS;
/** The interval of kind k's median of per-round ratios against `ref`. */
const pairedInterval = (runs, k, ref = 'raw') => medianInterval(perRound(runs, k, ref));
const span = (interval) => `${ratio(interval.lo)}–${ratio(interval.hi)}${tooFew(interval) ? `, too few rounds for ${PERCENT}` : ''}`;

const BARE = 'bare `WebSocket` counting messages, no `JSON.parse` (context: the browser alone)';

function deliveryTable(runs, n, batch) {
  const kinds = [...DELIVERY_KINDS, 'bare'].filter((k) => runs[k]?.length);
  const med = Object.fromEntries(kinds.map((k) => [k, median(runs[k])]));
  const interval = (k) => (k === 'raw' ? '—' : span(pairedInterval(runs, k)));
  const rows = kinds.map((k) => `| ${LABEL[k] ?? BARE} | ${rate(med[k])} | ${ratio(med[k] / med.raw)} | ${ratio(pairedRatio(runs, k))} | ${interval(k)} | ${runs[k].map(rate).join(', ')} |`);
  const context = med.bare
    ? ` Raw reaches ${ratio(med.raw / med.bare)} of the bare rate: near 1× means the limit here is the browser's own cost per WebSocket message (network service → renderer IPC), not the parsing.`
    : '';
  return { med, text: `| client | median events/s | vs raw (ratio of medians) | vs raw (median of per-round ratios) | ${PERCENT} interval of that median | each round |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n\n`
    + `${n.toLocaleString('en')} events per round, ${batch === 1 ? 'one event per WebSocket message' : `${batch} events per message (a JSON array)`}.${context}${crossingNote(runs)}\n` };
}

/** What one pass through wasm per event costs raw, and what spellwire costs beyond it. */
function crossingNote(runs) {
  if (!runs.relay?.length) return '';
  return ` Raw with one pass through wasm per event reaches ${ratio(pairedRatio(runs, 'relay'))} of raw (${PERCENT} interval ${span(pairedInterval(runs, 'relay'))}): `
    + `its distance below 1× is the cost of the design, each event crossing into wasm and back. Spellwire reaches ${ratio(pairedRatio(runs, 'spellwire', 'relay'))} of that relay in the same round `
    + `(median of per-round ratios, ${PERCENT} interval ${span(pairedInterval(runs, 'spellwire', 'relay'))}): its distance below 1× is the cost of spellwire's own work beyond the crossing.`;
}

function rttTable(runs) {
  const med = Object.fromEntries(RTT_KINDS.map((k) => [k, {
    p50: median(runs[k].map((x) => x.p50)), p99: median(runs[k].map((x) => x.p99)),
  }]));
  const rows = RTT_KINDS.map((k) => `| ${SHORT[k]} | ${TIMED[k]} | ${ms(med[k].p50)} | ${ms(med[k].p99)} | ${signedMs(med[k].p50 - med.raw.p50)} | ${ratio(med[k].p50 / med.raw.p50)} |`);
  return { med, text: `| client | what is timed | p50 | p99 | p50 − raw p50 | p50 vs raw |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n` };
}

function sizeTable(sizes) {
  const rows = sizes.map((s) => {
    const how = s.parts
      ? `wasm ${kb(s.parts.wasmGz).toFixed(1)} KB gz (${kb(s.parts.wasmBytes).toFixed(1)} KB raw) + JS glue ${kb(s.parts.glueGz).toFixed(1)} KB gz (${kb(s.parts.glueMin).toFixed(1)} KB min)`
      : `${kb(s.minBytes).toFixed(1)} KB min`;
    return `| ${s.name} ${s.version} | **${kb(s.gzBytes).toFixed(1)} KB** | ${how} |`;
  });
  return `| package | minified + gzip -9 | parts |\n|---|---|---|\n${rows.join('\n')}\n`;
}

/** What a build's delivery check saw (bench/floor.mjs's bursts), as a clause. */
const burstsText = (bursts, events) => bursts.map((b) => `${b.batch === 1 ? 'one event per message' : `${b.batch} per message`}: `
  + `${b.received.toLocaleString('en')}/${events.toLocaleString('en')} in order, and the channel's ${b.channel}/3 in order`
  + `${b.acked ? ', the send acked' : ''}`).join('; ');

/** What the size floor (bench/floor.mjs) says about the size goals. */
function floorSection(floor, sizes) {
  if (floor.skipped) return `Size floor not measured in this run: ${floor.skipped}.\n`;
  const sw = sizes.find((s) => s.name === 'spellwire');
  const p = floor.parts;
  const alike = floor.build === sw.build;
  const full = floor.gzBytes + floor.httpLink.gz; // the core with every feature, barest shell
  const added = alike
    ? `the package's shell adds ${kb(sw.gzBytes - full).toFixed(1)} KB to the floor + HTTP link`
    : `**not comparable**: pkg/ was built as "${sw.build}", the floor as "${floor.build}"`;
  const bursts = burstsText(floor.bursts, floor.events);
  return `| build | minified + gzip -9 | parts |
|---|---|---|
| floor: spellwire's core behind the barest Rust shell (bench/floor, not a package) | **${kb(floor.gzBytes).toFixed(1)} KB** | wasm ${kb(p.wasmGz).toFixed(1)} KB gz (${kb(p.wasmBytes).toFixed(1)} KB raw) + JS glue ${kb(p.glueGz).toFixed(1)} KB gz (${kb(p.glueMin).toFixed(1)} KB min) |
| the package's HTTP link (the JavaScript module of src/web/http.rs, alone) | ${kb(floor.httpLink.gz).toFixed(1)} KB | ${kb(floor.httpLink.min).toFixed(1)} KB min |
| floor + HTTP link: every feature of the core, behind the barest shell | **${kb(full).toFixed(1)} KB** | |
| spellwire ${sw.version}: the same core behind the package's shell | **${kb(sw.gzBytes).toFixed(1)} KB** | ${added} |

The floor is the package's own sans-IO core (the \`spellwire\` crate without its \`web\` feature)
behind the barest browser shell written for it: one WebSocket (its handlers detached when it is
replaced), one timer, \`JSON.parse\` for frames and arrays of frames, \`JSON.stringify\` for what
it sends, a fixed token, one event callback. Every feature of the core is live in it, so its code
counts: channels (\`join\`, \`sub\`/\`unsub\`, \`subscribed\`/\`refused\`, channel events),
token renewal (\`refresh\`, \`refreshed\`, the welcome's expiry) and the switch to HTTP; the HTTP
link itself is JavaScript in the package, weighed alone in the second row (it would gzip a little
better inside the glue). The floor has none of the package's options parsing,
listener registry, send promises, state/stats/error objects, token function, sessionStorage
cursor or window listeners. It was built as "${floor.build}" and, in this run, delivered from
the bench server before its size was taken (${bursts}).
So keeping this core behind a Rust shell, as the design has it, costs ${kb(full).toFixed(1)} KB with every feature of the core, before any
of that API and before the shell's own work (options checks, cursor storage, window listeners, precise errors for bad frames).
${roomUnder('centrifuge-js', peerKbOf(sizes, GOAL.sizePeer), kb(full))} ${roomUnder('socket.io-client', peerKbOf(sizes, GOAL.sizeBeyond), kb(full))}
`;
}

/** Issue 16's option B, built and checked on the bench server, then weighed (bench/option-b.mjs). */
function optionBSection(b, sizes) {
  if (!b || b.skipped) return `Option B not measured in this run: ${b?.skipped ?? 'not attempted'}.\n`;
  const sw = sizes.find((s) => s.name === 'spellwire');
  const centrifuge = peerKbOf(sizes, GOAL.sizePeer);
  const alike = b.build === sw.build ? '' : ` (**not comparable**: pkg/ was built as "${sw.build}", option B as "${b.build}")`;
  const bursts = burstsText(b.bursts, b.events);
  const verdict = kb(b.wasmGz) > centrifuge
    ? `The engine's wasm alone, ${kb(b.wasmGz).toFixed(1)} KB, is above centrifuge-js's ${centrifuge.toFixed(1)} KB before any JavaScript: with every feature the package has, and Rust owning what the design gives it (the core, the socket, the timers, the window listeners, the cursor storage), the package does not fit under the goal however its face is written. What the engine keeps in wasm beyond the size floor's shell is the shell's own work for those features (options checked against their ranges with their messages, cursor storage, window listeners, the HTTP link's wiring, precise errors for bad frames, the outputs handed to the face); moving the options slice of it to JavaScript with the same messages took from the wasm about what it added to the glue (issue 16), so text costs alike on either side.`
    : `The engine's wasm alone is ${kb(b.wasmGz).toFixed(1)} KB, under centrifuge-js's ${centrifuge.toFixed(1)} KB; with its JavaScript the package would be ${kb(b.gzBytes).toFixed(1)} KB.`;
  return `| build | minified + gzip -9 | parts |
|---|---|---|
| option B: the package's JS face in JavaScript over a narrow wasm engine (bench/option-b/, not shipped) | **${kb(b.gzBytes).toFixed(1)} KB** | wasm ${kb(b.wasmGz).toFixed(1)} KB gz + entry ${kb(b.entryGz).toFixed(1)} KB gz (alone: the glue ${kb(b.glueGz).toFixed(1)} KB, the face ${kb(b.faceGz).toFixed(1)} KB) |
| spellwire ${sw.version}: the JS face in Rust | **${kb(sw.gzBytes).toFixed(1)} KB** | option B is ${kb(sw.gzBytes - b.gzBytes).toFixed(1)} KB smaller${alike} |

Option B, built rather than estimated: bench/option-b/engine.patch, applied to this commit, turns the
package's \`Client\` into a narrow wasm \`Engine\` (numbers and strings in; the events, states, errors, acks
and token requests handed to the face as they are: no objects, promises or listener lists built in wasm),
and bench/option-b/client.js is the face in JavaScript with every check and message of the Rust face
(options, arguments, listeners by name, type, topic and channel, send promises, state and stats objects,
errors, the token function, \`Client.shared\`). It was built as "${b.build}" and, in this run, worked from the
bench server before its size was taken: the package's error for an unknown option, then ${bursts}. Not built
for it: the \`.d.ts\`, \`RustClient\` over the engine and the browser tests over the JS face.
${verdict}
`;
}

const roomUnder = (peer, goalKb, floorKb) => (floorKb < goalKb
  ? `Under ${peer}'s ${goalKb.toFixed(1)} KB that leaves ${(goalKb - floorKb).toFixed(1)} KB for all of it.`
  : `${peer}'s ${goalKb.toFixed(1)} KB is below the floor itself.`);
const peerKbOf = (sizes, name) => kb(sizes.find((s) => s.name === name).gzBytes);

/** Where the wasm's bytes go (bench/size-breakdown.mjs), and what issue 16's two options can take off. */
function breakdownSection(b, sizes, floor, optionB) {
  if (!b || b.skipped) return `Not measured in this run: ${b?.skipped ?? 'not attempted'}.\n`;
  const sw = sizes.find((s) => s.name === 'spellwire');
  const share = (n) => `${((100 * n) / b.moduleBytes).toFixed(1)}%`;
  const rows = b.parts.map((p) => `| ${p.part}${p.face ? ' *(JS face)*' : ''} | ${p.bytes.toLocaleString('en')} B | ${share(p.bytes)} | ${kb(p.gzEstimate).toFixed(1)} KB |`);
  const face = b.parts.filter((p) => p.face);
  const faceBytes = face.reduce((a, p) => a + p.bytes, 0);
  const faceGz = face.reduce((a, p) => a + p.gzEstimate, 0);
  const without = sw.gzBytes - faceGz;
  const centrifuge = peerKbOf(sizes, GOAL.sizePeer);
  const floorKb = floor.skipped ? null : kb(floor.gzBytes + floor.httpLink.gz); // every feature
  const top = b.top.map((f) => `\`${f.name.length > 90 ? `${f.name.slice(0, 90)}…` : f.name}\` ${f.size.toLocaleString('en')} B`).join('; ');
  return `| part of the wasm | bytes (named build, names stripped) | share | ≈ gzipped in pkg/ |
|---|---|---|---|
${rows.join('\n')}
| all | ${b.moduleBytes.toLocaleString('en')} B | 100% | ${kb(sw.parts.wasmGz).toFixed(1)} KB |

The module as the release build makes it, with names kept (rustc's output in target/immediate-abort through
\`wasm-bindgen --keep-debug\` and \`wasm-opt -Oz -g\`), its code section's function bodies summed by Rust path
(bench/size-breakdown.mjs; \`node bench/wasm-sizes.mjs <module>\` lists them). "≈ gzipped" is the part's share
of the bytes times pkg/'s gzipped wasm: a rough figure, since compression is not uniform. The largest
functions: ${top}.

Issue 16's two options, in this run:

- **The JS face in Rust** (the parts marked *JS face*: export shims, \`Client\` methods, options, JS objects,
  listener registry, promises, token function, cursor storage) is ${faceBytes.toLocaleString('en')} B, ${share(faceBytes)} of the module,
  ≈ ${kb(faceGz).toFixed(1)} KB of the ${kb(sw.gzBytes).toFixed(1)} KB package. Removing all of it would leave ≈ ${kb(without).toFixed(1)} KB.
- **The face in JavaScript over a narrow wasm interface** (option B): ${!optionB || optionB.skipped ? `not measured in this run (${optionB?.skipped ?? 'not attempted'})` : `built and measured below: **${kb(optionB.gzBytes).toFixed(1)} KB**, ${kb(sw.gzBytes - optionB.gzBytes).toFixed(1)} KB less than the package`}.
- **Shrinking the Rust shell** (option A) works on the same ${kb(faceGz).toFixed(1)} KB and cannot go below ≈ ${kb(without).toFixed(1)} KB either:
  every JS method costs its export shim and \`JsValue\` conversions however small its Rust body.
${floorKb ? `- The size floor above, the core with every feature behind the barest shell, is ${floorKb.toFixed(1)} KB, ${(sw.gzBytes / 1024 - floorKb).toFixed(1)} KB less
  than the package: the JS face (≈ ${kb(faceGz).toFixed(1)} KB above) and the shell's own work for the package's features,
  which the floor does without (options checks, cursor storage, window listeners, precise errors for bad frames, every
  output carried out). Option B below measures how much of that moving the face to JavaScript takes away.
` : `- The size floor was not measured in this run, so what the design itself costs is not known here.
`}`;
}

const buildOf = (bin) => (bin.includes('/release/') ? 'release build' : '**debug build**: no release binary was present');

function rssSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  return `| connections | server RSS before | after | per idle connection | time to open them all |
|---|---|---|---|---|
| ${m.connections.toLocaleString('en')} | ${(m.baseKb / 1024).toFixed(1)} MB | ${(m.loadedKb / 1024).toFixed(1)} MB | **${(m.perConnectionBytes / 1024).toFixed(1)} KB** | ${(m.openMs / 1000).toFixed(1)} s |

\`${m.server}\` (${buildOf(m.server)}), in-memory store, \`--dev\` for its login (no \`--test-hooks\`,
whose hello counting would add to the figure), open-files limit raised. The load generator is
\`${m.loadgen}\` (bench/loadgen, Rust, tokio-tungstenite; ${buildOf(m.loadgen)}): each user logs in over
\`/api/login\`, opens a socket, sends \`hello\` with its token and waits for \`welcome\`, 200 at a
time; 100 warm-up sockets are opened and closed first. RSS is VmRSS from /proc, read
${m.settleMs / 1000} s after the warm-up and after the last welcome; the figure is the difference over the
number of sockets (KB = 1,024 bytes).
`;
}

function fanoutSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  const cores = (secs) => (secs == null ? '—' : `${secs.toFixed(2)} s (${(secs / (m.wallMs / 1000)).toFixed(2)} cores)`);
  return `| users | events per user | deliveries | wall time | deliveries/s | latency p50 | p99 | max | events per message | server CPU | load generator CPU |
|---|---|---|---|---|---|---|---|---|---|---|
| ${m.users.toLocaleString('en')} | ${m.events.toLocaleString('en')} | ${m.deliveries.toLocaleString('en')} | ${(m.wallMs / 1000).toFixed(2)} s | **${rate(m.deliveriesPerSec)}** | ${m.latencyMs.p50.toFixed(1)} ms | **${m.latencyMs.p99.toFixed(1)} ms** | ${m.latencyMs.max.toFixed(1)} ms | ${(m.deliveries / m.messages).toFixed(2)} | ${cores(m.cpu.serverSecs)} | ${cores(m.cpu.loadgenSecs)} |

\`${m.server}\` (${buildOf(m.server)}) with \`--dev --test-hooks\`, in-memory store; load generator
\`${m.loadgen}\` (${buildOf(m.loadgen)}), both on the same machine and sharing its cores. ${m.users.toLocaleString('en')} users
each log in and hold one welcomed socket; then \`POST /test/broadcast\` publishes, ${m.perCall} events per user
per call, in rounds of one event to every user, each through \`Hub::publish\` (the path of
\`/api/notify\`: the user's log, its sockets' bounded queues, the writers' batching into JSON arrays).
The next call waits while more than ${m.window} events per user are published but not yet received, so
the per-socket queues (1,024 frames) cannot overflow. Each event's data carries the wall-clock
time of its publish, \`{"t": unix ms, "i": i}\`; latency is the receiving socket's clock (same
machine) minus it, per event; deliveries/s is all events received over the time from the first
call to the last event. Every socket checked it got seq 1..${m.events} once each, in order.
`;
}

function reconnectSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  const totals = m.rounds.map((x) => x.totalMs);
  const attempts = m.rounds.map((x) => x.attemptMs).filter((x) => x !== null);
  const build = m.bin.includes('/release/') ? 'release build' : '**debug build**: no release binary was present';
  return `| | median | each restart |
|---|---|---|
| server listening again → first missed event at the subscriber | **${median(totals).toFixed(0)} ms** | ${totals.join(', ')} ms |
| the successful attempt (\`state\` → \`connecting\`) → first missed event | **${attempts.length ? median(attempts).toFixed(0) : '—'} ms** | ${attempts.join(', ')} ms |

${m.rounds.length} restarts of \`${m.bin}\` (${build}) with \`--redis\`, killed with SIGKILL and started again
${m.downMs} ms later on the same port, while 3 events were published through a second server on the
same Redis. A real spellwire \`Client\` in the page, default options (\`persistCursor: false\`),
open for ${(m.stableMs / 1000).toFixed(1)} s before each kill (more than \`backoff.resetAfterMs\`) so each restart starts from attempt 0: the first line therefore
includes the wait for the client's next try (full-jitter backoff, 500 ms initial cap, doubling),
the second is the resume itself (TCP + WebSocket handshake, \`hello\` with the cursor, \`welcome\`,
replay). The page saw ${m.events} events, ${m.inOrder ? 'each once, in order' : '**not each once in order**'}. Times are \`Date.now()\` (ms) of
the same machine, read by the page and by the script that starts the server.
`;
}

const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

function cpuSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  const us = (x) => `${x.toFixed(2)} µs`;
  return `| client | µs per event message (median over rounds) | vs raw (median of per-round ratios) | each round |
|---|---|---|---|
| raw \`WebSocket\` + \`JSON.parse\` + callback (the bench's raw handler) | ${us(median(m.raw))} | 1.00× | ${m.raw.map(us).join(', ')} |
| spellwire \`client.on('*', cb)\` (\`persistCursor: ${m.persistCursor}\`) | ${us(median(m.spellwire))} | **${ratio(median(m.spellwire.map((x, i) => x / m.raw[i])))}** | ${m.spellwire.map(us).join(', ')} |

bench/cpu.mjs: ${m.n.toLocaleString('en')} synthetic \`message\` events per round dispatched in a tight loop on an open
socket (spellwire: the socket of a real, open \`Client\`, whose core takes them as the next seqs), raw and
spellwire alternating, ${m.rounds} rounds after a discarded one, each loop started after a full garbage collection
(Chromium's \`--expose-gc\`), so no loop pays for the other kind's garbage: the page's own CPU per event, without the
network and the browser's per-message IPC that dominate the delivery figures.
`;
}

/** bench/cpu.mjs --batch: the same loop with `batch` events per message, as batched delivery
 * sends them; context for the batched delivery goal (no goal of its own). */
function cpuBatchedSection(m, batch) {
  const title = `Batched, ${batch} events per message (context for the batched delivery goal, not a goal itself)`;
  if (!m || m.skipped) return `\n${title}: not measured in this run (${m?.skipped ?? 'not attempted'}).\n`;
  const us = (x) => `${x.toFixed(2)} µs`;
  const messages = Math.ceil(m.n / m.batch);
  return `
${title}:

| client | µs per event (median over rounds) | vs raw (median of per-round ratios) | ${PERCENT} interval of that median | each round |
|---|---|---|---|---|
| raw \`WebSocket\` + \`JSON.parse\` + callback (the bench's raw handler) | ${us(median(m.raw))} | 1.00× | — | ${m.raw.map(us).join(', ')} |
| spellwire \`client.on('*', cb)\` (\`persistCursor: ${m.persistCursor}\`) | ${us(median(m.spellwire))} | **${ratio(pairedRatio(m, 'spellwire'))}** | ${span(pairedInterval(m, 'spellwire'))} | ${m.spellwire.map(us).join(', ')} |

\`bench/cpu.mjs --batch ${m.batch}\`: the same loop, each synthetic message a JSON array of ${m.batch} event frames with
consecutive seqs, as the bench server sends batched delivery; ${m.n.toLocaleString('en')} events (${messages.toLocaleString('en')} messages) per round,
${m.rounds} rounds after a discarded one. µs per event is each loop's time divided by its events, so what the browser
and each client pay once per message is spread over its ${m.batch} events. The interval is the ${PERCENT} seeded
bootstrap interval of the delivery goals. No goal rests on this table: the CPU goal's row (Goals) uses the one-event-per-message figures.
`;
}

/** The batched delivery section's pointer to the batched CPU figures, when this run has them. */
function cpuBatchedNote(m) {
  if (!m || m.skipped) return '';
  return `\nThe page's own CPU per event in this form (${m.batch} per message), without the network, is under [Page CPU per event](#page-cpu-per-event), batched: `
    + `spellwire spends ${ratio(pairedRatio(m, 'spellwire'))} raw's CPU per event (median of per-round ratios, ${PERCENT} interval ${span(pairedInterval(m, 'spellwire'))}).\n`;
}

/** bench/cpu.mjs's profile breakdown, as it printed it: what the extra CPU per event is. */
function cpuWhereSection(m) {
  if (!m || m.skipped) return '';
  return `
Where spellwire's extra CPU per event goes: \`node bench/cpu.mjs --profile\` in this run (V8's sampling profiler over
both loops, on the release module with its wasm function names kept; sampled self time, so a rough split):

\`\`\`
${m.lines.join('\n')}
\`\`\`
`;
}

/** Each page kind's navigation → open times, index i being round i's load (bench/load.mjs
 * loads every page once per round), so they pair round by round like the delivery figures. */
const opensOf = (m) => Object.fromEntries(Object.entries(m.runs).map(([k, xs]) => [k, xs.map((x) => x.open)]));

function loadSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  const opens = opensOf(m);
  const row = (k, label) => {
    const open = opens[k];
    const ready = m.runs[k].map((x) => x.ready);
    const vs = k === 'socketio' ? '—' : `**${ratio(pairedRatio(opens, k, 'socketio'))}**`;
    const interval = k === 'socketio' ? '—' : span(pairedInterval(opens, k, 'socketio'));
    return `| ${label} | **${median(open).toFixed(0)} ms** | ${pct(open, 90).toFixed(0)} ms | ${vs} | ${interval} | ${median(ready).toFixed(0)} ms | ${median(m.runs[k].map((x) => x.open - x.ready)).toFixed(0)} ms | ${open.map((x) => x.toFixed(0)).join(', ')} |`;
  };
  return `| client | navigation → open, p50 | p90 | vs socket.io-client (median of per-round ratios) | ${PERCENT} interval of that median | navigation → module evaluated, p50 | module evaluated → open, p50 | each load (ms) |
|---|---|---|---|---|---|---|---|
${row('spellwire', "spellwire (`import { Client } from 'spellwire'`, which fetches, compiles and initialises the wasm; `state` → `open`)")}
${m.runs['spellwire-preload'] ? `${row('spellwire-preload', 'spellwire, the same page with `<link rel="preload" href="…/spellwire_bg.wasm" as="fetch" type="application/wasm" crossorigin>` in its head (README, "Loading")')}
` : ''}${row('socketio', "socket.io-client (`io(origin, { transports: ['websocket'] })`; `connect`)")}

bench/load.mjs: ${m.rounds} rounds after a discarded one, each loading every page once, in an order rotated per round, each load in a fresh browser
context (no cache; the server also sends \`no-store\`), from the bench server, which serves both pages and
answers both protocols on loopback. Times are the page's \`performance.now()\` (its origin is the navigation
start). Both libraries are served as esbuild bundles, minified, built at the server's start; spellwire's is
its package entry, with \`spellwire_bg.wasm\` beside it (\`application/wasm\`, compiled while it streams in).
"Module evaluated" is the first line of the page's module script, after its imports ran.
The ratio is each round's spellwire load divided by that round's socket.io-client load, the median over rounds
with its ${PERCENT} bootstrap interval (as for delivery): fresh browsers on a busy machine spread widely from load to load,
and the interval says whether this run's figures can carry the goal's verdict.
`;
}

function restartSection(m) {
  if (!m || m.skipped) return `Not measured in this run: ${m?.skipped ?? 'not attempted'}.\n`;
  const back = m.sinceBack;
  const all = Math.max(...back);
  const fromKill = all + (m.backAt - m.killedAt);
  const attempts = m.attempts;
  return `| users | server back → all resumed | p50 | p90 | kill → all resumed | attempts after the kill (median, max) | the resume itself, p50 / max | server peak CPU | server CPU, back → all resumed |
|---|---|---|---|---|---|---|---|---|
| ${m.users.toLocaleString('en')} | **${(all / 1000).toFixed(2)} s** | ${(pct(back, 50) / 1000).toFixed(2)} s | ${(pct(back, 90) / 1000).toFixed(2)} s | ${(fromKill / 1000).toFixed(2)} s | ${median(attempts)}, ${Math.max(...attempts)} | ${median(m.resumeMs).toFixed(0)} / ${Math.max(...m.resumeMs).toFixed(0)} ms | **${m.peakCores.toFixed(2)} cores** | ${m.cpuSecs.toFixed(2)} s |

\`${m.bin}\` (${buildOf(m.bin)}) with \`--dev --redis\`, a second node on the same Redis; load generator
\`${m.loadgen}\` \`restart\` (${buildOf(m.loadgen)}). ${m.users.toLocaleString('en')} users log in and hold one welcomed socket each for
${(m.stableMs / 1000).toFixed(1)} s; the server is killed (SIGKILL); once every socket saw it go, one event per user is published
through the second node (\`POST /api/publish\`, 100 users a request); ${m.downMs} ms after the kill the server starts again
on the same port. Each user retries as the browser client does by default, with the client's own core computing
each wait (\`Backoff::default().delay(attempt, random)\`: full jitter, 500 ms cap doubling per attempt up to 20 s;
5 s connect timeout), and resumes with the cursor of its welcome; it has resumed when the missed event arrives
(${m.resumedFlags.toLocaleString('en')} of ${m.users.toLocaleString('en')} welcomes said \`resumed: true\`); "the resume itself" runs from the start of the attempt
that succeeded (after its backoff wait) to that event: TCP, WebSocket upgrade, \`hello\`, \`welcome\`, replay. The server's CPU time is read from /proc every
${m.sampleMs} ms from its start; the peak is the largest rate over one such interval. Times are \`Date.now()\`-style
Unix ms of the same machine, read by the load generator and by the script that starts the server.
`;
}

function reconnectGoal(m) {
  if (!m || m.skipped) return 'not measured in this run | — | |';
  return `${median(m.rounds.map((x) => x.totalMs)).toFixed(0)} ms (median; ${median(m.rounds.map((x) => x.attemptMs ?? NaN)).toFixed(0)} ms of it from the successful attempt) | measured; no target stated here | |`;
}

function rssGoal(m) {
  if (!m || m.skipped) return 'not measured in this run | — | |';
  const kbEach = m.perConnectionBytes / 1024;
  return `${kbEach.toFixed(1)} KB at ${m.connections.toLocaleString('en')} connections | ${mark(kbEach <= GOAL.idleKb)} | RSS ${(m.baseKb / 1024).toFixed(1)} → ${(m.loadedKb / 1024).toFixed(1)} MB |`;
}

function fanoutGoal(m, nproc) {
  if (!m || m.skipped) return 'not measured in this run | — | |';
  const ok = m.deliveriesPerSec >= GOAL.fanoutPerSec && m.latencyMs.p99 <= GOAL.fanoutP99Ms;
  const where = nproc === GOAL.fanoutCores ? `${nproc} cores, shared with the load generator` : `**${nproc} cores, not ${GOAL.fanoutCores}**: the verdict is for this machine`;
  return `${rate(m.deliveriesPerSec)}, p99 ${m.latencyMs.p99.toFixed(1)} ms | ${mark(ok)} | ${m.users.toLocaleString('en')} users × ${m.events.toLocaleString('en')} events; ${where} |`;
}

const notMeasured = (m) => `not measured in this run (${m?.skipped ?? 'not attempted'}) | — | |`;

function cpuGoal(m) {
  if (!m || m.skipped) return notMeasured(m);
  const r = median(m.spellwire.map((x, i) => x / m.raw[i]));
  return `${ratio(r)} (median of per-round ratios) | ${mark(r <= GOAL.cpuVsRaw)} | raw ${median(m.raw).toFixed(2)} µs, spellwire ${median(m.spellwire).toFixed(2)} µs per event |`;
}

/** The page-load goal for one spellwire page kind (`spellwire`, or `spellwire-preload`): the
 * verdict on the median of per-round ratios against socket.io-client (≤ goal) and, as for
 * delivery, whether the run's interval decides it; the p50s beside it. */
function loadGoal(m, kind) {
  if (!m || m.skipped) return notMeasured(m);
  if (!m.runs[kind]) return `not measured | | this run has no ${kind} loads |`;
  const goal = GOAL.loadVsSocketio;
  const opens = opensOf(m);
  const r = pairedRatio(opens, kind, 'socketio');
  const interval = pairedInterval(opens, kind, 'socketio');
  const p50 = (k, f) => median(m.runs[k].map(f));
  const sw = p50(kind, (x) => x.open);
  const sio = p50('socketio', (x) => x.open);
  const ready = p50(kind, (x) => x.ready) - p50('socketio', (x) => x.ready);
  const why = r <= goal ? '' : `; navigation → module evaluated is ${ready.toFixed(0)} ms longer for spellwire (the wasm's fetch, compile and init), module → open ${(p50(kind, (x) => x.open - x.ready) - p50('socketio', (x) => x.open - x.ready)).toFixed(0)} ms`;
  return `${ratio(r)} (${PERCENT} interval ${span(interval)}) | ${mark(r <= goal)} | ${decision(interval, goal, 'atMost')}; `
    + `spellwire ${sw.toFixed(0)} ms p50, socket.io-client ${sio.toFixed(0)} ms p50 (ratio of p50s ${ratio(sw / sio)}); per-round ratios ${spread(opens, kind, 'socketio')}${why} |`;
}

function restartGoal(m) {
  if (!m || m.skipped) return notMeasured(m);
  const all = Math.max(...m.sinceBack);
  const last = m.sinceBack.indexOf(all);
  return `all resumed ${(all / 1000).toFixed(2)} s after the server was back; server peak ${m.peakCores.toFixed(2)} cores | measured (the issue sets no bound) | the last user resumed ${m.resumeMs[last].toFixed(0)} ms after its attempt began (attempt ${m.attempts[last]}): the rest was its backoff wait; resumes took ${median(m.resumeMs).toFixed(0)} ms p50, ${Math.max(...m.resumeMs).toFixed(0)} ms at most; ${m.cpuSecs.toFixed(2)} s of server CPU in all |`;
}

function sizeGoal(sizes, floor, which, optionB) {
  const sw = kb(sizes.find((s) => s.name === 'spellwire').gzBytes);
  const peer = peerKbOf(sizes, which);
  const full = floor.skipped ? 0 : kb(floor.gzBytes + floor.httpLink.gz);
  const floorNote = (floor.skipped ? '' : `; the floor (the core with every feature behind the barest shell, HTTP link included) is ${full.toFixed(1)} KB, the package's shell adds ${(sw - full).toFixed(1)} KB (see the size section)`)
    + (!optionB || optionB.skipped ? '' : `; option B, built: ${kb(optionB.gzBytes).toFixed(1)} KB, its engine's wasm alone ${kb(optionB.wasmGz).toFixed(1)} KB`);
  return `${sw.toFixed(1)} KB | ${mark(sw <= peer)} | ${which} ${peer.toFixed(1)} KB measured here${floorNote}; CI budget ${kb(BUDGET).toFixed(1)} KB |`;
}

/** A delivery goal's row: the verdict (the issue's: median of per-round ratios ≥ goal), whether
 * the run's interval decides it, and relay beside spellwire so the crossing's share shows. */
function deliveryGoal(table, runs, goal) {
  const sw = pairedRatio(runs, 'spellwire');
  const interval = pairedInterval(runs, 'spellwire');
  return `${ratio(sw)} (${PERCENT} interval ${span(interval)}) | ${mark(sw >= goal)} | ${decision(interval, goal)}; `
    + `raw ${rate(table.med.raw)}, spellwire ${rate(table.med.spellwire)}; per-round ratios ${spread(runs, 'spellwire')}${relayBeside(runs, sw, goal)} |`;
}

/** Whether a median's interval lets this run decide `median ≥ goal` (or, with 'atMost',
 * `median ≤ goal`). */
function decision(interval, goal, direction = 'atLeast') {
  const { lo, hi, rounds } = interval;
  if (tooFew(interval)) return `${rounds} rounds are too few for a ${PERCENT} interval: **this run does not decide the goal**`;
  if (direction === 'atMost') {
    if (hi <= goal) return `the ${PERCENT} interval lies at or below ${ratio(goal)}: this run decides the goal`;
    if (lo > goal) return `the ${PERCENT} interval lies above ${ratio(goal)}: this run decides the goal`;
  } else {
    if (lo >= goal) return `the ${PERCENT} interval lies at or above ${ratio(goal)}: this run decides the goal`;
    if (hi < goal) return `the ${PERCENT} interval lies below ${ratio(goal)}: this run decides the goal`;
  }
  return `the ${PERCENT} interval contains ${ratio(goal)}: **this run does not decide the goal**`;
}

/** Relay's median ratio beside spellwire's: how much of the gap to raw the crossing itself costs. */
function relayBeside(runs, sw, goal) {
  if (!runs.relay?.length) return '';
  const relay = pairedRatio(runs, 'relay');
  const interval = pairedInterval(runs, 'relay');
  const own = pairedRatio(runs, 'spellwire', 'relay');
  return `; raw + one pass through wasm per event ${ratio(relay)} (${PERCENT} interval ${span(interval)}) beside spellwire's ${ratio(sw)}: `
    + `${whatCrossingLeaves(interval, sw, goal)} (spellwire against relay, median of per-round ratios, ${ratio(own)})`;
}

/** What relay's interval says about the goal: whether the crossing alone already misses it. */
function whatCrossingLeaves(interval, sw, goal) {
  const { lo, hi } = interval;
  if (tooFew(interval)) return `too few rounds to decide whether the crossing alone leaves raw at ${ratio(goal)} or above`;
  if (hi < goal) return `the crossing alone takes raw below ${ratio(goal)}, before any work of spellwire's`;
  if (lo < goal) return `this run does not decide whether the crossing alone leaves raw at ${ratio(goal)} or above`;
  if (sw < goal) return `the crossing alone leaves raw at or above ${ratio(goal)}, so what stands in the way is spellwire's own work`;
  return `the crossing alone leaves raw at or above ${ratio(goal)}`;
}

function goals({ unbatched, unbatchedRuns, batched, batchedRuns, rtt, sizes, floor, optionB, serverRss, fanout, reconnect, cpu, load, restart, nproc }) {
  const over = rtt.med.spellwire.p50 - rtt.med.raw.p50;
  return `| goal | spellwire | | for context, in this run |
|---|---|---|---|
| size (wasm + glue, min + gzip -9) ≤ centrifuge-js's, with every feature (issue 16) | ${sizeGoal(sizes, floor, 'centrifuge', optionB)}
| beyond: size ≤ socket.io-client's (issue 16) | ${sizeGoal(sizes, floor, 'socket.io-client', optionB)}
| page CPU per delivered event ≤ ${GOAL.cpuVsRaw}× raw (issue 16) | ${cpuGoal(cpu)}
| batched delivery ≥ ${GOAL.batchedVsRaw}× raw, median of per-round ratios (issue 16) | ${deliveryGoal(batched, batchedRuns, GOAL.batchedVsRaw)}
| unbatched delivery ≥ ${GOAL.deliveryVsRaw}× raw, median of per-round ratios (issue 16) | ${deliveryGoal(unbatched, unbatchedRuns, GOAL.deliveryVsRaw)}
| page load → \`open\` ≤ ${ratio(GOAL.loadVsSocketio)} socket.io-client's, median of per-round ratios (issue 16: p50 ≤ socket.io-client's): \`import\` alone | ${loadGoal(load, 'spellwire')}
| page load → \`open\` ≤ ${ratio(GOAL.loadVsSocketio)} socket.io-client's, median of per-round ratios (issue 16: p50 ≤ socket.io-client's): with the README's \`<link rel="preload">\` for the .wasm | ${loadGoal(load, 'spellwire-preload')}
| 1,000 clients reconnecting after a server restart, default backoff (issue 16) | ${restartGoal(restart)}
| round trip p50 ≤ raw + ${GOAL.rttOverRawMs} ms (issue 5) | raw ${signedMs(over)} | ${mark(over <= GOAL.rttOverRawMs)} | raw p50 ${ms(rtt.med.raw.p50)} |
| server RSS ≤ ${GOAL.idleKb} KB per idle connection, 10,000 connections (issue 5) | ${rssGoal(serverRss)}
| fan-out to 1,000 users ≥ ${rate(GOAL.fanoutPerSec)} deliveries on ${GOAL.fanoutCores} cores, p99 ≤ ${GOAL.fanoutP99Ms} ms (issue 5) | ${fanoutGoal(fanout, nproc)}
| reconnect time of one page, server back → first replayed event | ${reconnectGoal(reconnect)}
`;
}


/** A warning when other processes competed for the CPU during the run. */
function busy(r) {
  const peak = Math.max(...r.load);
  return peak > 1.5 * r.machine.nproc
    ? `The load average reached ${peak.toFixed(2)} on ${r.machine.nproc} cores during this run: other processes competed for the CPU, so read verdicts near a threshold as undecided and compare the per-round figures above.\n\n`
    : '';
}

/** The method's sentence on how many rounds each measurement ran. */
function roundCounts(c) {
  if (c.deliveryRounds === c.rounds) return `${c.rounds} rounds after a discarded warm-up round.`;
  const more = c.deliveryRounds > c.rounds;
  const why = more ? ': the delivery goals rest on a median of widely spread per-round ratios, which more rounds tighten' : '';
  return `Delivery (unbatched and batched): ${c.deliveryRounds} rounds after a discarded warm-up round; round trips: ${c.rounds}. `
    + `The two share the first ${Math.min(c.deliveryRounds, c.rounds)} rounds, then ${more ? 'delivery' : 'round trips'} runs on alone${why}.`;
}

export function render(r) {
  const c = r.config;
  const unbatched = deliveryTable(r.runs.unbatched, c.unbatched, 1);
  const batched = deliveryTable(r.runs.batched, c.batched, c.batch);
  const rtt = rttTable(r.runs.rtt);
  return `# Benchmarks

Generated by \`./scripts/bench.sh${r.smoke ? ' --smoke\` (tiny counts: checks the harness, the figures mean little)' : '\`'}; do not edit by hand.
Run on ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.nproc} cores (${r.machine.cpu}), ${r.machine.chromium} (headless, \`${r.chromium}\` via playwright-core), Node ${r.machine.node}.
Source: commit ${r.source.commit}${r.source.dirty ? ` with uncommitted changes in ${r.source.dirty}` : ''}.
The whole run took ${(r.elapsedMs / 1000).toFixed(0)} s; 1-minute load average ${r.load[0].toFixed(2)} before, ${r.load[1].toFixed(2)} after (the run itself loads the machine; more means something else was running).

## Method

- One headless Chromium page (bench/page.mjs) and one Node server (bench/server.mjs) on loopback, sharing the ${r.machine.nproc} cores.
- ${roundCounts(c)} Each round runs every client once per measurement, in an order rotated per round; every figure is the **median over rounds**; ratios are given both as a ratio of medians and as the median of per-round ratios (each kind against raw in the same round), all from this run.
- The median of per-round ratios comes with a ${PERCENT} bootstrap interval: the per-round ratios resampled with replacement ${RESAMPLES.toLocaleString('en')} times (a seeded PRNG, so the same figures give the same interval), the middle ${PERCENT} of the resampled medians. When a goal's threshold lies inside it, or the rounds are too few for any interval to hold ${PERCENT} (fewer than ${MIN_ROUNDS}), this run does not decide that goal; the verdict is still the issue's, the median itself.
- Delivery also measures a reference kind, raw + one pass through wasm per event: the raw client, each event frame handed to a hand-assembled wasm module (\`relay(seq, frame)\`) that calls the callback with it. Each event crossing into wasm and back out to the callback is the least a client whose per-event work runs in wasm does (unbatched; a batched message could cross in once with all its events, but each event still comes back out to its callback), so it separates the cost of spellwire's design from the cost of its own work. It is not in the round trips (it sends nothing of its own).
- Each delivery measurement opens a fresh connection (spellwire: a fresh \`Client\` with \`persistCursor: false\`, waited until \`open\`), then times from asking the server for a burst to the subscriber callback receiving the last event. The callback checks that seq 1..N arrived once each, in order (the run fails otherwise).
- The server answers spellwire's \`hello\` with \`welcome\`, \`ping\` with \`pong\`, \`send\` with \`ack\`. The events are \`{"op":"event","seq":i,"type":"tick","data":{"i":i}}\`, i = 1..N. raw and reconnecting-websocket receive the very same WebSocket frames as spellwire; socket.io receives the same objects as socket.io events (\`42["tick",{…}]\`, batched \`42["ticks",[…100…]]\`, the callback iterating the array).
- A burst's frames are encoded once and written to the TCP socket in one write, for every client kind, so the server costs almost nothing and the rate is the browser side's.
- Page cross-origin isolated: ${r.env.isolated ? 'yes (performance.now() grain 5 µs)' : 'NO (performance.now() grain 100 µs)'}.

## Delivery, unbatched (events/s from the server's socket to the subscriber callback)

${unbatched.text}
## Delivery, batched

${batched.text}${cpuBatchedNote(r.cpuBatched)}
## Round trip

One connection per client and round (${c.rounds} rounds), 20 warm-up sends, then ${c.pings} sequential sends, each awaited before the next. p50 and p99 are per round; the table gives their medians over rounds.

${rtt.text}
## Page CPU per event

${cpuSection(r.cpu)}${cpuWhereSection(r.cpuWhere)}${cpuBatchedSection(r.cpuBatched, c.batch)}
## Page load → open

${loadSection(r.pageLoad)}
## Size

${sizeTable(r.sizes)}
Peers: esbuild bundle of \`export * from '<package>'\` (the whole public API), \`--platform=browser --format=esm --minify\`, then gzip -9, from the npm versions shown. spellwire: pkg/ as scripts/build.sh left it (${r.sizes[0].build}), its JS glue bundled with the inline_js snippet it imports and minified by esbuild the same way, and its .wasm, each gzip -9.
CI's budget (scripts/size-budget.mjs, checked by scripts/test.sh after the release build; it only goes down): ${kb(BUDGET).toFixed(1)} KB (${BUDGET.toLocaleString('en')} B); this build is ${r.sizes[0].gzBytes.toLocaleString('en')} B.

### Size floor

${floorSection(r.floor, r.sizes)}
### Where the bytes go

${breakdownSection(r.breakdown, r.sizes, r.floor, r.optionB)}
### Option B, built and measured

${optionBSection(r.optionB, r.sizes)}
## Server memory per idle connection

${rssSection(r.serverRss)}
## Server fan-out

${fanoutSection(r.fanout)}
## Reconnect after a server restart

${reconnectSection(r.reconnect)}
## 1,000 clients reconnecting after a server restart

${restartSection(r.restart)}
## Goals

${busy(r)}${goals({ unbatched, unbatchedRuns: r.runs.unbatched, batched, batchedRuns: r.runs.batched, rtt, sizes: r.sizes, floor: r.floor, optionB: r.optionB, serverRss: r.serverRss, fanout: r.fanout, reconnect: r.reconnect, cpu: r.cpu, load: r.pageLoad, restart: r.restart, nproc: r.machine.nproc })}`;
}
