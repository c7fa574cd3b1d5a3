/**
 * The spellwire demo page: logs in, creates the page's one shared client at load, and mounts
 * the components, each of which listens to that same client.
 */
// The package's main entry initialises its wasm on import: no init() call (see the README).
import { Client } from '/pkg/index.js';
import { readOptions, clientOptions } from './options.js';
import { login } from './api.js';
import { mountBadge } from './badge.js';
import { mountServerInfo } from './server-info.js';
import { mountCasts } from './casts.js';
import { mountMonitor } from './monitor.js';
import { mountEventLog } from './event-log.js';
import { mountHooksPanel } from './hooks-panel.js';
import { mountCrewBoard } from './crew-board.js';

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const options = readOptions(location.search);
// A literal ?token= is used as is; otherwise log in before every attempt, so a restarted
// server (new signing key) gets a token it accepts.
const token = options.token ?? (() => login(options.user));
const client = Client.shared(clientOptions(options, token));

mountBadge(byId('connection'), client);
const casts = mountCasts(byId('casts'), client, options.user);
mountCrewBoard(byId('crew'), client);
const monitor = mountMonitor(byId('monitor'), client);
mountServerInfo(byId('server'), client, options.user, () => {
  const windows = casts.unfinished();
  const calls = monitor.running();
  return (restarted) => {
    for (const w of windows) w.historyLost(restarted);
    if (restarted) for (const cell of calls) cell.textContent = 'lost (server restarted)';
  };
});
mountEventLog(byId('log'), client);
mountHooksPanel(byId('hooks'), options.user);

/** For tests and the console; the page itself never reads it. */
Object.assign(window, { spellwireDemo: { client, options } });
