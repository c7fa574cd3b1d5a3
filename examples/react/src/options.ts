// The page's client options. The query string can set the first user, a literal token for them
// and the timing (`?user=ann&token=T&heartbeatMs=1000&livenessGraceMs=1000&backoffMs=200`): handy to try things, and
// what the test uses. A user who logs in later gets a token function of their own.
import type { ClientOptions } from 'spellwire';
import { login } from './api';

export interface Page {
  user: string;
  options: ClientOptions;
}

export function pageOptions(search: string): Page {
  const q = new URLSearchParams(search);
  const user = q.get('user') ?? `react-${Math.random().toString(36).slice(2, 8)}`;
  return sessionFor(user, search, q.get('token'));
}

/** The options for `user`: a new token function per login, so another login is another client. */
export function sessionFor(user: string, search: string, token: string | null = null): Page {
  const q = new URLSearchParams(search);
  const options: ClientOptions = {
    url: `${location.origin.replace(/^http/, 'ws')}/ws`,
    // Without a literal token, log in before every attempt: a restarted server gets a token it accepts.
    token: token ?? (() => login(user)),
  };
  const heartbeatMs = Number(q.get('heartbeatMs'));
  if (heartbeatMs > 0) options.heartbeatMs = heartbeatMs;
  const livenessGraceMs = Number(q.get('livenessGraceMs'));
  if (livenessGraceMs > 0) options.livenessGraceMs = livenessGraceMs;
  const backoffMs = Number(q.get('backoffMs'));
  if (backoffMs > 0) options.backoff = { initialMs: backoffMs, maxMs: backoffMs * 4 };
  return { user, options };
}
