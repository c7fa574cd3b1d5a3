/**
 * The example page (examples/fastapi/static) as the test reads and drives it: through its
 * forms, its DOM and `window.example` (the client and the events it received).
 */
import { until, check } from '../e2e/page.mjs';

/**
 * Opens the page in a fresh context, logs in through the form, waits for an open connection.
 * @param {import('playwright-core').Browser} browser @param {string} base @param {string} user
 */
export async function openAndLogIn(browser, base, user) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base + '/', { timeout: 10_000 });
  await page.fill('#login input[name=name]', user, { timeout: 10_000 });
  await page.click('#login button');
  // The page reloads after logging in: an evaluate that meets the navigation just tries again.
  const connected = () => page.evaluate(() => window.example?.client.state === 'open').catch(() => false);
  await until(async () => errors.length > 0 || await connected(), 15_000, 'the page to log in and connect');
  check(errors.length === 0, `page error: ${errors.join('; ')}`);
  return page;
}

/**
 * Casts through the form and waits for the cast's row to say finished.
 * @param {import('playwright-core').Page} page @param {number} steps @param {number} stepMs
 * @returns {Promise<string>} the cast id
 */
export async function cast(page, steps, stepMs) {
  const before = await castIds(page);
  await page.fill('#cast-form input[name=steps]', String(steps));
  await page.fill('#cast-form input[name=stepMs]', String(stepMs));
  await page.click('#cast-form button');
  const id = await until(async () => (await castIds(page)).find((c) => !before.includes(c)), 10_000, 'the new cast row');
  await until(() => page.locator(`li[data-cast="${id}"][data-state=finished]`).count(),
    steps * stepMs + 15_000, `cast ${id} to finish`);
  return id;
}

/** @param {import('playwright-core').Page} page @returns {Promise<string[]>} */
const castIds = (page) => page.$$eval('#casts li', (lis) => lis.map((li) => li.dataset.cast));

/**
 * The events of one topic as `type:step`, in the order the page received them.
 * @param {import('playwright-core').Page} page @param {string} topic
 */
export async function topicEvents(page, topic) {
  const all = await received(page);
  return all.filter((e) => e.topic === topic).map((e) => `${e.type}:${e.data?.step ?? ''}`);
}

/** What a cast of `steps` steps publishes, in order. @param {number} steps */
export function expectedCast(steps) {
  const steps_ = Array.from({ length: steps }, (_, i) => [`step_started:${i + 1}`, `step_completed:${i + 1}`]);
  return [...steps_.flat(), 'cast_finished:'];
}

/** Every event the page received. @param {import('playwright-core').Page} page */
export const received = (page) => page.evaluate(() => window.example.received);

/** Types a chat message and presses Enter. @param {import('playwright-core').Page} page @param {string} text */
export async function say(page, text) {
  await page.fill('#chat-form input[name=text]', text);
  await page.press('#chat-form input[name=text]', 'Enter');
}

/**
 * The chat row of `text`: its state (pending, stored, rejected) and what it shows.
 * @param {import('playwright-core').Page} page @param {string} text
 */
export function chatRow(page, text) {
  return page.$$eval('#chat li', (lis, t) => {
    const li = lis.find((l) => l.textContent.startsWith(`${t}: `));
    return li ? { state: li.dataset.state, text: li.textContent } : null;
  }, text);
}

/** Waits until the row of `text` leaves `pending`. @param {import('playwright-core').Page} page @param {string} text @param {number} ms */
export async function settled(page, text, ms) {
  return until(async () => {
    const row = await chatRow(page, text);
    return row && row.state !== 'pending' ? row : null;
  }, ms, `the answer to "${text}"`);
}

/** The backend's stored record of `text` (GET /messages, with the page's cookie). */
export async function stored(page, text) {
  const all = await page.evaluate(() => fetch('/messages').then((r) => r.json()));
  return all.filter((m) => m.text === text);
}

/** The crew channel's lines the page received, in order, as `{ seq, text }`. @param {import('playwright-core').Page} page */
export const crewLines = (page) => page.evaluate(() => window.example.crew);

/** The crew list as the page shows it (newest first), as `seq text`. @param {import('playwright-core').Page} page */
export const crewShown = (page) => page.$$eval('#crew li', (lis) => lis.map((li) => `${li.dataset.seq} ${li.textContent}`));

/**
 * Joins `channel` with the page's client until its first event, its onError, or `ms`, then
 * leaves it. Resolves with the error (`{ channel, code, message }`) or null, and the events.
 * @param {import('playwright-core').Page} page @param {string} channel @param {number} ms
 */
export function joinBriefly(page, channel, ms) {
  return page.evaluate(({ channel, ms }) => new Promise((resolve) => {
    const events = [];
    let leave;
    let over = false;
    const done = (error) => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      setTimeout(() => leave?.()); // leave() may not run inside the client's own callback
      resolve({ error, events });
    };
    const timer = setTimeout(() => done(null), ms);
    leave = window.example.client.channel(channel, (e) => {
      events.push({ channel: e.channel, seq: e.seq, type: e.type, data: e.data });
      done(null);
    }, (err) => done({ channel: err.channel, code: err.code, message: err.message }));
  }), { channel, ms });
}
