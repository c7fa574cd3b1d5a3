/**
 * Who we are and which server run we talk to, loaded over HTTP (`GET /api/health`). On the
 * client's `reset` (the server lost the history our cursor pointed into, e.g. it restarted),
 * the page says so and reloads this state; casts the old server was running cannot finish.
 */
import { h } from './dom.js';
import { health } from './api.js';

/**
 * @param {HTMLElement} root
 * @param {{ on: Function }} client
 * @param {string} user
 * @param {(why: string) => void} onHistoryLost called on reset, before reloading
 */
export function mountServerInfo(root, client, user, onHistoryLost) {
  const epoch = h('code', { id: 'epoch' }, '…');
  const notice = h('p', { id: 'reset-notice', class: 'notice', role: 'status', hidden: true });
  root.append(h('p', { class: 'who' }, 'Signed in as ', h('strong', { id: 'user' }, user), ' · server run ', epoch), notice);

  const reload = async () => {
    try {
      epoch.textContent = (await health()).epoch;
    } catch (err) {
      epoch.textContent = 'unreachable';
    }
  };
  client.on('reset', async () => {
    onHistoryLost('Interrupted: the server lost this cast');
    notice.hidden = false;
    notice.textContent = 'Server history was lost; reloading state…';
    await reload();
    notice.textContent = `Server history was lost; state reloaded (server run ${epoch.textContent}).`;
  });
  reload();
}
