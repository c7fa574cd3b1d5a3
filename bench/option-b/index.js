// The package's main entry (option B): initialises the wasm on import, hands the engine to the
// JavaScript face, then exports the API. Pages that load the wasm from elsewhere import
// 'spellwire/init' (init.js) and call init(url) instead.
import init, { Engine } from './spellwire.js';
import { install } from './client.js';

await init({ module_or_path: new URL('./spellwire_bg.wasm', import.meta.url) });
install(Engine);

export { Client } from './client.js';
export { default as init, initSync } from './spellwire.js';
