// A channel (a stream shared between users) joined while a name is entered: `useChannel` gives
// its events and, when the server refuses the join, why.
import { useState, type FormEvent } from 'react';
import { useChannel } from './events';

export function Crew() {
  const [draft, setDraft] = useState('');
  const [name, setName] = useState<string | null>(null);
  const { events, error } = useChannel(name, undefined, { keep: 20 });
  const join = (e: FormEvent) => {
    e.preventDefault();
    setName(draft.trim() || null);
  };
  return (
    <section className="crew" aria-label="Channel">
      <h2>Channel</h2>
      <form onSubmit={join}>
        <label>Channel <input value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="crew:alpha" /></label>
        <button type="submit">Join</button>
      </form>
      {error && <p className="form-error" role="alert" data-code={error.code}>{error.message}</p>}
      <ul className="channel-events">{events.map((e) => <li key={e.seq} data-seq={e.seq}>{e.channel} #{e.seq} {e.type}</li>)}</ul>
    </section>
  );
}
