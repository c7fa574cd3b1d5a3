/**
 * 4. The server is stopped while the page is open and started again on the same port: the badge
 * counts down to the next attempt, reconnects without a reload, and the page handles `reset`.
 */
import { badge, until, screenshot, check, sleep, get } from '../page.mjs';
import { cast, stepsShown } from './2-cast.mjs';

export const name = 'server restart: "Reconnecting (attempt N, next in …)", then Connected and reset handled';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  let server = await t.startServer();
  const page = await t.open({ user: t.user('restart'), backoffMs: 300, backoffMaxMs: 1000 }, server);
  await until(async () => (await badge(page)).startsWith('Connected'), 5000, 'Connected');
  const oldEpoch = (await get(server.url, '/api/health')).epoch;
  await until(async () => (await page.locator('#epoch').innerText()) === oldEpoch, 3000, 'the server run shown');
  const long = await cast(page, 'eternity', 20, 1000);
  await until(async () => (await stepsShown(long)).length >= 1, 5000, 'a step of the long cast');
  await page.evaluate(() => { window.__sameDocument = true; });

  await server.stop();
  const waiting = await until(async () => {
    const b = await badge(page);
    return /^Reconnecting \(attempt \d+, next in \d+ s\)$/.test(b) && b;
  }, 5000, 'the badge to read "Reconnecting (attempt N, next in …)"');
  await screenshot(page, '4-restart-down');
  await sleep(2500);
  const later = await badge(page);
  check(/attempt ([2-9]|\d\d)/.test(later), `still the first attempt after 2.5 s down: ${later}`);

  server = await t.startServer({ port: server.port });
  await until(async () => (await badge(page)).startsWith('Connected'), 10_000, 'Connected after the restart');
  const notice = page.locator('#reset-notice');
  await until(async () => /^Server history was lost; state reloaded/.test(await notice.innerText()), 5000, 'the reset notice');
  const newEpoch = (await get(server.url, '/api/health')).epoch;
  check(await page.locator('#epoch').innerText() === newEpoch, 'the server run was not reloaded over HTTP');
  check(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
  check(/^Interrupted/.test(await long.locator('.cast-status').innerText()), 'the lost cast is not marked interrupted');
  await screenshot(page, '4-restart-up');
  return `${waiting} … ${later} → ${await badge(page)}`;
}
