// Who is signed in. Logging out unmounts the provider, which closes that user's client; logging
// in as someone else mounts a provider with other options, which makes a new client: the new user
// never gets the previous user's events, and the page keeps one socket.
import { useState, type FormEvent } from 'react';
import { SpellwireProvider } from 'spellwire/react';
import { App } from './App';
import { sessionFor, type Page } from './options';

export function Session({ first }: { first: Page }) {
  const [page, setPage] = useState<Page | null>(first);
  if (!page) return <Login onLogin={(user) => setPage(sessionFor(user, location.search))} />;
  return (
    <SpellwireProvider options={page.options}>
      <App user={page.user} onLogout={() => setPage(null)} />
    </SpellwireProvider>
  );
}

function Login({ onLogin }: { onLogin: (user: string) => void }) {
  const [user, setUser] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onLogin(user.trim());
  };
  return (
    <form className="login" onSubmit={submit}>
      <h1>spellwire + React</h1>
      <label>User <input value={user} onChange={(e) => setUser(e.target.value)} pattern="[A-Za-z0-9_.:\-]{1,64}" required /></label>
      <button type="submit">Log in</button>
    </form>
  );
}
