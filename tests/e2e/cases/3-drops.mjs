/** 3. The connection is dropped twice during a cast: "Reconnecting" and back, every step once. */
import { badge, until, screenshot, check, watchBadge } from '../page.mjs';
import { cast, stepsShown } from './2-cast.mjs';

export const name = 'two drops mid-cast: badge reconnects, every step shown exactly once';

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const page = await t.open({ user: t.user('drops'), backoffMs: 100, backoffMaxMs: 400 });
  await until(async () => (await badge(page)).startsWith('Connected'), 5000, 'Connected');
  const seen = await watchBadge(page);
  const win = await cast(page, 'tempest', 6, 500);
  const drop = page.getByRole('button', { name: 'Drop connection' });

  for (const afterStep of [1, 3]) {
    await until(async () => (await stepsShown(win)).length >= afterStep, 5000, `step ${afterStep}`);
    const before = (await seen()).length;
    await drop.click();
    await until(async () => {
      const since = (await seen()).slice(before);
      return since.some((s) => s.startsWith('Reconnecting')) && since.at(-1).startsWith('Connected');
    }, 5000, `"Reconnecting" then "Connected" after drop ${afterStep === 1 ? 1 : 2}`);
  }
  await until(async () => (await win.locator('.output-list li').count()) === 6, 10_000, 'the outputs');
  const steps = await stepsShown(win);
  check(JSON.stringify(steps) === '[1,2,3,4,5,6]', `steps shown: ${steps}`);
  const reconnects = await page.locator('dd[data-stat="reconnects"]').innerText();
  check(reconnects === '2', `stats().reconnects = ${reconnects}`);
  const seqs = await page.locator('.event-log li[data-seq]').evaluateAll((lis) => lis.map((li) => Number(li.dataset.seq)));
  check(new Set(seqs).size === seqs.length, `an event was logged twice: ${seqs}`);
  await screenshot(page, '3-drops');
  return (await seen()).filter((s, i, all) => s !== all[i - 1]).join(' → ');
}
