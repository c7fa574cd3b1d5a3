/**
 * What tests/react/run.mjs checks in the React example, one function per claim. Each gets a
 * fresh page for a new user whose token the test holds (`?token=`), so the server's hello count
 * for that token is the number of sockets the page opened.
 */
import { badge, watchBadge, until, check, get, post, sleep, uniqueUser } from '../e2e/page.mjs';

/** @typedef {{ page: import('playwright-core').Page, user: string, token: string, openSockets: () => number }} Opened */
/** @typedef {{ server: { url: string }, open: (prefix: string) => Promise<Opened> }} Ctx */

const CONNECTED_MS = /^Connected \(\d+ ms\)$/;

/** Whether the element `selector` renders inside a <StrictMode> (read from React's fiber). */
const inStrictMode = (page, selector) => page.locator(selector).evaluate((el) => {
  const key = Object.keys(el).find((k) => k.startsWith('__reactFiber$'));
  for (let f = key && el[key]; f; f = f.return) if (f.elementType === Symbol.for('react.strict_mode')) return true;
  return false;
});

/** Hellos the server counted for `token`. @param {Ctx} t @param {string} token */
const hellos = async (t, token) => (await get(t.server.url, `/test/hellos?token=${encodeURIComponent(token)}`)).count;

/** Casts from the form; returns the window that opens for it. */
export async function cast(page, spell, steps, stepMs) {
  await page.getByRole('textbox', { name: 'Spell', exact: true }).fill(spell);
  await page.getByRole('spinbutton', { name: 'Steps', exact: true }).fill(String(steps));
  await page.getByRole('spinbutton', { name: 'Step ms', exact: true }).fill(String(stepMs));
  await page.getByRole('button', { name: 'Cast spell' }).click();
  const win = page.locator('.spell-window').filter({ has: page.locator('h3', { hasText: spell }) });
  await win.waitFor({ timeout: 5000 });
  return win;
}

/** The step numbers a window lists, in order. */
const stepsOf = (win) => win.locator('li.step').evaluateAll((lis) => lis.map((li) => Number(li.dataset.step)));
const outputsOf = (win) => win.locator('.output-list li').count();
const upTo = (n) => JSON.stringify(Array.from({ length: n }, (_, i) => i + 1));

/** StrictMode (development build) mounts everything twice: still one socket, one hello. @param {Ctx} t */
export async function oneSocket(t) {
  const { page, token } = await t.open('strict');
  const text = await until(async () => {
    const b = await badge(page);
    return CONNECTED_MS.test(b) && b;
  }, 8000, '"Connected (N ms)"');
  check(await inStrictMode(page, '#status'), 'the app does not render inside <StrictMode>');
  await sleep(500); // a second client would have said hello by now
  const count = await hellos(t, token);
  check(count === 1, `the server counted ${count} hellos for the page's token (one socket each)`);
  return `${text}, in StrictMode, 1 hello`;
}

/** Two casts: each window lists its own steps once, in order; the monitor ends every call. @param {Ctx} t */
export async function castsInOrder(t) {
  const { page } = await t.open('casts');
  const quick = await cast(page, 'summon', 3, 100);
  const slow = await cast(page, 'fireball', 5, 300);
  await until(async () => (await outputsOf(quick)) === 3 && (await outputsOf(slow)) === 5, 10_000, 'both casts to complete');
  const [a, b] = [await stepsOf(quick), await stepsOf(slow)];
  check(JSON.stringify(a) === upTo(3) && JSON.stringify(b) === upTo(5), `steps shown: summon ${a}, fireball ${b}`);
  const outputs = await slow.locator('.output-list li').allInnerTexts();
  check(outputs.every((o, i) => o.endsWith(` done (${i + 1}/5)`)), `outputs: ${outputs}`);
  const ended = await page.locator('.monitor td.result[data-status="ok"]').allInnerTexts();
  check(ended.length === 8 && ended.every((r) => /^ok · \d+ ms$/.test(r)), `run monitor results: ${ended}`);
  return `summon ${a}, fireball ${b}, ${ended.length} tool calls ended`;
}

