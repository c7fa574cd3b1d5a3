/**
 * The FastAPI example (examples/fastapi) behind a real spellwire-server, driven in headless
 * Chromium. Run by `scripts/example.sh --test`, which starts both servers (tokens live 4 s, the
 * gateway allows no leeway, the backend's test hooks are on) and passes
 *   EXAMPLE_URL           the backend, which serves the page
 *   EXAMPLE_BACKEND_PID   the backend's process, which one check stops and restarts
 * One page stays open through every check, so the token check can say that the connection never
 * dropped since the page loaded; the backend-down check comes after it, since a page cannot renew
 * its token while its backend is down. The crew checks open a second user's page beside it, and
 * join channels through the page's client. The last two run README.md's backend snippets as written.
 * Prints a line per check and exits non-zero when one fails. Every wait is bounded.
 */
import { launchBrowser, until, sleep, check } from '../e2e/page.mjs';
import {
  openAndLogIn, cast, topicEvents, expectedCast, received, say, chatRow, settled, stored, crewLines, crewShown, joinBriefly,
} from './page.mjs';
import { stop, restart } from './backend.mjs';
import { runCurl, runPython } from './readme.mjs';

const CHECK_TIMEOUT_MS = 60_000;
const base = process.env.EXAMPLE_URL;
const backendPid = Number(process.env.EXAMPLE_BACKEND_PID);
if (!base || !backendPid) throw new Error('run me through scripts/example.sh --test');

const browser = await launchBrowser();
/** @type {import('node:child_process').ChildProcess | undefined} the backend after its restart */
let restarted;
let passed = 0;
let failed = 0;
try {
  const page = await openAndLogIn(browser, base, 'ann');
  const checks = [
    ['a cast: the page sees every step once, in order', () => castInOrder(page)],
    ['the crew channel: two users see the same lines, in the same order, with consecutive seqs', () => crewShared(page)],
    ['channels the token does not grant go to the backend: one joins, one is refused forbidden, the page carries on', () => channelProxy(page)],
    ['a chat send resolves with the backend\'s result', () => chat(page)],
    ['a send of an unknown type rejects with the backend\'s error', () => unknownType(page)],
    ['an answer lost after the backend applied the message: resent, applied once', () => lostAnswer(page)],
    ['4 s tokens expire during a stream: renewed, no event lost or repeated, no reconnect', () => tokenRenewal(page)],
    ['the backend down during a send: pending, then applied once after its restart', () => backendDown(page)],
    ['README: the curl publish, run twice, is one event', () => readmeCurl(page)],
    ['README: the Python signs a token the gateway accepts (with its channels), publishes once per key to a user and a channel, answers a resent id alike', () => readmePython(page)],
  ];
  for (const [name, fn] of checks) {
    const t0 = Date.now();
    try {
      const detail = await withTimeout(fn(), CHECK_TIMEOUT_MS);
      passed++;
      console.log(`ok - ${name} (${secs(t0)}): ${detail}`);
    } catch (err) {
      failed++;
      console.log(`not ok - ${name} (${secs(t0)})\n  ${String(err?.stack ?? err).split('\n').slice(0, 4).join('\n  ')}`);
    }
  }
} finally {
  await browser.close();
  restarted?.kill('SIGTERM');
}
console.log(`example: ${passed} passed, ${failed} failed`);
process.exit(failed || !passed ? 1 : 0);

async function castInOrder(page) {
  const id = await cast(page, 6, 150);
  const got = await topicEvents(page, `cast:${id}`);
  check(same(got, expectedCast(6)), `cast ${id}: got ${got.join(', ')}`);
  const shown = await page.locator(`li[data-cast="${id}"] progress`).getAttribute('value');
  check(shown === '6', `the row shows progress ${shown}, not 6 of 6`);
  return `cast ${id}: ${got.length} events (6 steps started and completed, then cast_finished), row at 6/6`;
}

