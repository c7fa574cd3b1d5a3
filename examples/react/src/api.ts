// The spell server's HTTP API (`--dev`): log in, start a cast. Errors carry the server's message.

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? `POST ${path}: HTTP ${res.status}`);
  return json as T;
}

/** A fresh connection token for `user`. */
export async function login(user: string): Promise<string> {
  return (await post<{ token: string }>('/api/login', { user })).token;
}

/** Starts a cast; its events arrive on topic `cast:{castId}`, starting with `cast_started`. */
export function castSpell(user: string, spell: string, steps: number, stepMs: number): Promise<{ castId: string }> {
  return post(`/api/spells/${encodeURIComponent(spell)}/cast`, { user, steps, stepMs });
}
