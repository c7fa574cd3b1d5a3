// The abusive inputs the limits run tries, one function each. Every probe returns a row:
// { input, did, lost, ok }, where `did` and `lost` are what was observed (not what should have
// happened) and `ok` says whether that is what a server with these limits must do.
import { createHmac } from 'node:crypto';
import { Sock, call, connect, notify, sleep, until, upgrade } from './sock.mjs';

const contiguous = (seqs, n) => seqs.length === n && seqs.every((s, i) => s === i + 1);
const distinct = (seqs) => [...new Set(seqs)].sort((a, b) => a - b);

/** 250 pings at once after 5 sends: closed 4429; the sends stay applied, no event is missed. */
export async function frameFlood(base) {
  const user = 'flood';
  const calm = await connect(base, user);
  const flood = await connect(base, user);
  await notify(base, user, 3);
  for (let i = 0; i < 5; i++) flood.send({ op: 'send', id: `s${i}`, type: 'chat', data: i });
  await until(() => flood.of('ack').length === 5, '5 acks');
  for (let i = 0; i < 250; i++) flood.send({ op: 'ping', id: i });
  const { code } = await flood.closed();
  await notify(base, user, 2);
  const last = flood.seqs().at(-1);
  const back = await connect(base, user, { epoch: flood.of('welcome')[0].epoch, seq: last });
  await until(() => back.seqs().at(-1) === 10 && calm.seqs().at(-1) === 10, 'seq 10 on both sockets');
  const applied = (await call(base, 'GET', `/test/received/${user}`)).body.messages.length;
  const whole = distinct([...flood.seqs(), ...back.seqs()]);
  [calm, back].forEach((s) => s.end());
  const pongs = flood.of('pong').length;
  return {
    input: '250 pings at once on one socket, after 5 sends',
    did: `closed it with ${code} after ${pongs} pongs`,
    lost: `nothing: the ${applied} sends acked before stay applied; resuming from seq ${last} gave seqs 1..${whole.at(-1)} with no gap, and the user's other socket got seqs 1..${calm.seqs().at(-1)}`,
    ok: code === 4429 && pongs < 250 && applied === 5 && contiguous(whole, 10) && contiguous(calm.seqs(), 10),
  };
}

/** 300 pings at 45/s, past the burst at a pace under the rate: never limited. */
export async function pacedPings(base) {
  const s = await connect(base, 'paced');
  const started = Date.now();
  for (let i = 0; i < 300; i++) {
    await sleep(started + (i * 1000) / 45 - Date.now());
    s.send({ op: 'ping', id: i });
  }
  await until(() => s.of('pong').length === 300 || s.close, '300 pongs', 10_000);
  const pongs = s.of('pong').length;
  s.end();
  return {
    input: '300 pings at 45 a second on one socket (more than the burst, under the rate)',
    did: s.close ? `closed it with ${s.close.code}` : `answered all ${pongs}; the socket stayed open`,
    lost: 'nothing',
    ok: pongs === 300 && !s.close,
  };
}

/** 100 replay requests from 0 against a 300-event log: 2 copies, the rest merged. */
export async function replayFlood(base) {
  const user = 'replayer';
  await Promise.all([0, 1, 2].map(() => notify(base, user, 100)));
  const s = await connect(base, user);
  await until(() => s.seqs().length === 300, 'the 300-event replay at hello');
  const before = s.frames.length;
  const asked = Date.now();
  for (let i = 0; i < 100; i++) s.send({ op: 'replay', after: 0 });
  await sleep(200);
  await notify(base, user, 1, 'live');
  const liveAt = await until(() => s.frames.slice(before).some((f) => f.seq === 301) && Date.now(), 'the live event');
  await sleep(1800 - (Date.now() - asked));
  const after = s.frames.slice(before).filter((f) => f.op === 'event');
  const starts = []; // when each copy began to arrive: its seq 1
  s.frames.forEach((f, i) => { if (i >= before && f.seq === 1) starts.push(s.times[i] - asked); });
  s.end();
  return {
    input: '100 `replay` requests from seq 0 at once, against a 300-event log',
    did: `sent ${starts.length} copies (${after.length} events) in 1.8 s, starting ${starts.map((t) => `${t} ms`).join(', ')} after the requests`,
    lost: `nothing: an event published meanwhile arrived live ${liveAt - asked} ms after the requests`,
    ok: starts.length === 2 && starts[1] >= 1000 && after.length === 300 + 1 + 301,
  };
}

