/**
 * Stopping and restarting the example backend (uvicorn) on its port while the gateway and the
 * page stay up. A restart goes through `scripts/example.sh --backend PORT`, the same command the
 * script itself starts it with, in the environment the script exported (secrets, gateway URL).
 */
import { spawn } from 'node:child_process';
import { root, until } from '../e2e/page.mjs';

/** Whether the backend answers GET /healthz. @param {string} base */
export async function isUp(base) {
  try {
    return (await fetch(base + '/healthz', { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** Stops the process (SIGTERM, SIGKILL after 5 s) and waits until its port refuses. */
export async function stop(pid, base) {
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
  try {
    await until(async () => !(await isUp(base)), 10_000, 'the backend to stop');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the backend again on the same port and waits until it answers.
 * @param {string} base e.g. http://127.0.0.1:41234
 * @returns {Promise<import('node:child_process').ChildProcess>} the caller ends it
 */
export async function restart(base) {
  const port = new URL(base).port;
  const child = spawn('bash', ['scripts/example.sh', '--backend', port], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  await until(async () => child.exitCode !== null || await isUp(base), 15_000, 'the backend to restart');
  if (child.exitCode !== null) throw new Error(`the restarted backend exited (${child.exitCode})`);
  return child;
}