/** Hidden (unmounted) mid-cast and shown again: the missed steps come back, none twice. @param {Ctx} t */
export async function remount(t) {
  const { page } = await t.open('remount');
  const win = await cast(page, 'tempest', 6, 300);
  await until(async () => (await stepsOf(win)).length >= 2, 5000, 'step 2');
  await win.getByRole('button', { name: 'Hide' }).click();
  check(await win.locator('li.step').count() === 0, 'the steps are still shown after Hide');
  const step4 = page.locator('.monitor tr[data-step="4"] td.result[data-status="ok"]');
  await until(() => step4.count(), 5000, 'step 4 to end while the window is hidden');
  await win.getByRole('button', { name: 'Show' }).click();
  // The replay renders after the click returns: wait for it, then check what it shows.
  await until(async () => (await stepsOf(win)).length >= 4, 3000, 'the steps after Show');
  const back = await stepsOf(win);
  check(JSON.stringify(back) === upTo(back.length) && back.length >= 4, `steps after Show: ${back}`);
  await until(async () => (await outputsOf(win)) === 6, 8000, 'the outputs');
  for (const name of ['Hide', 'Show']) await win.getByRole('button', { name }).click();
  await until(async () => (await stepsOf(win)).length >= 6, 3000, 'the steps after the cast, hidden and shown');
  const end = await stepsOf(win);
  check(JSON.stringify(end) === upTo(6) && (await outputsOf(win)) === 6, `steps after the cast, hidden and shown: ${end}`);
  return `shown again with steps ${back}, then ${end}`;
}

/** Two drops mid-cast: the badge says "Reconnecting (attempt N, next in S s)", then "Connected". @param {Ctx} t */
export async function reconnects(t) {
  const { page, user, token } = await t.open('drops');
  const seen = await watchBadge(page);
  const win = await cast(page, 'storm', 6, 300);
  for (const afterStep of [1, 3]) {
    await until(async () => (await stepsOf(win)).length >= afterStep, 5000, `step ${afterStep}`);
    const before = (await seen()).length;
    await post(t.server.url, '/test/drop', { user });
    await until(async () => {
      const since = (await seen()).slice(before);
      return since.some((s) => /^Reconnecting \(attempt \d+, next in \d+ s\)$/.test(s)) && since.at(-1).startsWith('Connected');
    }, 8000, `"Reconnecting (attempt N, next in S s)" then "Connected" after the drop at step ${afterStep}`);
  }
  await until(async () => (await outputsOf(win)) === 6, 10_000, 'the outputs');
  const steps = await stepsOf(win);
  check(JSON.stringify(steps) === upTo(6), `steps shown: ${steps}`);
  const count = await hellos(t, token);
  check(count === 3, `${count} hellos for the page's token after two drops (want 1 + 2 reconnects)`);
  return (await seen()).filter((s, i, all) => s !== all[i - 1]).join(' → ');
}

/** A send while offline waits in the outbox ("1 waiting"), goes out once when back online.
 * Chromium's offline emulation may hold the drop's close frame until it is back online; then the
 * heartbeat finds the socket dead, so its grace here is short enough to do that within the wait
 * (with the default 10 s this check failed when the close was held). @param {Ctx} t */
export async function pendingSend(t) {
  const { page, user } = await t.open('sends', { livenessGraceMs: '1000' });
  await page.context().setOffline(true);
  await post(t.server.url, '/test/drop', { user });
  await until(async () => (await badge(page)) === 'Offline', 5000, '"Offline"');
  const text = `sent offline ${Date.now()}`;
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const pending = page.locator('.pending');
  await until(async () => (await pending.getAttribute('data-pending')) === '1', 3000, 'pending 1');
  const waiting = await pending.innerText();
  await page.context().setOffline(false);
  await until(async () => (await pending.getAttribute('data-pending')) === '0', 8000, 'pending 0 once back online');
  await until(() => page.locator('.acked li').count(), 3000, 'the ack');
  const { messages } = await get(t.server.url, `/test/received/${user}`);
  const got = messages.filter((m) => m.data?.text === text).length;
  check(got === 1, `the server applied the message ${got} times`);
  return `"${waiting}" → "${await pending.innerText()}", applied once`;
}

