/** The server's HTTP API, as the page uses it. Every call rejects with a readable Error. */

/**
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 */
async function call(method, path, body) {
  const init = body === undefined ? { method } : {
    method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' },
  };
  const res = await fetch(path, init);
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? `${method} ${path}: HTTP ${res.status}`);
  return json;
}

/** @param {string} user @returns {Promise<string>} a fresh token */
export async function login(user) {
  return (await call('POST', '/api/login', { user })).token;
}

/** @returns {Promise<{ok: boolean, epoch: string}>} */
export function health() {
  return call('GET', '/api/health');
}

/**
 * Starts a cast; its events arrive on topic `cast:{castId}`.
 * @param {string} user @param {string} spell @param {number} steps @param {number} stepMs
 * @returns {Promise<string>} the cast id
 */
export async function castSpell(user, spell, steps, stepMs) {
  const path = `/api/spells/${encodeURIComponent(spell)}/cast`;
  return (await call('POST', path, { user, steps, stepMs })).castId;
}

/** Whether the server was started with `--test-hooks` (the hooks answer 404 otherwise). */
export async function hasTestHooks() {
  const res = await fetch('/test/hellos?token=probe').catch(() => null);
  return res?.ok ?? false;
}

/** Test hook: the server drops the user's sockets. @param {string} user */
export function dropConnection(user) {
  return call('POST', '/test/drop', { user });
}

/** Test hook: the server ignores the user's pings for `ms`. @param {string} user @param {number} ms */
export function mutePongs(user, ms) {
  return call('POST', '/test/mute-pongs', { user, ms });
}
