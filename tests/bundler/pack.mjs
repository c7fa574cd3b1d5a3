/**
 * The package as users get it, for the bundler and React tests: `npm pack` of pkg/, and apps that
 * install the tarball. An installed app's package.json lists only `spellwire`: React, Vite,
 * webpack and TypeScript resolve from the repository's node_modules (root package.json), so the
 * tests ask no registry and use the versions package-lock.json pins.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../e2e/page.mjs';

/**
 * `npm pack pkg/` into `dir` (emptied first).
 * @param {string} dir
 * @returns {{ tarball: string, files: string[] }} the tarball's path and the paths inside it
 */
export function pack(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = execFileSync('npm', ['pack', path.join(root, 'pkg'), '--pack-destination', dir, '--json'], { encoding: 'utf8' });
  const [info] = JSON.parse(out);
  return { tarball: path.join(dir, info.filename), files: info.files.map((/** @type {any} */ f) => f.path) };
}

/**
 * Copies the app at `src` to `dest` and installs `tarball` into it as `spellwire`.
 * @param {string} src @param {string} dest @param {string} tarball
 * @returns {string} dest
 */
export function install(src, dest, tarball) {
  cpSync(src, dest, { recursive: true, filter: (f) => !/(^|\/)(node_modules|dist)(\/|$)|\.tgz$/.test(path.relative(src, f)) });
  const name = path.basename(dest);
  writeFileSync(path.join(dest, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: dest, stdio: ['ignore', 'ignore', 'inherit'] });
  return dest;
}

/** Runs a tool from the repository's node_modules in `cwd`. @param {string} bin @param {string[]} args @param {string} cwd @param {Record<string, string>} [env] */
export function run(bin, args, cwd, env = {}) {
  execFileSync(process.execPath, [path.join(root, 'node_modules', bin), ...args], { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
}

/** The text of the .js files among `names` in `dir`, joined. @param {string} dir @param {string[]} names */
export function readAll(dir, names) {
  return names.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
}
