/**
 * The run monitor: one row per tool call (`tool_start`), its 0–1 progress (`tool_progress`),
 * and its duration and status (`tool_end`). Keeps the latest 20 calls.
 */
import { h } from './dom.js';

const MAX_ROWS = 20;

/**
 * @param {HTMLElement} root
 * @param {{ on: Function }} client
 * @returns {{ running(): HTMLElement[] }} the result cells of calls that have not ended
 */
export function mountMonitor(root, client) {
  const body = h('tbody');
  root.append(h('table', { class: 'monitor' },
    h('caption', { class: 'sr-only' }, 'Tool calls'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Tool'), h('th', { scope: 'col' }, 'Step'),
      h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col' }, 'Result'))),
    body));
  /** @type {Map<string, {bar: HTMLProgressElement, result: HTMLElement}>} */
  const rows = new Map();
  const key = (/** @type {any} */ evt) => `${evt.topic}/${evt.data.step}/${evt.data.tool}`;

  client.on('tool_start', (/** @type {any} */ evt) => {
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: 1, value: 0, 'aria-label': `${evt.data.tool} progress` }));
    const result = h('td', { class: 'result' }, 'running…');
    const tr = h('tr', { dataset: { tool: evt.data.tool, step: evt.data.step } },
      h('td', {}, h('code', {}, evt.data.tool)), h('td', {}, evt.data.step), h('td', {}, bar), result);
    body.prepend(tr);
    rows.set(key(evt), { bar, result });
    while (body.rows.length > MAX_ROWS) body.lastElementChild?.remove();
  });
  client.on('tool_progress', (/** @type {any} */ evt) => {
    const row = rows.get(key(evt));
    if (row) row.bar.value = evt.data.progress;
  });
  client.on('tool_end', (/** @type {any} */ evt) => {
    const row = rows.get(key(evt));
    if (!row) return;
    row.bar.value = 1;
    row.result.textContent = `${evt.data.status} · ${evt.data.durationMs} ms`;
    row.result.dataset.status = evt.data.status;
    rows.delete(key(evt));
  });
  return { running: () => [...rows.values()].map((r) => r.result) };
}
