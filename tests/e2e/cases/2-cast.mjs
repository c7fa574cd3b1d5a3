/** 2. A cast of 5 steps: all 5 steps appear in order, then the outputs (two windows at once). */
import { until, screenshot, check } from '../page.mjs';

export const name = 'a 5-step cast shows its steps in order, then the outputs';

/**
 * Submits the "Cast spell" form.
 * @param {import('playwright-core').Page} page @param {string} spell @param {number} steps @param {number} stepMs
 */
export async function cast(page, spell, steps, stepMs) {
  await page.getByRole('textbox', { name: 'Spell', exact: true }).fill(spell);
  await page.getByRole('spinbutton', { name: 'Steps', exact: true }).fill(String(steps));
  await page.getByRole('spinbutton', { name: 'Step ms', exact: true }).fill(String(stepMs));
  await page.getByRole('button', { name: 'Cast spell' }).click();
  const win = page.locator('.spell-window').filter({ has: page.locator('h3', { hasText: spell }) });
  await win.waitFor({ timeout: 5000 });
  return win;
}

/** The step numbers a window lists, in order. @param {import('playwright-core').Locator} win */
export const stepsShown = (win) => win.locator('li.step').evaluateAll((lis) => lis.map((li) => Number(li.dataset.step)));

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const page = await t.open({ user: t.user('cast') });
  const quick = await cast(page, 'summon', 3, 100);
  await until(async () => (await quick.locator('.output-list li').count()) === 3, 5000, 'the first cast to complete');

  const win = await cast(page, 'fireball', 5, 500);
  await until(async () => (await stepsShown(win)).length >= 2, 5000, 'two steps of the second cast');
  await screenshot(page, '2-cast-mid', 'docs/demo.png');
  check(await win.locator('.output-list').count() === 0, 'outputs shown before the cast completed');

  await until(async () => (await win.locator('.output-list li').count()) === 5, 8000, 'the outputs of the 5-step cast');
  const steps = await stepsShown(win);
  check(JSON.stringify(steps) === '[1,2,3,4,5]', `steps shown: ${steps}`);
  const outputs = await win.locator('.output-list li').allInnerTexts();
  check(outputs.every((o, i) => o.endsWith(` done (${i + 1}/5)`)), `outputs: ${outputs}`);
  check(await win.locator('progress').evaluate((p) => p.value) === 1, 'progress bar not full');
  check(JSON.stringify(await stepsShown(quick)) === '[1,2,3]', 'the first window got events of the second cast');

  const ended = await page.locator('.monitor td.result[data-status="ok"]').allInnerTexts();
  check(ended.length === 8 && ended.every((r) => /^ok · \d+ ms$/.test(r)), `run monitor results: ${ended}`);
  const seqs = await page.locator('.event-log li[data-seq]').evaluateAll((lis) => lis.map((li) => Number(li.dataset.seq)));
  // 17 events for the 3-step cast, 27 for the 5-step one: all listed, newest first.
  check(seqs.length === 44 && seqs.every((s, i) => s === 44 - i), `event log seqs: ${seqs}`);
  await screenshot(page, '2-cast-done');
  return `steps ${steps.join(',')}; ${outputs.length} outputs`;
}
