// Writes the figures of a passed soak run (the JSON `spellwire-loadgen soak` prints) into the
// `soak` section of docs/RELIABILITY.md. Run by tests/soak/run.sh:
//   node tests/soak/report.mjs FIGURES.json docs/RELIABILITY.md smoke|long
import { readFileSync } from 'node:fs';
import { writeSection } from '../lib/report-section.mjs';

const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const n = (x) => x.toLocaleString('en');
const signed = (kb) => `${kb >= 0 ? '+' : '−'}${mb(Math.abs(kb))}`;

/**
 * The section's markdown for one run's figures.
 * @example markdown(JSON.parse(readFileSync('figures.json', 'utf8')), 'smoke');
 * @param {any} f the soak's JSON @param {string} run 'smoke' or 'long'
 */
export function markdown(f, run) {
  const command = run === 'long' ? 'bash tests/soak/run.sh --long' : 'bash tests/soak/run.sh';
  const soakEvents = f.eventsPerUser - f.warmupEvents;
  return `## Soak: ${n(f.sockets)} sockets reconnecting in waves

Produced by \`${command}\` (the ${run === 'long' ? 'long run' : 'CI smoke, run by `./scripts/test.sh`; `--long` runs 2,000 sockets for 10 minutes'});
do not edit by hand. Run on ${new Date().toISOString().slice(0, 10)}.

\`spellwire-loadgen soak\` (bench/loadgen, Rust, tokio-tungstenite) against a debug build of
\`spellwire-server\` on loopback, with replay logs of 100 events. Each socket is one user that
says hello with its cursor after every break and checks that its events arrive once and in order.

- **Warm-up:** every user connects, gets ${f.warmupEvents} events (filling its log) and disconnects;
  the server's VmRSS and open fds then are the baseline.
- **Soak:** everyone reconnects. For ${Math.round(f.secs)} s one event per user is published ${f.rate} times a second,
  and every ${f.waveEveryMs / 1000} s a random ${Math.round(f.waveShare * 100)}% of the sockets breaks (a dropped TCP connection
  and a clean close, in alternate waves) and comes back after up to 1 s.
- **After:** publishing stops, every socket catches up, all disconnect, and a few seconds later
  VmRSS and fds are read again.

| figure | value |
|---|---|
| sockets (one user each) | ${n(f.sockets)} |
| waves / sockets broken / reconnects | ${f.waves} / ${n(f.broken)} / ${n(f.reconnects)} |
| sockets the server closed itself | ${n(f.serverCloses)} |
| events per socket | ${n(f.eventsPerUser)} (${f.warmupEvents} warm-up + ${soakEvents} during the soak) |
| events delivered in all | ${n(f.deliveries)} |
| lost | ${n(f.lost)} |
| duplicated, out of order or refused resumes | ${n(f.sessionProblems)} |
| server VmRSS: baseline → peak → after | ${mb(f.base.rssKb)} → ${mb(f.peak.rssKb)} → ${mb(f.after.rssKb)} (${signed(f.rssGrowthKb)}; at most ${signed(f.allowedGrowthKb)} allowed) |
| server open fds: baseline → peak → after | ${f.base.fds} → ${n(f.peak.fds)} → ${f.after.fds} (at most ${f.fdSlack} more allowed) |
| warm-up / soak phase | ${(f.warmUpMs / 1000).toFixed(1)} s / ${f.secs.toFixed(1)} s |
`;
}

const [figuresFile, doc, run = 'smoke'] = process.argv.slice(2);
if (figuresFile && doc) {
  const figures = JSON.parse(readFileSync(figuresFile, 'utf8'));
  if (figures.problems.length > 0) throw new Error(`not writing a failed run: ${figures.problems.join('; ')}`);
  writeSection(doc, 'soak', markdown(figures, run));
  console.log(`soak: ${n(figures.reconnects)} reconnects, ${figures.lost} lost, VmRSS ${signed(figures.rssGrowthKb)}, fds ${figures.base.fds} → ${figures.after.fds}; ${doc} updated`);
}
