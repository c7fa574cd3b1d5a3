/**
 * A SpellWindow: one cast, followed on its own topic `cast:{castId}` of the shared client.
 * Completed steps are listed as they arrive (one line per `step_completed` event, so a
 * duplicate delivery would show), under an overall progress bar; then the final outputs.
 */
import { h } from './dom.js';

export class SpellWindow {
  /**
   * @param {{ subscribe: Function }} client the page's shared client
   * @param {{ castId: string, spell: string, steps: number }} started data of `cast_started`
   */
  constructor(client, started) {
    this.castId = started.castId;
    this.done = false;
    this.status = h('p', { class: 'cast-status' }, 'Starting…');
    this.bar = h('progress', { max: 1, value: 0, 'aria-label': `Progress of ${started.spell}` });
    this.steps = h('ol', { class: 'steps', 'aria-label': 'Completed steps' });
    this.outputs = h('div', { class: 'outputs' });
    const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close this window', onclick: () => this.close() }, '×');
    this.el = h('section', { class: 'spell-window', 'data-cast': this.castId, 'aria-label': `Cast ${this.castId}` },
      h('header', {}, h('h3', {}, started.spell), h('code', {}, `cast:${this.castId}`), close),
      h('p', { class: 'cast-meta' }, `${started.steps} steps`),
      this.bar, this.status, this.steps, this.outputs);
    this.unsubscribe = client.subscribe(`cast:${this.castId}`, (/** @type {any} */ evt) => this.apply(evt));
  }

  /** Applies one event of this cast. @param {{ type: string, data: any }} evt */
  apply({ type, data }) {
    if (type === 'step_started') this.status.textContent = `Step ${data.step}: ${data.name}…`;
    if (type === 'step_completed') this.completeStep(data);
    if (type === 'cast_completed') this.finish(data.outputs);
  }

  /** @param {{ step: number, progress: number, output: string }} data */
  completeStep({ step, progress, output }) {
    this.bar.value = progress;
    this.steps.append(h('li', { class: 'step', dataset: { step } },
      h('span', { class: 'step-no' }, `Step ${step}`), ' ', output));
  }

  /** @param {string[]} outputs */
  finish(outputs) {
    this.done = true;
    this.el.classList.add('completed');
    this.status.textContent = 'Completed';
    this.outputs.append(h('h4', {}, 'Outputs'),
      h('ul', { class: 'output-list' }, ...outputs.map((o) => h('li', {}, o))));
  }

  /**
   * After a `reset`: a restarted server cannot finish this cast; otherwise only some of its
   * events expired, and the later ones still arrive.
   * @param {boolean} restarted
   */
  historyLost(restarted) {
    if (this.done) return;
    this.done = restarted;
    this.el.classList.add(restarted ? 'interrupted' : 'gap');
    this.status.textContent = restarted
      ? 'Interrupted: the server restarted and lost this cast'
      : 'Some events of this cast expired on the server; later steps still appear';
  }

  /** Unsubscribes and removes the window. */
  close() {
    this.unsubscribe();
    this.el.remove();
  }
}
