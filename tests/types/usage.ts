// Type-checked (never run) by scripts/test.sh with `tsc --noEmit`: the README's TypeScript
// claims hold against the generated pkg/spellwire.d.ts. Lines marked @ts-expect-error must fail.
// The package's main entry (ready on import) and 'spellwire/init' (for init(url) by hand).
import { Client, type TypedClient, type StateInfo, type SpellwireError } from '../../pkg/index.js';
import init from '../../pkg/spellwire.js';

type Events = { step_completed: { progress: number }; chat: { text: string } };

export async function usage(): Promise<void> {
  await init();
  const client = new Client({ url: 'ws://127.0.0.1:8080/ws', token: async () => 'T', backoff: { jitter: 'full' } });
  const typed = client as unknown as TypedClient<Events>;
  const off = typed.on('step_completed', (e) => {
    const p: number = e.data.progress;
    void p;
  });
  off();
  typed.on('state', (s: StateInfo) => void s.latencyMs);
  typed.on('error', (e: SpellwireError) => void e.code);
  // @ts-expect-error: chat events carry text, not progress
  typed.on('chat', (e) => void e.data.progress);
  await client.send('chat', { text: 'hi' });
  await client.send('chat', { text: 'hi' }, { topic: 'room:1' });
  const reply = await typed.send<{ stored: boolean }>('chat', { text: 'hi' });
  const stored: boolean = reply.stored;
  void stored;
  // @ts-expect-error: the reply type says stored is a boolean
  const wrong: string = reply.stored;
  void wrong;
  // @ts-expect-error: unknown option names are not ClientOptions
  new Client({ url: 'ws://x', queueLimt: 5 });
  const shared: Client = Client.shared({ url: ['ws://a/ws', 'ws://b/ws'] });
  void shared.stats().replayed;
}
