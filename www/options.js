/**
 * Page options from the query string, for people and for tests:
 * `?user=NAME`, `?token=LITERAL` (skip login, use this token as is), `?heartbeatMs=N`,
 * `?livenessGraceMs=N`, `?backoffMs=N` (first reconnect delay cap), `?backoffMaxMs=N`.
 */

/**
 * @typedef {object} PageOptions
 * @property {string} user         who to log in as (default `guest-NNNN`)
 * @property {string|null} token   a literal token instead of logging in
 * @property {number|null} heartbeatMs
 * @property {number|null} livenessGraceMs
 * @property {number|null} backoffMs
 * @property {number|null} backoffMaxMs
 */

/**
 * @param {string} search e.g. `location.search`
 * @returns {PageOptions}
 */
export function readOptions(search) {
  const q = new URLSearchParams(search);
  return {
    user: q.get('user') || `guest-${Math.floor(1000 + Math.random() * 9000)}`,
    token: q.get('token'),
    heartbeatMs: number(q.get('heartbeatMs')),
    livenessGraceMs: number(q.get('livenessGraceMs')),
    backoffMs: number(q.get('backoffMs')),
    backoffMaxMs: number(q.get('backoffMaxMs')),
  };
}

/** @param {string|null} text */
function number(text) {
  const n = Number(text);
  return text !== null && text !== '' && Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * The `Client.shared` options these page options ask for.
 * @param {PageOptions} opts
 * @param {string|(() => Promise<string>)} token
 */
export function clientOptions(opts, token) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  /** @type {Record<string, any>} */
  const options = { url, token };
  if (opts.heartbeatMs !== null) options.heartbeatMs = opts.heartbeatMs;
  if (opts.livenessGraceMs !== null) options.livenessGraceMs = opts.livenessGraceMs;
  if (opts.backoffMs !== null || opts.backoffMaxMs !== null) {
    options.backoff = {};
    if (opts.backoffMs !== null) options.backoff.initialMs = opts.backoffMs;
    if (opts.backoffMaxMs !== null) options.backoff.maxMs = opts.backoffMaxMs;
  }
  return options;
}
