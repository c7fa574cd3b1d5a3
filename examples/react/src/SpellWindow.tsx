// A SpellWindow: one cast, followed on its topic `cast:{castId}`. "Hide" unmounts the progress
// and "Show" mounts it again: `replay` rebuilds it from the provider's history, and each step is
// listed once per `step_completed` event received, so a duplicate delivery would show.
import { useReducer, useState } from 'react';
import { useTopic, type CastEvent, type Events } from './events';

interface View {
  status: string;
  progress: number;
  steps: Events['step_completed'][];
  outputs: string[] | null;
}

const START: View = { status: 'Starting…', progress: 0, steps: [], outputs: null };

function apply(view: View, evt: CastEvent): View {
  switch (evt.type) {
    case 'step_started':
      return { ...view, status: `Step ${evt.data.step}: ${evt.data.name}…` };
    case 'step_completed':
      return { ...view, progress: evt.data.progress, steps: [...view.steps, evt.data] };
    case 'cast_completed':
      return { ...view, status: 'Completed', outputs: evt.data.outputs };
    default:
      return view;
  }
}

export function SpellWindow({ cast, onClose }: { cast: Events['cast_started']; onClose: () => void }) {
  const [shown, setShown] = useState(true);
  return (
    <section className="spell-window" data-cast={cast.castId} aria-label={`Cast ${cast.castId}`}>
      <header>
        <h3>{cast.spell}</h3>
        <code>cast:{cast.castId}</code>
        <button type="button" onClick={() => setShown((s) => !s)}>{shown ? 'Hide' : 'Show'}</button>
        <button type="button" className="close" aria-label="Close this window" onClick={onClose}>×</button>
      </header>
      <p className="cast-meta">{cast.steps} steps</p>
      {shown && <CastProgress cast={cast} />}
    </section>
  );
}

function CastProgress({ cast }: { cast: Events['cast_started'] }) {
  const [view, dispatch] = useReducer(apply, START);
  useTopic(`cast:${cast.castId}`, dispatch, { replay: true });
  return (
    <div className={view.outputs ? 'progress completed' : 'progress'}>
      <progress max={1} value={view.progress} aria-label={`Progress of ${cast.spell}`} />
      <p className="cast-status">{view.status}</p>
      <ol className="steps" aria-label="Completed steps">
        {view.steps.map((s, i) => (
          <li key={i} className="step" data-step={s.step}><span className="step-no">Step {s.step}</span> {s.output}</li>
        ))}
      </ol>
      {view.outputs && (
        <div className="outputs">
          <h4>Outputs</h4>
          <ul className="output-list">{view.outputs.map((o) => <li key={o}>{o}</li>)}</ul>
        </div>
      )}
    </div>
  );
}