/** A 33rd socket for one user: refused 4409; the 32 open ones keep getting events. */
export async function socketsPerUser(base) {
  const user = 'many';
  const open = [];
  for (let i = 0; i < 32; i++) open.push(await connect(base, user));
  const extra = await connect(base, user);
  await extra.closed();
  await notify(base, user, 1);
  await until(() => open.every((s) => s.seqs().includes(1)), 'the event on every open socket');
  open.forEach((s) => s.end());
  return {
    input: 'a 33rd socket for one user',
    did: `closed the newest with ${extra.close.code} "${extra.close.reason}"`,
    lost: `nothing: all ${open.filter((s) => !s.close).length} open sockets stayed open and got the next event`,
    ok: extra.close.code === 4409 && open.every((s) => !s.close),
  };
}

/** `waiting` + 1 sockets that never say hello: the last upgrade gets 503; the others still can. */
export async function waitingForHello(base, waiting) {
  const quiet = [];
  for (let i = 0; i < waiting; i++) quiet.push(await Sock.open(base));
  const over = await upgrade(base);
  const { body } = await call(base, 'POST', '/api/login', { user: 'late' });
  quiet[0].send({ op: 'hello', token: body.token });
  await until(() => quiet[0].of('welcome').length, 'the welcome of a waiting socket');
  quiet.forEach((s) => s.end());
  return {
    input: `${waiting + 1} sockets that never say \`hello\``,
    did: `answered the upgrade of the last one ${over.status} ${over.body?.error?.code}`,
    lost: 'nothing: a socket that was waiting then said hello and was welcomed',
    ok: over.status === 503 && over.body?.error?.code === 'too_many_waiting',
  };
}

/** The longest `type`, `id` and `topic` of a `send` (README, "Limits"). */
export const FIELD_LIMITS = { type: 64, id: 128, topic: 128 };

/** A `send` whose `field` is one character over its limit: nacked, the socket stays open. */
export async function longField(base, field) {
  const s = await connect(base, `long_${field}`);
  const limit = FIELD_LIMITS[field];
  const long = 'x'.repeat(limit + 1);
  const over = { op: 'send', id: 'ok-0', type: 'chat', topic: 't', [field]: long };
  s.send(over);
  s.send({ op: 'send', id: 'ok-1', type: 'chat' });
  await until(() => s.of('ack').length === 1, 'the next send acked');
  const [nack] = s.of('nack');
  s.end();
  return {
    input: `a \`send\` with a ${limit + 1}-character \`${field}\``,
    did: `nack ${nack?.code}: "${nack?.message}"; the socket ${s.close ? `closed ${s.close.code}` : 'stayed open'}`,
    lost: `nothing: the next send was acked (${s.of('ack')[0].id})`,
    ok: nack?.code === 'bad_message' && nack.message === `${field} is ${limit + 1} characters; the limit is ${limit}` && !s.close,
  };
}

/** A socket that never says `hello`: closed 4408 once the 10 s for it are up. */
export async function helloTimeout(base) {
  const s = await Sock.open(base);
  const opened = Date.now();
  const { code, reason } = await s.closed(15_000);
  const secs = (Date.now() - opened) / 1000;
  return {
    input: 'a socket that never says `hello`',
    did: `closed it with ${code} "${reason}" after ${secs.toFixed(1)} s`,
    lost: 'nothing: the socket had no user yet',
    ok: code === 4408 && secs >= 9 && secs < 13,
  };
}

