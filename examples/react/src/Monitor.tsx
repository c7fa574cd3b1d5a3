// The run monitor: one row per tool call (`tool_start`), its progress (`tool_progress`), its
// duration and status (`tool_end`). Keeps the latest 20 calls.
import { useReducer } from 'react';
import { useEvent, type CastEvent } from './events';

const MAX_ROWS = 20;

interface Row {
  key: string;
  tool: string;
  step: number;
  progress: number;
  result: string | null;
  status: string | null;
}

function rowKey(evt: CastEvent & { data: { tool: string; step: number } }): string {
  return `${evt.topic}/${evt.data.step}/${evt.data.tool}`;
}

function apply(rows: Row[], evt: CastEvent): Row[] {
  switch (evt.type) {
    case 'tool_start': {
      const row = { key: rowKey(evt), tool: evt.data.tool, step: evt.data.step, progress: 0, result: null, status: null };
      return [row, ...rows].slice(0, MAX_ROWS);
    }
    case 'tool_progress':
      return rows.map((r) => (r.key === rowKey(evt) ? { ...r, progress: evt.data.progress } : r));
    case 'tool_end': {
      const { durationMs, status } = evt.data;
      return rows.map((r) => (r.key === rowKey(evt) ? { ...r, progress: 1, result: `${status} · ${durationMs} ms`, status } : r));
    }
    default:
      return rows;
  }
}

export function Monitor() {
  const [rows, dispatch] = useReducer(apply, []);
  useEvent('tool_start', dispatch);
  useEvent('tool_progress', dispatch);
  useEvent('tool_end', dispatch);
  return (
    <section className="monitor-panel" aria-label="Run monitor">
      <h2>Run monitor</h2>
      <table className="monitor">
        <thead><tr><th scope="col">Tool</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Result</th></tr></thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-tool={r.tool} data-step={r.step}>
              <td><code>{r.tool}</code></td>
              <td>{r.step}</td>
              <td><progress max={1} value={r.progress} aria-label={`${r.tool} progress`} /></td>
              <td className="result" data-status={r.status ?? undefined}>{r.result ?? 'running…'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
