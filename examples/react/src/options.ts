// The page's client options. The query string can set the user, a literal token and the timing
// (`?user=ann&token=T&heartbeatMs=1000&backoffMs=200`): handy to try things, and what the test uses.
import type { ClientOptions } from 'spellwire';
import { login } from './api';

export interface Page {
  user: string;
  options: ClientOptions;
}

export function pageOptions(search: string): Page {
  const q = new URLSearchParams(search);
  const user = q.get('user') ?? `react-${Math.random().toString(36).slice(2, 8)}`;
  const options: ClientOptions = {
    url: `${location.origin.replace(/^http/, 'ws')}/ws`,
    // Without ?token=, log in before every attempt: a restarted server gets a token it accepts.
    token: q.get('token') ?? (() => login(user)),
  };
  const heartbeatMs = Number(q.get('heartbeatMs'));
  if (heartbeatMs > 0) options.heartbeatMs = heartbeatMs;
  const backoffMs = Number(q.get('backoffMs'));
  if (backoffMs > 0) options.backoff = { initialMs: backoffMs, maxMs: backoffMs * 4 };
  return { user, options };
}