/** The user's log head: 0 when nothing was ever stored for `user`. */
async function headOf(base, user) {
  const s = await connect(base, user);
  s.end();
  return s.welcome.head;
}

/** A publish over one of the publish API's own limits: 400 `code`, nothing stored. */
export async function badPublish(base, apiKey, what) {
  const user = `publish_${what}`;
  const body = what === 'events'
    ? { events: Array.from({ length: 1001 }, (_, i) => ({ user, type: 't', data: i })) }
    : { user, type: 't', data: 0, idempotencyKey: 'k'.repeat(257) };
  const want = what === 'events' ? 'too_many_events' : 'bad_idempotency_key';
  const { status, body: answer } = await call(base, 'POST', '/api/publish', body, { authorization: `Bearer ${apiKey}` });
  const head = await headOf(base, user);
  return {
    input: what === 'events' ? 'a `/api/publish` of 1001 events (limit 1000)' : 'a `/api/publish` whose `idempotencyKey` is 257 characters (limit 256)',
    did: `answered ${status} ${answer?.error?.code}: "${answer?.error?.message}"`,
    lost: head === 0 ? 'nothing: nothing was stored (the user\'s log head is 0)' : `it stored ${head} events`,
    ok: status === 400 && answer?.error?.code === want && head === 0,
  };
}

/** A resume from before the retained log (1000 events): refused, and the client told so. */
export async function pastRetention(base, apiKey) {
  const user = 'retained';
  const first = await connect(base, user);
  first.end();
  const events = (from, n) => Array.from({ length: n }, (_, i) => ({ user, type: 'r', data: from + i }));
  const auth = { authorization: `Bearer ${apiKey}` };
  for (const [from, n] of [[1, 1000], [1001, 1]]) {
    const { status } = await call(base, 'POST', '/api/publish', { events: events(from, n) }, auth);
    if (status !== 200) throw new Error(`publish answered ${status}`);
  }
  const back = await connect(base, user, { epoch: first.welcome.epoch, seq: 0 });
  await until(() => back.seqs().length >= 1000, 'the retained events');
  await sleep(100);
  const seqs = back.seqs();
  back.end();
  return {
    input: '1001 events published to a user who then resumes from seq 0 (the log keeps 1000)',
    did: `welcomed it with resumed ${back.welcome.resumed} (the client fires \`reset\`) and replayed seqs ${seqs[0]}..${seqs.at(-1)}`,
    lost: 'seq 1 only, older than the log, and announced by `resumed: false` (reload over HTTP); every retained event was replayed',
    ok: back.welcome.resumed === false && seqs.length === 1000 && seqs.every((q, i) => q === i + 2),
  };
}

/** A 70 KB message: closed 1009; what was sent before it stays applied. */
export async function bigMessage(base) {
  const s = await connect(base, 'big_message');
  s.send({ op: 'send', id: 'before', type: 'chat' });
  await until(() => s.of('ack').length === 1, 'the first send acked');
  s.send({ op: 'send', id: 'huge', type: 'chat', data: 'x'.repeat(70_000) });
  const { code } = await s.closed();
  const applied = (await call(base, 'GET', '/test/received/big_message')).body.messages.map((m) => m.id);
  return {
    input: 'a 70 KB message (limit 64 KiB)',
    did: `closed the socket with ${code}`,
    lost: `nothing: the send acked before it stays applied (${applied.join(', ')})`,
    ok: code === 1009 && applied.join() === 'before',
  };
}

