// What a user writes first: import from the installed package and connect. No init() call.
import { Client } from 'spellwire';

const user = `vite-${Math.random().toString(36).slice(2)}`;
const token = () => fetch('/api/login', { method: 'POST', body: JSON.stringify({ user }) })
  .then((r) => r.json())
  .then((b) => b.token);
const client = new Client({ url: `${location.origin.replace('http', 'ws')}/ws`, token });
client.on('state', (s) => { document.getElementById('state').textContent = s.state; });
window.client = client;
