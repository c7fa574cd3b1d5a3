/**
 * The event log (the last 50 events with their seq, and error events) and `client.stats()`.
 */
import { h } from './dom.js';

const MAX_LINES = 50;

/**
 * @param {HTMLElement} root
 * @param {{ on: Function, stats: () => Record<string, number> }} client
 */
export function mountEventLog(root, client) {
  const log = h('ol', { class: 'event-log', 'aria-label': 'Last 50 events' });
  const stats = h('dl', { class: 'stats' });
  root.append(h('h3', {}, 'Stats'), stats, h('h3', {}, 'Events'), log);

  /** @param {HTMLElement} line */
  const add = (line) => {
    log.prepend(line);
    while (log.children.length > MAX_LINES) log.lastElementChild?.remove();
  };
  const renderStats = () => {
    stats.replaceChildren(...Object.entries(client.stats()).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { dataset: { stat: k } }, v)]));
  };

  client.on('*', (/** @type {any} */ evt) => {
    add(h('li', { dataset: { seq: evt.seq, type: evt.type } },
      h('span', { class: 'seq' }, `#${evt.seq}`), ' ', h('strong', {}, evt.type), ' ', evt.topic ?? ''));
    renderStats();
  });
  client.on('error', (/** @type {any} */ e) => add(h('li', { class: 'error' }, `⚠ ${e.code}: ${e.message}`)));
  client.on('state', renderStats);
  client.on('reset', renderStats);
  renderStats();
  setInterval(renderStats, 1000);
}