/** 1.1 MB bodies on every route that reads one: 413 each, nothing stored. */
export async function bigBodies(base, apiKey) {
  const pad = 'x'.repeat(1_100_000);
  const routes = ['/api/login', '/api/notify', '/api/spells/fire/cast', '/api/publish', '/test/drop'];
  const auth = { authorization: `Bearer ${apiKey}` };
  const answers = [];
  for (const path of routes) {
    const { status, body } = await call(base, 'POST', path, { user: 'bodies', type: 't', data: pad }, auth);
    answers.push(`${status} ${body?.error?.code}`);
  }
  const s = await connect(base, 'bodies');
  const head = s.welcome.head;
  s.end();
  return {
    input: `a 1.1 MB body to each of ${routes.map((r) => `\`${r}\``).join(', ')}`,
    did: [...new Set(answers)].length === 1 ? `${answers[0]} on all ${routes.length}` : answers.join('; '),
    lost: head === 0 ? 'nothing: nothing was stored (the user\'s log head is 0)' : `it stored ${head} events`,
    ok: answers.every((a) => a === '413 body_too_large') && head === 0,
  };
}

/** An HS256 connection token signed with `secret`, as a backend would sign it. */
function sign(secret, claims) {
  const part = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 600, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** What a socket whose hello carries `token` got: its close, or its welcome. */
async function helloWith(base, token) {
  const s = await Sock.open(base);
  s.send({ op: 'hello', token });
  await until(() => s.close || s.of('welcome').length, 'a welcome or a close');
  s.end();
  return s.close ? `closed ${s.close.code} "${s.close.reason}"` : 'welcomed';
}

/**
 * Over a user-name or channels-claim limit, in a signed token and at `/api/login`: the socket is
 * refused 4401 and login answers 400; a token within the limit is welcomed.
 */
export async function badIdentity(base, secret, what) {
  const name = what === 'user' ? 'x'.repeat(65) : 'within';
  const claims = (n) => Array.from({ length: n }, (_, i) => `crew:c${i}`);
  const over = what === 'user' ? { sub: name } : { sub: name, channels: claims(257) };
  const within = what === 'user' ? { sub: 'x'.repeat(64) } : { sub: name, channels: claims(256) };
  const login = what === 'user' ? { user: name } : { user: name, channels: claims(257) };
  const [refused, fine] = [await helloWith(base, sign(secret, over)), await helloWith(base, sign(secret, within))];
  const { status, body } = await call(base, 'POST', '/api/login', login);
  const want = what === 'user' ? 'bad_user' : 'bad_channels';
  return {
    input: what === 'user'
      ? 'a 65-character user name, as a signed token\'s `sub` and at `/api/login` (limit 64)'
      : 'a `channels` claim of 257 entries, in a signed token and at `/api/login` (limit 256)',
    did: `the socket: ${refused}; login: ${status} ${body?.error?.code}`,
    lost: `nothing: a token at the limit was ${fine}`,
    ok: refused.startsWith('closed 4401') && fine === 'welcomed' && status === 400 && body?.error?.code === want,
  };
}

/** The 65th channel on one socket, and a 129-byte channel name: each refused on its own; the
 * socket, its 64 channels and its personal stream carry on. */
export async function channelCaps(base) {
  const user = 'many_channels';
  const s = await connect(base, user);
  for (let i = 0; i < 65; i++) s.send({ op: 'sub', channel: `room:cap-${i}` });
  const long = `room:${'x'.repeat(124)}`; // 129 bytes
  s.send({ op: 'sub', channel: long });
  await until(() => s.of('subscribed').length === 64 && s.of('refused').length === 2, '64 subscribed and 2 refused');
  const refused = Object.fromEntries(s.of('refused').map((r) => [r.channel === long ? 'long' : r.channel, r.code]));
  await call(base, 'POST', '/api/notify', { channel: 'room:cap-0', type: 'c', data: null });
  await notify(base, user, 1);
  await until(() => s.of('event').length === 2, 'a channel event and a personal event');
  s.end();
  return {
    input: '65 `sub`s on one socket, then a `sub` for a 129-byte channel name',
    did: `subscribed 64; refused room:cap-64 with ${refused['room:cap-64']} and the long name with ${refused.long}; the socket ${s.close ? `closed ${s.close.code}` : 'stayed open'}`,
    lost: 'nothing: the joined channels and the personal stream still deliver',
    ok: refused['room:cap-64'] === 'too_many_channels' && refused.long === 'bad_channel' && !s.close,
  };
}
