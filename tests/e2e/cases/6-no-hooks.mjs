/** 6. The test-hook buttons are shown only when the server has `--test-hooks`. */
import { badge, until, check } from '../page.mjs';

export const name = 'no test-hook buttons on a server without --test-hooks';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const server = await t.startServer({ hooks: false });
  const page = await t.open({ user: t.user('nohooks') }, server);
  await until(async () => (await badge(page)).startsWith('Connected'), 5000, 'Connected');
  await page.waitForLoadState('networkidle', { timeout: 5000 });
  check(!(await page.locator('#hooks').isVisible()), 'hook buttons shown without hooks');
  check(await page.getByRole('button', { name: 'Drop connection' }).count() === 0, 'a Drop button exists');
  return 'hidden';
}