/** The notices the page lists, in order. */
const noticesOf = (page) => page.locator('.notices li').allInnerTexts();

/**
 * A logs out and B logs in on the same page: B gets a new client (one socket open, B's), and none
 * of A's events, neither published before the logout nor after. @param {Ctx} t
 */
export async function switchUser(t) {
  const { page, user: a, token, openSockets } = await t.open('switch-a');
  const notice = (user, text) => post(t.server.url, '/api/notify', { user, type: 'notice', data: { text } });
  await until(async () => CONNECTED_MS.test(await badge(page)), 8000, 'A connected');
  await notice(a, 'for A before the logout');
  await until(async () => (await noticesOf(page)).length === 1, 5000, "A's notice");
  await page.getByRole('button', { name: 'Log out' }).click();
  const b = uniqueUser('react-switch-b');
  await page.getByRole('textbox', { name: 'User' }).fill(b);
  await page.getByRole('button', { name: 'Log in' }).click();
  await until(async () => (await page.locator('.user b').innerText()) === b && CONNECTED_MS.test(await badge(page)), 8000, 'B signed in and connected');
  await notice(a, 'for A after the logout');
  await notice(b, 'for B');
  await until(async () => (await noticesOf(page)).includes('for B'), 5000, "B's notice");
  await sleep(500); // A's notice, on a socket still open for A, would be here by now
  const shown = await noticesOf(page);
  check(JSON.stringify(shown) === '["for B"]', `B's page lists ${JSON.stringify(shown)}`);
  await until(() => openSockets() === 1, 3000, 'one open socket');
  const helloed = await hellos(t, token);
  check(helloed === 1, `${helloed} hellos with A's token (A's client reconnected after the logout)`);
  return `B's page lists ${JSON.stringify(shown)}, ${openSockets()} socket open, A's token said hello once`;
}

/** useChannel in the browser: two users join one channel from the example's form and list the
 * same events in order; a channel the token does not grant shows the refusal. @param {Ctx} t */
export async function channel(t) {
  const room = `room:${uniqueUser('react')}`;
  const join = async (page, name) => {
    await page.getByRole('textbox', { name: 'Channel', exact: true }).fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
  };
  const seqs = (page) => page.locator('.channel-events li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.seq)));
  const [a, b] = [await t.open('chan-a'), await t.open('chan-b')];
  await join(a.page, room);
  await join(b.page, room);
  await sleep(500); // each join is a sub after the welcome: let both land before publishing
  for (let i = 0; i < 3; i++) await post(t.server.url, '/api/notify', { channel: room, type: 'tick', data: i });
  await until(async () => (await seqs(a.page)).length === 3 && (await seqs(b.page)).length === 3, 5000, 'both pages to list 3 channel events');
  const [sa, sb] = [await seqs(a.page), await seqs(b.page)];
  check(JSON.stringify(sa) === upTo(3) && JSON.stringify(sb) === upTo(3), `channel seqs: ${sa} / ${sb}`);
  await join(a.page, 'secret:plans');
  const refusal = a.page.locator('.crew [role=alert]');
  await refusal.waitFor({ timeout: 5000 });
  const code = await refusal.getAttribute('data-code');
  check(code === 'forbidden', `refusal code: ${code}`);
  check(CONNECTED_MS.test(await badge(a.page)), `badge after the refusal: ${await badge(a.page)}`);
  return `both pages listed ${room} seqs ${sa}; secret:plans refused ${code}`;
}
