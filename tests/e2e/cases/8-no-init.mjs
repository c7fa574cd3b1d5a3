/**
 * 8. The package's main entry is ready on import: a page that never calls init() connects;
 * the raw module used before init() throws a SpellwireError that says what to call.
 */
import { until, check } from '../page.mjs';

export const name = "import { Client } from the package connects without init(); early use of 'spellwire/init' says what to call";

/** @param {import('../run.mjs').Ctx} t */
export async function run(t) {
  const user = t.user('no-init');
  const page = await t.blank('/api/health'); // a document on the server's origin, no demo code
  await page.evaluate(async (user) => {
    const { Client } = await import('/pkg/index.js'); // the package's main entry
    const login = () => fetch('/api/login', { method: 'POST', body: JSON.stringify({ user }) })
      .then((r) => r.json()).then((b) => b.token);
    window.client = new Client({ url: location.origin.replace('http', 'ws') + '/ws', token: login });
  }, user);
  await until(() => page.evaluate(() => window.client.state === 'open'), 5000, 'the client to open');

  const early = await t.blank('/api/health');
  const thrown = await early.evaluate(async () => {
    const raw = await import('/pkg/spellwire.js'); // 'spellwire/init', before init()
    try {
      new raw.Client({ url: 'ws://127.0.0.1:9/ws' });
      return null;
    } catch (e) {
      return { name: e.name, code: e.code, message: e.message };
    }
  });
  check(thrown !== null, 'new Client() before init() did not throw');
  check(thrown.name === 'SpellwireError' && thrown.code === 'NotReady', `thrown: ${JSON.stringify(thrown)}`);
  check(/await init\(\)/.test(thrown.message) && /'spellwire'/.test(thrown.message), `message: ${thrown.message}`);
  const opened = await early.evaluate(async () => {
    const raw = await import('/pkg/spellwire.js');
    await raw.default(); // init() as a page that loads the wasm itself would
    const c = new raw.Client({ url: 'ws://127.0.0.1:9/ws', autoConnect: false });
    return c.state;
  });
  check(opened === 'closed', `after init(), a client is usable: state ${opened}`);
  return `open without init(); early use: ${thrown.code}`;
}
