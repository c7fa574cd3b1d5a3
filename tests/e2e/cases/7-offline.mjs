/**
 * 7. The browser goes offline and the socket drops: the badge says "Offline" (no retry loop
 * meanwhile), and reconnects when the browser is back online. (Going offline alone only makes
 * the client probe its open socket, which survives on loopback.) Chromium's offline emulation
 * may hold the drop's close frame until it is back online; then the probe finds the socket dead,
 * so the heartbeat here is short enough to do that within the wait (with the default 10 s grace
 * this test failed about one run in three when the close was held).
 */
import { badge, until, screenshot, post } from '../page.mjs';

export const name = 'browser offline: badge "Offline", then "Connected" when back online';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const user = t.user('offline');
  const page = await t.open({ user, backoffMs: 100, backoffMaxMs: 400, heartbeatMs: 1000, livenessGraceMs: 1000 });
  await until(async () => (await badge(page)).startsWith('Connected'), 5000, 'Connected');
  await page.context().setOffline(true);
  await post(t.server.url, '/test/drop', { user });
  await until(async () => (await badge(page)) === 'Offline', 5000, '"Offline"');
  await screenshot(page, '7-offline');
  await page.context().setOffline(false);
  const back = await until(async () => {
    const b = await badge(page);
    return b.startsWith('Connected') && b;
  }, 5000, '"Connected" once back online');
  return `Offline → ${back}`;
}
