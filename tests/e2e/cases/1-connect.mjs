/** 1. Page load shows "Connected" with a latency in ms, without any click; the wasm was fetched
 * once, by the page's preload hint (README, "Loading"), not again by the module. */
import { badge, until, screenshot, check } from '../page.mjs';

export const name = 'page load shows "Connected (N ms)" without any click, the wasm fetched once by the preload hint';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const page = await t.open({ user: t.user('connect') });
  const text = await until(async () => {
    const b = await badge(page);
    return /^Connected \(\d+ ms\)$/.test(b) && b;
  }, 5000, 'the badge to read "Connected (N ms)"');
  check(await page.locator('#status').getAttribute('aria-live') === 'polite', 'the badge is not aria-live="polite"');
  check(await page.locator('#hooks').isVisible(), 'the test-hook buttons are hidden although the server has hooks');
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('.wasm')).map((e) => e.initiatorType));
  check(wasm.length === 1 && wasm[0] === 'link', `the wasm was not fetched once by the preload hint: ${JSON.stringify(wasm)}`);
  await screenshot(page, '1-connect');
  return text;
}
