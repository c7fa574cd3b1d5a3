/**
 * The crew board: a channel every user of the demo shares (`crew:demo`). Each cast, by anyone,
 * posts a line when it starts and when it ends, so two tabs logged in as two users show the
 * same board, in the same order (the channel's seq), and a tab that reconnects catches up from
 * its channel cursor like it does for its own stream.
 */
import { h } from './dom.js';

/** The channel the demo server posts crew news to (`server/src/spells.rs`). */
export const CREW_CHANNEL = 'crew:demo';
const MAX_LINES = 20;

/**
 * @param {HTMLElement} root
 * @param {{ channel: Function }} client
 */
export function mountCrewBoard(root, client) {
  const list = h('ol', { class: 'crew-board', 'aria-label': 'Crew news' });
  const status = h('p', { class: 'cast-meta' }, `Everyone's casts, from channel ${CREW_CHANNEL}.`);
  root.append(status, list);

  client.channel(CREW_CHANNEL, (/** @type {any} */ evt) => {
    const d = evt.data;
    const text = evt.type === 'crew_cast_started'
      ? `${d.user} started ${d.spell} (${d.steps} steps)`
      : `${d.user}'s ${d.spell} finished`;
    list.prepend(h('li', { dataset: { seq: evt.seq, type: evt.type, cast: d.castId } },
      h('span', { class: 'seq' }, `#${evt.seq}`), ' ', text));
    while (list.children.length > MAX_LINES) list.lastElementChild?.remove();
  }, (/** @type {any} */ err) => {
    status.textContent = `Crew board unavailable: ${err.code}: ${err.message}`;
    status.classList.add('form-error');
  });
}
