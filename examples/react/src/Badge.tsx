// The connection badge: "Connected (45 ms)", "Reconnecting (attempt 3, next in 4 s)", ...
import { useEffect, useState } from 'react';
import { useConnection, type Connection } from 'spellwire/react';
import { useClient } from './events';

/** What a person reads for the connection at `now` (a `performance.now()` time). */
export function describe(c: Connection, now: number): string {
  switch (c.state) {
    case 'open':
      return c.latencyMs === null ? 'Connected' : `Connected (${Math.max(1, Math.round(c.latencyMs))} ms)`;
    case 'connecting':
      return c.attempt > 0 ? `Connecting… (attempt ${c.attempt})` : 'Connecting…';
    case 'reconnecting':
      return `Reconnecting (attempt ${c.attempt}, next in ${Math.ceil(Math.max(0, (c.retryAt ?? now) - now) / 1000)} s)`;
    case 'offline':
      return 'Offline';
    case 'failed':
      return `Failed: ${c.reason ?? 'unknown'}`;
    default:
      return 'Closed';
  }
}

/** Re-renders every `ms` while `ms` is not null (the countdown); returns nothing to read. */
function useTick(ms: number | null): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (ms === null) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

export function Badge() {
  const c = useConnection();
  const client = useClient();
  useTick(c.state === 'reconnecting' ? 250 : null);
  const canRetry = c.state === 'reconnecting' || c.state === 'offline' || c.state === 'failed';
  return (
    <div className="badge-row">
      <span id="status" className="badge" data-state={c.state} role="status" aria-live="polite">
        {describe(c, performance.now())}
      </span>
      {canRetry && <button type="button" onClick={() => client.retry()}>Retry</button>}
    </div>
  );
}
