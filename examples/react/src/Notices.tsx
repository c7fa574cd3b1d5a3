// Notices published to the signed-in user (`/api/notify` with type `notice`): what a test reads to
// see whose events this page receives.
import { useState } from 'react';
import { useEvent } from './events';

export function Notices() {
  const [texts, setTexts] = useState<string[]>([]);
  useEvent('notice', (evt) => setTexts((all) => [...all, evt.data.text]));
  return (
    <section className="notices" aria-label="Notices">
      <h2>Notices</h2>
      <ul>{texts.map((t, i) => <li key={i}>{t}</li>)}</ul>
    </section>
  );
}
