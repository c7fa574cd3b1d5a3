/** 9. The crew board: two users in two pages see every cast of either, in the same order. */
import { until, screenshot, check } from '../page.mjs';
import { cast } from './2-cast.mjs';

export const name = 'two users see the same crew board (a shared channel), in the same order';

/** The board's lines, oldest first, as `seq type cast`. @param {import('playwright-core').Page} page */
const board = (page) => page.locator('.crew-board li').evaluateAll((lis) =>
  lis.map((li) => `${li.dataset.seq} ${li.dataset.type} ${li.dataset.cast}`).reverse());

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const ann = await t.open({ user: t.user('crew-ann') });
  const bob = await t.open({ user: t.user('crew-bob') });
  const before = (await board(ann)).length;
  await cast(ann, 'frostbolt', 2, 100);
  await cast(bob, 'blink', 1, 100);
  const done = async () => (await board(ann)).length >= before + 4 && (await board(bob)).length >= before + 4;
  await until(done, 8000, 'both boards to show both casts starting and finishing');
  const [a, b] = [await board(ann), await board(bob)];
  const tail = (lines) => lines.slice(-4);
  check(JSON.stringify(tail(a)) === JSON.stringify(tail(b)), `boards differ:\n${tail(a).join('\n')}\nvs\n${tail(b).join('\n')}`);
  const seqs = a.map((l) => Number(l.split(' ')[0]));
  check(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), `crew seqs not consecutive: ${seqs}`);
  const kinds = tail(a).map((l) => l.split(' ')[1]).sort();
  check(JSON.stringify(kinds) === JSON.stringify(['crew_cast_finished', 'crew_cast_finished', 'crew_cast_started', 'crew_cast_started']), `kinds: ${kinds}`);
  await screenshot(bob, '9-crew-board');
  return `${tail(a).length} shared lines, seqs ${seqs.at(0)}..${seqs.at(-1)}`;
}
