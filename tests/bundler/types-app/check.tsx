// Each entry point of the installed package type-checks by its package name.
import { Client, type TypedClient } from 'spellwire';
import init from 'spellwire/init';
import { SpellwireProvider, typedHooks } from 'spellwire/react';

type Events = { step_completed: { progress: number } };
const { useEvent } = typedHooks<Events>();

function Progress() {
  useEvent('step_completed', (evt) => {
    const p: number = evt.data.progress;
    void p;
  });
  return null;
}

export async function check() {
  await init();
  const client = new Client({ url: 'ws://x/ws' }) as unknown as TypedClient<Events>;
  client.on('step_completed', (evt) => void evt.data.progress);
  return <SpellwireProvider options={{ url: 'ws://x/ws' }}><Progress /></SpellwireProvider>;
}
