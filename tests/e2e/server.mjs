/**
 * Starts and stops `spellwire-server` for the demo tests: loopback only, a free port unless one
 * is asked for, the address read from the server's first stdout line.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const binary = path.join(root, 'target/debug/spellwire-server');

/**
 * @typedef {object} Server
 * @property {string} url   e.g. http://127.0.0.1:41234
 * @property {number} port
 * @property {() => Promise<void>} stop  ends the process (SIGTERM, then SIGKILL) and waits
 */

/**
 * @param {{ port?: number, hooks?: boolean, args?: string[], env?: Record<string, string>, www?: string, bin?: string }} [opts]
 *   `bin` is the server binary (default: target/debug/spellwire-server; the benchmarks pass a release build)
 *   `www` is the directory served at `/` (default: the demo, www/)
 *   `env` is added to this process's environment (secrets such as SPELLWIRE_JWT_SECRET)
 * @returns {Promise<Server>}
 */
export async function startServer({ port = 0, hooks = true, args = [], env = {}, www = path.join(root, 'www'), bin = binary } = {}) {
  // --dev: the demo page logs in with /api/login and is served from www/ and pkg/.
  const flags = ['--addr', `127.0.0.1:${port}`, '--dev', '--www', www, '--pkg', path.join(root, 'pkg'), ...args];
  if (hooks) flags.push('--test-hooks');
  const child = spawn(bin, flags, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await firstLine(child, exited, () => stderr);
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves the URL the server announces, or rejects within 10 s. */
function firstLine(child, exited, stderr) {
  return new Promise((resolve, reject) => {
    const fail = (why) => { child.kill('SIGKILL'); reject(new Error(`spellwire-server ${why}\n${stderr()}`)); };
    const timer = setTimeout(() => fail('did not start within 10 s'), 10_000);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`spellwire-server exited (${code})\n${stderr()}`)); });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      m ? resolve(m[1]) : fail(`printed an unexpected first line: ${line}`);
    });
  });
}
