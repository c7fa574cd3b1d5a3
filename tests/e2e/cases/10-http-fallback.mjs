/**
 * 10. A server that refuses WebSocket upgrades (as some proxies do): the page falls back to HTTP
 * on its own, the badge says "Connected over HTTP (N ms)", and a cast plays out as usual.
 */
import { badge, until, screenshot, check, post } from '../page.mjs';
import { cast, stepsShown } from './2-cast.mjs';

export const name = 'WebSocket refused: the page carries on over HTTP and the badge says so';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const server = await t.startServer();
  await post(server.url, '/test/refuse-upgrades', { on: true });
  const page = await t.open({ user: t.user('http'), backoffMs: 100, backoffMaxMs: 300 }, server);
  const text = await until(async () => {
    const b = await badge(page);
    return /^Connected over HTTP \(\d+ ms\)$/.test(b) && b;
  }, 10_000, 'the badge to read "Connected over HTTP (N ms)"');
  check(await page.locator('#status').getAttribute('data-transport') === 'http', 'data-transport is not http');
  const win = await cast(page, 'gust', 3, 100);
  await until(async () => (await win.locator('.output-list li').count()) === 3, 8000, 'the cast to complete over HTTP');
  const steps = await stepsShown(win);
  check(JSON.stringify(steps) === '[1,2,3]', `steps shown: ${steps}`);
  await screenshot(page, '10-http-fallback');
  return `${text}; steps ${steps.join(',')}`;
}
