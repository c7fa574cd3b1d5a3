// 'spellwire/init' (option B): the API without initialising on import, for pages that load the
// wasm from elsewhere: `await init(url)` (or `initSync(module)`) first, then `new Client(...)`.
// Used before that, Client throws a SpellwireError with code `NotReady`.
import glueInit, { initSync as glueInitSync, Engine } from './spellwire.js';
import { install } from './client.js';

/** Initialises the wasm (as the glue's `init`), then the face. */
export default async function init(moduleOrPath) {
  const exports = await glueInit(moduleOrPath);
  install(Engine);
  return exports;
}

/** Initialises the wasm synchronously (as the glue's `initSync`), then the face. */
export function initSync(module) {
  const exports = glueInitSync(module);
  install(Engine);
  return exports;
}

export { Client } from './client.js';