async function crewShared(ann) {
  const bob = await openAndLogIn(browser, base, 'bob');
  try {
    // Both cast at once, so their crew lines interleave: a channel has one order for everyone.
    const [annCast, bobCast] = await Promise.all([cast(ann, 4, 60), cast(bob, 3, 80)]);
    const mine = (l) => l.text.includes(annCast) || l.text.includes(bobCast);
    const lines = async (page) => {
      const all = await crewLines(page);
      return all.filter(mine).length === 4 ? all : null;
    };
    // On a timeout, the crew heading says why when the channel was refused.
    const wait = (page, who) => until(() => lines(page), 10_000, `${who}'s 4 crew lines`).catch(async (err) => {
      throw new Error(`${err.message}; the page's crew heading: "${await page.textContent('#crew-name')}"`);
    });
    const [a, b] = [await wait(ann, 'ann'), await wait(bob, 'bob')];
    for (const [who, list] of [['ann', a], ['bob', b]]) {
      const broken = list.findIndex((l, i) => l.seq !== list[0].seq + i);
      check(broken === -1, `${who}'s crew seqs are not consecutive at ${broken}: ${list.map((l) => l.seq)}`);
      for (const id of [annCast, bobCast]) {
        const order = list.filter((l) => l.text.includes(id)).map((l) => (l.text.includes('started') ? 'started' : 'done'));
        check(same(order, ['started', 'done']), `${who}'s lines for cast ${id}: ${order}`);
      }
    }
    // Bob joined later: the channel's log gave him the lines from before (a replay), and
    // whatever he has must be exactly what ann has at those seqs.
    const annFromBob = a.filter((l) => l.seq >= b[0].seq);
    check(JSON.stringify(annFromBob) === JSON.stringify(b),
      `the pages differ:\n  ann ${JSON.stringify(annFromBob)}\n  bob ${JSON.stringify(b)}`);
    const [shownA, shownB] = [await crewShown(ann), await crewShown(bob)];
    const n = Math.min(shownA.length, shownB.length);
    check(n >= 4 && same(shownA.slice(0, n), shownB.slice(0, n)), `the crew lists differ: ${shownA} / ${shownB}`);
    return `casts ${annCast} (ann) and ${bobCast} (bob) at once: both pages have crew seqs ${b[0].seq}..${b.at(-1).seq} alike, `
      + `ann ${a[0].seq}..${a.at(-1).seq}; last: "${b.at(-1).text}"`;
  } finally {
    await bob.context().close();
  }
}

async function channelProxy(page) {
  const before = await page.evaluate(() => ({ stats: window.example.client.stats(), crew: window.example.crew.length }));
  // room:lobby is not in the token (crew:*): the gateway asks POST /spellwire/subscribe, which grants it.
  const joining = joinBriefly(page, 'room:lobby', 10_000);
  const seq = await publishTo('room:lobby', { text: `welcome ${Date.now()}` });
  const lobby = await joining;
  check(!lobby.error && lobby.events[0]?.seq === seq && lobby.events[0].channel === 'room:lobby',
    `room:lobby (published seq ${seq}): ${JSON.stringify(lobby)}`);
  // room:vip is neither in the token nor granted by the backend.
  const vip = await joinBriefly(page, 'room:vip', 10_000);
  check(vip.error?.code === 'forbidden' && vip.error.channel === 'room:vip' && vip.error.message.includes('not open to ann'),
    `room:vip: ${JSON.stringify(vip)}`);
  // The same socket carries on: a cast arrives in order, and the crew channel gets its lines.
  const id = await cast(page, 2, 50);
  const got = await topicEvents(page, `cast:${id}`);
  check(same(got, expectedCast(2)), `cast ${id} after the refusal: ${got.join(', ')}`);
  await until(async () => (await crewLines(page)).filter((l) => l.text.includes(id)).length === 2, 10_000, `the crew lines of ${id}`);
  const after = await page.evaluate(() => ({ state: window.example.client.state, stats: window.example.client.stats() }));
  check(after.state === 'open' && after.stats.reconnects === before.stats.reconnects, `after: ${JSON.stringify(after)}`);
  return `room:lobby joined through the backend (event seq ${seq}); room:vip refused ${vip.error.code} ("${vip.error.message}"); `
    + `then cast ${id} arrived in order with its 2 crew lines, socket open, reconnects ${after.stats.reconnects}`;
}

