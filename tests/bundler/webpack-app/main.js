// spellwire/react from a webpack build, in plain JS (no JSX, no loader): the provider, the
// connection state and one event type.
import { createElement as h, StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { SpellwireProvider, useConnection, useEvent } from 'spellwire/react';

const user = `webpack-${Math.random().toString(36).slice(2)}`;
const token = () => fetch('/api/login', { method: 'POST', body: JSON.stringify({ user }) })
  .then((r) => r.json())
  .then((b) => b.token);

function Status() {
  const { state } = useConnection();
  const [note, setNote] = useState('');
  useEvent('note', (evt) => setNote(evt.data.text));
  return h('p', null, h('span', { id: 'state' }, state), ' ', h('span', { id: 'note' }, note));
}

const options = { url: `${location.origin.replace('http', 'ws')}/ws`, token };
createRoot(document.getElementById('root')).render(
  h(StrictMode, null, h(SpellwireProvider, { options }, h(Status))),
);
window.bundlerTest = { user };
