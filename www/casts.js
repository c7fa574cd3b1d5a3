/**
 * The "Cast spell" form and the SpellWindows. A window opens when a cast's first event
 * (`cast_started`) arrives, whoever started it (this tab or another tab of the same user), so
 * no event can slip past between the POST and the subscription.
 */
import { h } from './dom.js';
import { castSpell } from './api.js';
import { SpellWindow } from './spell-window.js';

/**
 * @param {HTMLElement} root
 * @param {{ on: Function, subscribe: Function }} client
 * @param {string} user
 * @returns {{ unfinished(): SpellWindow[] }}
 */
export function mountCasts(root, client, user) {
  const form = castForm(user);
  const list = h('div', { class: 'windows', 'aria-live': 'off' });
  root.append(form, list);
  /** @type {Map<string, SpellWindow>} */
  const windows = new Map();

  client.on('cast_started', (/** @type {any} */ evt) => {
    if (windows.has(evt.data.castId)) return;
    const w = new SpellWindow(client, evt.data);
    windows.set(w.castId, w);
    list.prepend(w.el);
  });

  return { unfinished: () => [...windows.values()].filter((w) => !w.done) };
}

/** The form: spell name, steps, step ms. @param {string} user */
function castForm(user) {
  const field = (label, attrs) => h('label', {}, label, h('input', attrs));
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'cast-form' },
    field('Spell', { name: 'spell', value: 'fireball', required: true, maxlength: 64 }),
    field('Steps', { name: 'steps', type: 'number', value: 5, min: 1, max: 100, required: true }),
    field('Step ms', { name: 'stepMs', type: 'number', value: 600, min: 0, max: 60000, required: true }),
    h('button', { type: 'submit' }, 'Cast spell'), error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    error.textContent = '';
    try {
      await castSpell(user, String(data.get('spell')), Number(data.get('steps')), Number(data.get('stepMs')));
    } catch (err) {
      error.textContent = `Could not cast: ${err instanceof Error ? err.message : err}`;
    }
  });
  return form;
}