/** POST /api/publish to a channel with the gateway's API key (as the backend would); its seq. */
async function publishTo(channel, data) {
  const res = await fetch(`${process.env.SPELLWIRE_URL}/api/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.SPELLWIRE_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ channel, type: 'room_note', data }),
  });
  const body = await res.json();
  check(res.ok && Number.isInteger(body.seq), `publish to ${channel}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.seq;
}

async function chat(page) {
  const text = `hello ${Date.now()}`;
  await say(page, text);
  const row = await settled(page, text, 10_000);
  check(row.state === 'stored' && row.text.endsWith(`ann, the spellbook heard: ${text}`), `row: ${JSON.stringify(row)}`);
  const [m] = await stored(page, text);
  check(m?.applied === 1 && m.received === 1, `GET /messages: ${JSON.stringify(m)}`);
  const replies = await repliesTo(page, text);
  return `resolved with the reply "${row.text.slice(text.length + 2)}"; applied ${m.applied}, received ${m.received}; ${replies} chat_reply event`;
}

async function unknownType(page) {
  const outcome = await page.evaluate(() => window.example.client.send('teleport', { to: 'moon' })
    .then((r) => ({ resolved: r }), (e) => ({ code: e.code, message: e.message })));
  check(outcome.code === 'Rejected', `send('teleport'): ${JSON.stringify(outcome)}`);
  return `rejected: ${outcome.code} (${outcome.message})`;
}

async function lostAnswer(page) {
  const res = await fetch(`${base}/test/lose-answers?count=1`, { method: 'POST' });
  check(res.ok, `POST /test/lose-answers: HTTP ${res.status}`);
  const text = `answer lost ${Date.now()}`;
  await say(page, text);
  const row = await settled(page, text, 20_000);
  check(row.state === 'stored', `row: ${JSON.stringify(row)}`);
  const [m] = await stored(page, text);
  check(m?.applied === 1 && m.received >= 2, `GET /messages: ${JSON.stringify(m)} (want applied 1, received 2+)`);
  const replies = await repliesTo(page, text);
  return `the first answer was a 503 after the apply; the page resent and got the stored result: applied ${m.applied}, received ${m.received}, ${replies} chat_reply event`;
}

async function backendDown(page) {
  const before = await stats(page);
  await stop(backendPid, base);
  const text = `while the backend was down ${Date.now()}`;
  await say(page, text);
  await sleep(3000);
  const row = await chatRow(page, text);
  check(row?.state === 'pending', `3 s after the send with the backend down: ${JSON.stringify(row)}`);
  const down = await stats(page);
  check(down.retried > before.retried, `the gateway never answered retry (stats.retried ${down.retried})`);
  const t0 = Date.now();
  restarted = await restart(base);
  const done = await settled(page, text, 40_000);
  check(done.state === 'stored', `after the restart: ${JSON.stringify(done)}`);
  const [m] = await stored(page, text);
  check(m?.applied === 1, `GET /messages: ${JSON.stringify(m)}`);
  const replies = await repliesTo(page, text);
  // With 4 s tokens the page cannot renew its token while its backend is down, so the gateway
  // may close the socket meanwhile; the message then goes again after the reconnect.
  const after = await stats(page);
  return `pending for 3 s (${down.retried - before.retried} retry answers); resolved ${Date.now() - t0} ms after the restart; `
    + `applied ${m.applied}, received ${m.received}, ${replies} chat_reply event; ${after.reconnects - before.reconnects} reconnects meanwhile`;
}

async function tokenRenewal(page) {
  const tokensBefore = await page.evaluate(() => window.example.tokens());
  const id = await cast(page, 24, 250);
  const got = await topicEvents(page, `cast:${id}`);
  check(same(got, expectedCast(24)), `cast ${id}: got ${got.join(', ')}`);
  const { tokens, stats, all } = await page.evaluate(() => ({
    tokens: window.example.tokens(), stats: window.example.client.stats(), all: window.example.received.map((e) => e.seq),
  }));
  check(tokens > tokensBefore, `no token was fetched during the ${(24 * 0.25).toFixed(0)} s cast (${tokens})`);
  check(stats.reconnects === 0, `the page reconnected ${stats.reconnects} times`);
  const broken = all.findIndex((seq, i) => seq !== all[0] + i);
  check(broken === -1, `seqs not contiguous at ${broken}: ${all.slice(Math.max(0, broken - 2), broken + 2)}`);
  return `cast ${id}: ${got.length} events in order; ${tokens - tokensBefore} tokens fetched during it, ${tokens} since load; `
    + `reconnects ${stats.reconnects}; all ${all.length} events of the run seq ${all[0]}..${all.at(-1)} without gap or repeat`;
}

async function readmeCurl(page) {
  const [first, again] = [runCurl(), runCurl()];
  check(Number.isInteger(first.seq) && again.seq === first.seq, `curl printed ${JSON.stringify(first)}, then ${JSON.stringify(again)}`);
  const n = await onlyOnce(page, (e) => e.topic === 'cast:7' && e.type === 'step_completed', 'the curl event');
  return `{"seq":${first.seq}} both times; the page got ${n} step_completed on cast:7`;
}

async function readmePython(page) {
  const r = runPython();
  check(r.seqs[0] === r.seqs[1], `publish twice with one key: seqs ${r.seqs}`);
  check(Number.isInteger(r.crewSeqs[0]) && r.crewSeqs[0] === r.crewSeqs[1], `channel publish twice with one key: seqs ${r.crewSeqs}`);
  check(r.answers[0].result?.stored === true && JSON.stringify(r.answers[0]) === JSON.stringify(r.answers[1]),
    `on_send twice with one id: ${JSON.stringify(r.answers)}`);
  check(r.unknown.error?.code === 'unknown_type', `on_send of an unknown type: ${JSON.stringify(r.unknown)}`);
  const n = await onlyOnce(page, (e) => e.type === 'readme_python', 'the README publish');
  const { wsUrl } = await page.evaluate(() => fetch('/me').then((res) => res.json()));
  // A bare socket with the README's token: welcomed, then let into crew:readme by its channels
  // claim (the page's own tokens come from the example backend), where the channel publish is.
  const frames = await page.evaluate(({ url, token }) => new Promise((resolve) => {
    const got = [];
    const ws = new WebSocket(url);
    const end = () => { clearTimeout(timer); ws.close(); resolve(got); };
    const timer = setTimeout(end, 5000);
    ws.onopen = () => ws.send(JSON.stringify({ op: 'hello', token }));
    ws.onmessage = (m) => {
      for (const frame of [].concat(JSON.parse(String(m.data)))) { // a message may hold a batch of frames
        if (frame.op === 'event' && !frame.channel) continue; // ann's own stream: not this check's
        got.push(frame);
        if (frame.op === 'welcome') ws.send(JSON.stringify({ op: 'sub', channel: 'crew:readme' }));
        if (frame.op === 'refused' || (frame.op === 'event' && frame.channel === 'crew:readme')) end();
      }
    };
    ws.onclose = (e) => { got.push({ closed: e.code, reason: e.reason }); end(); };
  }), { url: wsUrl, token: r.token });
  const shown = JSON.stringify(frames).slice(0, 400);
  check(frames[0]?.op === 'welcome', `a socket with connection_token('ann'): ${shown}`);
  const ops = frames.slice(1).map((f) => f.op);
  const event = frames.find((f) => f.op === 'event' && f.channel === 'crew:readme');
  check(ops[0] === 'subscribed' && event?.seq === r.crewSeqs[0] && event.data?.text === 'hi crew', `sub crew:readme: ${shown}`);
  return `seq ${r.seqs[0]} twice, ${n} event on the page; crew:readme seq ${r.crewSeqs[0]} twice; on_send answered ${JSON.stringify(r.answers[0].result)} twice; `
    + `unknown type: ${r.unknown.error.code}; the gateway welcomed the token and let it into crew:readme (seq ${event.seq} replayed)`;
}

/** Waits for an event matching `match`, then a moment more: there must be exactly one. */
async function onlyOnce(page, match, what) {
  const count = async () => (await received(page)).filter(match).length;
  await until(count, 5000, what);
  await sleep(300);
  const n = await count();
  check(n === 1, `${n} events for ${what}`);
  return n;
}

/** The chat_reply events for `text` (exactly one). */
function repliesTo(page, text) {
  return onlyOnce(page, (e) => e.type === 'chat_reply' && e.data?.text === text, `the chat_reply to "${text}"`);
}

/** @param {import('playwright-core').Page} page */
function stats(page) {
  return page.evaluate(() => window.example.client.stats());
}

/** @param {string[]} a @param {string[]} b */
function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** @template T @param {Promise<T>} p @param {number} ms @returns {Promise<T>} */
function withTimeout(p, ms) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`took longer than ${ms / 1000} s`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** @param {number} t0 */
function secs(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}
