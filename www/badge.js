/**
 * The connection badge: one line of text for every client state, a countdown while waiting to
 * reconnect (whole seconds, so the live region speaks at most once a second), and a Retry
 * button when it makes sense. It is an `aria-live="polite"` region.
 */
import { h } from './dom.js';

/** @typedef {{ state: string, attempt: number, nextRetryMs: number|null, latencyMs: number|null, reason: string|null, transport?: string }} StateInfo */

/**
 * What a person reads for a state.
 * @param {StateInfo} s
 * @param {number} remainingMs time left before the next attempt (while reconnecting)
 */
export function describeState(s, remainingMs) {
  switch (s.state) {
    case 'open': {
      // The transport is named only when it is not the usual one: a proxy refused WebSockets.
      const via = s.transport && s.transport !== 'websocket' ? ` over ${s.transport.toUpperCase()}` : '';
      return s.latencyMs == null ? `Connected${via}` : `Connected${via} (${Math.max(1, Math.round(s.latencyMs))} ms)`;
    }
    case 'connecting':
      return s.attempt > 0 ? `Connecting… (attempt ${s.attempt})` : 'Connecting…';
    case 'reconnecting':
      return `Reconnecting (attempt ${s.attempt}, next in ${Math.ceil(Math.max(0, remainingMs) / 1000)} s)`;
    case 'offline':
      return 'Offline';
    case 'failed':
      return `Failed: ${s.reason ?? 'unknown'}`;
    default:
      return 'Closed';
  }
}

/**
 * Mounts the badge in `root` and keeps it in step with `client`.
 * @param {HTMLElement} root
 * @param {{ on: Function, retry: Function, state: string }} client
 */
export function mountBadge(root, client) {
  const text = h('span', { class: 'badge-text' }, 'Connecting…');
  const retry = h('button', { type: 'button', class: 'retry', hidden: true, onclick: () => client.retry() }, 'Retry');
  const badge = h('div', { id: 'status', class: 'badge', 'data-state': 'connecting', 'aria-live': 'polite', 'aria-atomic': 'true' }, text);
  root.append(badge, retry);

  /** @type {StateInfo} the client may have started connecting before we listened */
  let last = { state: client.state, attempt: 0, nextRetryMs: null, latencyMs: null, reason: null };
  let retryAt = 0;
  let ticker = 0;
  const render = () => {
    const line = describeState(last, retryAt - performance.now());
    if (text.textContent !== line) text.textContent = line; // unchanged text is not re-announced
  };

  client.on('state', (/** @type {StateInfo} */ s) => {
    last = s;
    retryAt = performance.now() + (s.nextRetryMs ?? 0);
    badge.dataset.state = s.state;
    badge.dataset.transport = s.transport ?? 'websocket';
    retry.hidden = !['failed', 'reconnecting', 'offline'].includes(s.state);
    clearInterval(ticker);
    if (s.state === 'reconnecting') ticker = setInterval(render, 250);
    render();
  });
  render();
}
