// The "Cast spell" form and one SpellWindow per cast. A window opens on the cast's first event
// (`cast_started`), whoever started it; `replay` also opens the ones started before this mounted.
import { useState, type FormEvent } from 'react';
import { castSpell } from './api';
import { useEvent, type Events } from './events';
import { SpellWindow } from './SpellWindow';

export function Casts({ user }: { user: string }) {
  const [casts, setCasts] = useState<Events['cast_started'][]>([]);
  useEvent('cast_started', (evt) => setCasts((all) => [evt.data, ...all]), { replay: true });
  const close = (castId: string) => setCasts((all) => all.filter((c) => c.castId !== castId));
  return (
    <section className="casts" aria-label="Casts">
      <CastForm user={user} />
      <div className="windows">
        {casts.map((c) => <SpellWindow key={c.castId} cast={c} onClose={() => close(c.castId)} />)}
      </div>
    </section>
  );
}

function CastForm({ user }: { user: string }) {
  const [error, setError] = useState('');
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setError('');
    try {
      await castSpell(user, String(data.get('spell')), Number(data.get('steps')), Number(data.get('stepMs')));
    } catch (err) {
      setError(`Could not cast: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <form className="cast-form" onSubmit={submit}>
      <label>Spell <input name="spell" defaultValue="fireball" required maxLength={64} /></label>
      <label>Steps <input name="steps" type="number" defaultValue={5} min={1} max={100} required /></label>
      <label>Step ms <input name="stepMs" type="number" defaultValue={600} min={0} max={60000} required /></label>
      <button type="submit">Cast spell</button>
      <p className="form-error" role="alert">{error}</p>
    </form>
  );
}
