/**
 * Who we are and which server run we talk to, loaded over HTTP (`GET /api/health`). On the
 * client's `reset` (the server no longer has the events after our cursor) the page says so and
 * reloads this state. A new server run (epoch) means it restarted: the casts the old run was
 * running are gone. The same run means only old events expired: casts go on, with a gap.
 */
import { h } from './dom.js';
import { health } from './api.js';

/**
 * @param {HTMLElement} root
 * @param {{ on: Function }} client
 * @param {string} user
 * @param {() => (restarted: boolean) => void} onReset called at the reset (to note what it
 *   affects: not what starts afterwards); the function it returns runs once state is reloaded
 */
export function mountServerInfo(root, client, user, onReset) {
  const epoch = h('code', { id: 'epoch' }, '…');
  const notice = h('p', { id: 'reset-notice', class: 'notice', role: 'status', hidden: true });
  root.append(h('p', { class: 'who' }, 'Signed in as ', h('strong', { id: 'user' }, user), ' · server run ', epoch), notice);

  /** @returns {Promise<string>} the previous epoch */
  const reload = async () => {
    const before = epoch.textContent ?? '';
    try {
      epoch.textContent = (await health()).epoch;
    } catch (err) {
      epoch.textContent = 'unreachable';
    }
    return before;
  };
  client.on('reset', async () => {
    const reloaded = onReset();
    notice.hidden = false;
    notice.textContent = 'Server history was lost; reloading state…';
    const before = await reload();
    reloaded(before !== epoch.textContent);
    notice.textContent = `Server history was lost; state reloaded (server run ${epoch.textContent}).`;
  });
  reload();
}
