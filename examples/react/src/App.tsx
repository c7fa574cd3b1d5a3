import { Badge } from './Badge';
import { Casts } from './Casts';
import { Chat } from './Chat';
import { Crew } from './Crew';
import { Monitor } from './Monitor';
import { Notices } from './Notices';

export function App({ user, onLogout }: { user: string; onLogout: () => void }) {
  return (
    <>
      <header className="top">
        <h1>spellwire + React</h1>
        <span className="user">signed in as <b>{user}</b> <button type="button" onClick={onLogout}>Log out</button></span>
        <Badge />
      </header>
      <main>
        <Casts user={user} />
        <aside>
          <Monitor />
          <Chat />
          <Notices />
          <Crew />
        </aside>
      </main>
    </>
  );
}
