/** 5. A bad token: "Failed: unauthorized" with a Retry button, and no reconnect loop. */
import { badge, until, screenshot, check, sleep, get } from '../page.mjs';

export const name = 'bad token: "Failed: unauthorized", one attempt only, Retry tries once more';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const token = t.user('bad-token');
  const hellos = async () => (await get(t.server.url, `/test/hellos?token=${token}`)).count;
  const page = await t.open({ token, backoffMs: 50, backoffMaxMs: 100 });
  await until(async () => (await badge(page)) === 'Failed: unauthorized', 5000, '"Failed: unauthorized"');
  const retry = page.getByRole('button', { name: 'Retry' });
  check(await retry.isVisible(), 'no Retry button');
  await sleep(2000); // dozens of backoff periods: nothing may happen
  check(await hellos() === 1, `connection attempts with the bad token: ${await hellos()}`);
  check(await badge(page) === 'Failed: unauthorized', `badge changed to ${await badge(page)}`);
  await screenshot(page, '5-bad-token');

  await retry.click();
  await until(async () => (await hellos()) === 2, 5000, 'Retry to make one more attempt');
  await until(async () => (await badge(page)) === 'Failed: unauthorized', 5000, 'failing again after Retry');
  await sleep(500);
  check(await hellos() === 2, `attempts after one Retry: ${await hellos()}`);
  return 'hellos 1, then 2 after Retry';
}
