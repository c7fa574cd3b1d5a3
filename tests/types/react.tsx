// Type-checked (never run) by scripts/test.sh with `tsc -p tests/types`: spellwire/react's hooks
// are typed by the app's event map. Each @ts-expect-error line must fail to compile (tsc reports
// an unused directive otherwise), next to the lines that must compile.
import { StrictMode, useReducer, useState } from 'react';
import {
  SpellwireProvider, typedHooks, useConnection, useEvent, type AnyEvent, type Connection,
} from '../../pkg/react.js';

type Events = {
  cast_started: { castId: string; spell: string; steps: number };
  step_completed: { step: number; progress: number; output: string };
};
const typed = typedHooks<Events>();

function Steps({ castId }: { castId: string }) {
  const [steps, setSteps] = useState<number[]>([]);
  typed.useTopic(`cast:${castId}`, (evt) => {
    if (evt.type === 'step_completed') setSteps((s) => [...s, evt.data.step]);
    // @ts-expect-error: a cast_started event carries no step
    if (evt.type === 'cast_started') void evt.data.step;
  }, { replay: true });
  typed.useEvent('step_completed', (evt) => {
    const progress: number = evt.data.progress;
    // @ts-expect-error: progress is a number, not a string
    const wrong: string = evt.data.progress;
    void [progress, wrong];
  });
  // @ts-expect-error: not an event type of the map
  typed.useEvent('step_finished', () => {});
  // @ts-expect-error: replay is a boolean
  typed.useEvent('cast_started', () => {}, { replay: 'yes' });
  return <ol>{steps.map((s) => <li key={s}>{s}</li>)}</ol>;
}

function reduce(count: number, evt: AnyEvent<Events>): number {
  return evt.type === 'step_completed' ? count + evt.data.step : count;
}

function Total({ castId }: { castId: string | null }) {
  const [total, dispatch] = useReducer(reduce, 0);
  typed.useTopic(castId && `cast:${castId}`, dispatch); // a reducer's dispatch is a listener
  // Without the map, data is unknown until narrowed.
  useEvent('step_completed', (evt) => {
    // @ts-expect-error: untyped data is unknown
    void evt.data.step;
  });
  return <span>{total}</span>;
}

function Badge() {
  const c: Connection = useConnection();
  const retryIn: number | null = c.retryAt === null ? null : c.retryAt - performance.now();
  // @ts-expect-error: not a ConnectionState
  const up: boolean = c.state === 'up';
  void up;
  return <span data-state={c.state}>{c.latencyMs ?? '-'} {retryIn}</span>;
}

function Chat() {
  const { send, pending } = typed.useSend();
  const count: number = pending;
  const go = async () => {
    const reply = await send<{ stored: boolean }>('chat', { text: 'hi' }, { topic: 'room:1' });
    const stored: boolean = reply.stored;
    // @ts-expect-error: the reply type says stored is a boolean
    const wrong: string = reply.stored;
    void [stored, wrong];
    // @ts-expect-error: send options take a topic, nothing else
    await send('chat', {}, { room: 1 });
  };
  return <button onClick={go}>{count}</button>;
}

export function App() {
  const client = typed.useClient();
  void client.stats().queued;
  return (
    <StrictMode>
      <SpellwireProvider options={{ url: 'ws://127.0.0.1:8080/ws', token: async () => 'T' }} history={50}>
        <Steps castId="42" /><Total castId={null} /><Badge /><Chat />
      </SpellwireProvider>
      {/* @ts-expect-error: unknown option names are not ClientOptions */}
      <SpellwireProvider options={{ url: 'ws://x', queueLimt: 5 }} />
    </StrictMode>
  );
}
