/**
 * Buttons for the server's test hooks (drop the connection, mute the heartbeat for 30 s),
 * shown only when the server runs with `--test-hooks`.
 */
import { h } from './dom.js';
import { hasTestHooks, dropConnection, mutePongs } from './api.js';

/**
 * @param {HTMLElement} root a container that starts hidden
 * @param {string} user
 */
export async function mountHooksPanel(root, user) {
  if (!(await hasTestHooks())) return;
  const note = h('p', { class: 'hook-note', role: 'status' });
  /** @param {string} label @param {() => Promise<any>} action @param {string} done */
  const button = (label, action, done) => h('button', { type: 'button', onclick: async () => {
    try {
      await action();
      note.textContent = done;
    } catch (err) {
      note.textContent = `${label} failed: ${err instanceof Error ? err.message : err}`;
    }
  } }, label);
  root.append(
    h('h2', {}, 'Test hooks'),
    button('Drop connection', () => dropConnection(user), 'The server dropped the connection.'),
    button('Mute heartbeat 30 s', () => mutePongs(user, 30_000), 'The server ignores pings for 30 s.'),
    note);
  root.hidden = false;
}
