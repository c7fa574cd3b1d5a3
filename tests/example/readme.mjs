/**
 * README.md's "Use it with your backend" section, run as written against the test's gateway:
 * its `curl` publish (twice: one event), and its Python (imported from a file holding exactly
 * the README's code, then driven by `readme_driver.py`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../e2e/page.mjs';

const SECTION = '## Use it with your backend';

/** The fenced blocks of `lang` in the section, in order. @param {string} lang */
export function blocks(lang) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf('\n## ', start + SECTION.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** Runs the section's curl block with bash in this environment; its output parsed as JSON. */
export function runCurl() {
  const curl = blocks('sh').find((b) => b.startsWith('curl '));
  if (!curl) throw new Error('no curl block in the section');
  const out = execFileSync('bash', ['-c', curl], { encoding: 'utf8', timeout: 10_000 });
  return JSON.parse(out);
}

/**
 * Writes the section's Python to target/example/readme_backend.py and runs readme_driver.py
 * with the example's virtualenv; returns what the driver printed (JSON).
 */
export function runPython() {
  const [code] = blocks('python');
  if (!code) throw new Error('no python block in the section');
  const dir = path.join(root, 'target/example');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'readme_backend.py'), code);
  const python = path.join(root, 'target/example-venv/bin/python');
  const driver = path.join(root, 'tests/example/readme_driver.py');
  const out = execFileSync(python, [driver, dir], { encoding: 'utf8', timeout: 20_000, cwd: root });
  return JSON.parse(out);
}
