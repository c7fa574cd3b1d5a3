import { Badge } from './Badge';
import { Casts } from './Casts';
import { Chat } from './Chat';
import { Monitor } from './Monitor';

export function App({ user }: { user: string }) {
  return (
    <>
      <header className="top">
        <h1>spellwire + React</h1>
        <span className="user">signed in as <b>{user}</b></span>
        <Badge />
      </header>
      <main>
        <Casts user={user} />
        <aside>
          <Monitor />
          <Chat />
        </aside>
      </main>
    </>
  );
}
