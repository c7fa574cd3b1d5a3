// Sending: `send` resolves once the server acked the message; `pending` counts the messages not
// yet acked (they wait in the outbox while offline and go out on reconnect).
import { useState, type FormEvent } from 'react';
import { useSend } from './events';

export function Chat() {
  const { send, pending } = useSend();
  const [text, setText] = useState('hello');
  const [acked, setAcked] = useState<string[]>([]);
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      const reply = await send('chat', { text });
      setAcked((all) => [...all, `${text} (${JSON.stringify(reply)})`]);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <section className="chat" aria-label="Chat">
      <h2>Send</h2>
      <form onSubmit={submit}>
        <label>Message <input value={text} onChange={(e) => setText(e.target.value)} required /></label>
        <button type="submit">Send</button>
      </form>
      <p className="pending" data-pending={pending}>{pending === 0 ? 'All sent' : `${pending} waiting to be sent`}</p>
      <p className="form-error" role="alert">{error}</p>
      <ul className="acked" aria-label="Acknowledged">{acked.map((a, i) => <li key={i}>{a}</li>)}</ul>
    </section>
  );
}
