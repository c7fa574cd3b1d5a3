// CI's size budget: fails when the package pkg/ (wasm + JS glue, each minified and gzip -9,
// measured by scripts/size.mjs exactly as scripts/build.sh prints it) is larger than BUDGET.
// scripts/test.sh runs it right after the release build, so a change that grows the package
// past the budget fails CI instead of undoing the size work of issue 16 unseen.
//
//   node scripts/size-budget.mjs        prints the size and the budget; exit 1 when over
import { fileURLToPath } from 'node:url';
import { pkgSize } from './size.mjs';

// The budget, in bytes of wasm gz + glue gz. It only ever goes down: lower it when the package
// shrinks, never raise it to make a feature fit (make room by shrinking something instead).
// It is the size measured with every feature of the package (the HTTP transport included) plus
// about 0.5 KB of headroom. It is not the goal: issue 16's goal is centrifuge-js's 23.2 KB.
export const BUDGET = 38_670;

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const s = pkgSize();
  const total = s.wasmGz + s.glueGz;
  const figure = `wasm ${kb(s.wasmGz)} gz + glue ${kb(s.glueGz)} gz = ${kb(total)} (${total} B)`;
  if (total > BUDGET) {
    console.error(`size budget: FAILED: ${figure} is over the budget of ${kb(BUDGET)} (${BUDGET} B) by ${total - BUDGET} B`);
    console.error('Make room by shrinking something; the budget in scripts/size-budget.mjs only goes down.');
    process.exit(1);
  }
  console.log(`size budget: ${figure}, within the budget of ${kb(BUDGET)} (${BUDGET} B; ${BUDGET - total} B to spare)`);
}
