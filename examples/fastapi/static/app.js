/**
 * The example page: logs in, then creates the page's one spellwire Client and shows casts, the
 * crew channel (a stream all users share) and chat. `spellwire` is what `npm install spellwire` gives a bundler; here index.html's import map
 * points it at /pkg/index.js, the repo's built package (ready on import: no init() to call).
 */
import { Client } from 'spellwire';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const me = await fetch('/me');
if (me.status === 401) showLogin();
else await start(await me.json());

function showLogin() {
  const form = /** @type {HTMLFormElement} */ ($('login'));
  form.hidden = false;
  $('status').textContent = 'logged out';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await call('POST', '/login', { name: form.elements.namedItem('name').value });
    location.reload();
  });
}

/** @param {{ user: string, wsUrl: string, crew: string }} session */
async function start({ user, wsUrl, crew }) {
  $('app').hidden = false;
  $('who').textContent = user;
  $('logout').addEventListener('click', async () => { await call('POST', '/logout'); location.reload(); });
  let tokens = 0;
  const client = new Client({
    url: wsUrl,
    // Asked before every connection, and again before the token expires: the socket stays up.
    token: async () => {
      const { token } = await call('GET', '/token');
      tokens++;
      return token;
    },
  });
  const received = [];
  client.on('*', ({ seq, type, topic, data }) => received.push({ seq, type, topic, data }));
  client.on('state', (s) => {
    $('status').textContent = s.state === 'open' && s.latencyMs != null ? `open (${s.latencyMs.toFixed(0)} ms)` : s.state;
    $('status').dataset.state = s.state;
  });
  mountCasts(client);
  const crewLines = mountCrew(client, crew);
  mountChat(client);
  // For tests and the console: what arrived (own stream, crew channel), how many tokens were asked.
  Object.assign(window, { example: { client, received, crew: crewLines, tokens: () => tokens } });
}

/** A row per cast, filled in by its events (which may arrive before POST /cast answers). */
function mountCasts(client) {
  const rows = new Map();
  const row = ({ castId, steps }) => {
    if (!rows.has(castId)) {
      const li = document.createElement('li');
      li.dataset.cast = castId;
      li.innerHTML = `cast ${castId} <progress max="${steps}" value="0"></progress> <span></span>`;
      $('casts').prepend(li);
      rows.set(castId, li);
    }
    return rows.get(castId);
  };
  const show = (data, state, text, done) => {
    const li = row(data);
    li.dataset.state = state;
    li.querySelector('progress').value = done;
    li.querySelector('span').textContent = text;
  };
  client.on('step_started', ({ data }) => show(data, 'running', `step ${data.step} of ${data.steps}`, data.step - 1));
  client.on('step_completed', ({ data }) => show(data, 'running', `step ${data.step} of ${data.steps} done`, data.step));
  client.on('cast_finished', ({ data }) => show(data, 'finished', 'finished', data.steps));

  const form = /** @type {HTMLFormElement} */ ($('cast-form'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const field = (name) => Number(form.elements.namedItem(name).value);
    const { castId } = await call('POST', '/cast', { steps: field('steps'), stepMs: field('stepMs') });
    row({ castId, steps: field('steps') });
  });
}

/**
 * The crew channel: every page joins it (the token grants `crew:*`), and each cast, anyone's,
 * posts a line when it starts and when it ends. One log for everyone, so every page shows the
 * same lines in the same order; after a reconnect the client resumes it from its cursor.
 */
function mountCrew(client, crew) {
  const lines = [];
  $('crew-name').textContent = crew;
  client.channel(crew, ({ seq, data }) => {
    lines.push({ seq, text: data.text });
    const li = document.createElement('li');
    li.dataset.seq = String(seq);
    li.textContent = data.text;
    $('crew').prepend(li);
    $('crew').children[20]?.remove(); // the newest 20
  }, (err) => {
    // Refused for good (the token no longer grants it, say); the rest of the page carries on.
    $('crew-name').textContent = `${crew}: ${err.code} (${err.message})`;
  });
  return lines;
}

/** Each message shows `sending…` until the backend's answer resolves or rejects send(). */
function mountChat(client) {
  const form = /** @type {HTMLFormElement} */ ($('chat-form'));
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('text'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = input.value;
    input.value = '';
    const li = document.createElement('li');
    li.dataset.state = 'pending';
    li.textContent = `${text}: sending…`;
    $('chat').prepend(li);
    try {
      // While the backend is down the gateway asks the client to resend later, with the same
      // id: the promise stays pending and resolves once the backend has applied it.
      const result = await client.send('chat', { text }, { topic: 'chat' });
      li.dataset.state = 'stored';
      li.textContent = `${text}: ${result.reply}`;
    } catch (err) {
      li.dataset.state = 'rejected';
      li.textContent = `${text}: refused (${err.code}: ${err.message})`;
    }
  });
}

/** @param {string} method @param {string} path @param {any} [body] */
async function call(method, path, body) {
  const options = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const res = await fetch(path, options);
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.json();
}
