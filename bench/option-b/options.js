// Option B's `new Client(options)`: the options object checked and flattened in JavaScript for
// the engine (see SPEC.md). Only names and types are checked here, with the Rust face's messages;
// the ranges and the defaults stay Rust's (`Options::validate`, `Options::new`), as Rust front
// ends share them.
//
// `readOptions(o)` returns the numbers below by position (NaN: not given, keep the default),
// then, when `transports` is given, their count and one code each (1 websocket, 2 http); or
// throws the message of the first problem, as a string. client.js reads `url` and `token` itself.

// Every option name, in the order the message lists them (src/options.rs's OPTION_NAMES).
export const NAMES = ['url', 'token', 'autoConnect', 'backoff', 'connectTimeoutMs', 'heartbeatMs',
  'livenessGraceMs', 'queueLimit', 'overflow', 'maxMessageBytes', 'persistCursor', 'transports'];
export const BACKOFF_NAMES = ['initialMs', 'maxMs', 'factor', 'jitter', 'maxAttempts', 'resetAfterMs'];

const given = (v) => v !== undefined && v !== null;

/** Refuses names we do not know, so a typo is an error rather than a silent default. */
function known(o, names, prefix) {
  const name = Object.keys(o).find((k) => !names.includes(k));
  if (name !== undefined) throw `unknown option ${prefix}${name}; known: ${names.join(', ')}`;
}

/** `'a', 'b' or 'c'`. */
const either = (choices) => choices.map((c) => `'${c}'`).join(', ').replace(/, (?=[^,]*$)/, ' or ');

/** A number, a boolean (1 or 0), a count, or the index of one of the `choices`; NaN when not given. */
function read(o, name, kind, prefix = '') {
  const v = o[name];
  if (!given(v)) return NaN;
  if (kind === 'number' || kind === 'boolean') {
    if (typeof v === kind) return +v;
    throw `${prefix}${name} must be ${kind === 'number' ? 'a number' : 'true or false'}`;
  }
  if (kind === 'count') {
    if (Number.isInteger(v) && v >= 0 && v < 1e9) return v;
    throw `${name} must be a whole number`;
  }
  if (kind.includes(v)) return kind.indexOf(v);
  throw `${prefix}${name} must be ${either(kind)}, not ${typeof v === 'string' ? `'${v}'` : typeof v}`;
}

export function readOptions(o) {
  if (o === null || typeof o !== 'object') throw "options must be an object such as { url: 'ws://host/ws' }";
  known(o, NAMES, '');
  const url = o.url;
  if (Array.isArray(url) ? url.some((u) => typeof u !== 'string') : typeof url !== 'string') {
    throw Array.isArray(url) ? 'url list must hold only strings' : 'url is required: a ws:// or wss:// URL, or a list of them';
  }
  const token = o.token;
  if (given(token) && typeof token !== 'string' && typeof token !== 'function') {
    throw 'token must be a string or a function returning one';
  }
  let b = o.backoff;
  if (!given(b)) b = {};
  else if (typeof b !== 'object') throw 'backoff must be an object';
  known(b, BACKOFF_NAMES, 'backoff.');
  const out = [
    read(o, 'autoConnect', 'boolean'),
    ...['initialMs', 'maxMs', 'factor', 'maxAttempts', 'resetAfterMs'].map((n) => read(b, n, 'number', 'backoff.')),
    read(b, 'jitter', ['full', 'equal', 'none'], 'backoff.'),
    read(o, 'connectTimeoutMs', 'number'),
    read(o, 'heartbeatMs', 'number'),
    read(o, 'livenessGraceMs', 'number'),
    read(o, 'queueLimit', 'count'),
    read(o, 'overflow', ['reject', 'drop-oldest']),
    read(o, 'maxMessageBytes', 'count'),
    read(o, 'persistCursor', 'boolean'),
  ];
  const t = o.transports;
  if (given(t)) { // how many, then each: an empty list is Options::validate's to refuse
    const codes = Array.isArray(t) ? t.map((name) => ['websocket', 'http'].indexOf(name) + 1) : [0];
    if (codes.includes(0)) throw "transports must be a list of 'websocket' and 'http'";
    out.push(codes.length, ...codes);
  }
  return new Float64Array(out);
}
