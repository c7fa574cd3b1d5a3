// The events the spell server emits (server/src/spells.rs), by type, and the hooks typed by them.
import { typedHooks, type AnyEvent } from 'spellwire/react';

export type Events = {
  cast_started: { castId: string; spell: string; steps: number };
  step_started: { step: number; name: string };
  tool_start: { tool: string; step: number };
  tool_progress: { tool: string; step: number; progress: number };
  tool_end: { tool: string; step: number; durationMs: number; status: string };
  step_completed: { step: number; progress: number; output: string };
  cast_completed: { castId: string; outputs: string[] };
  notice: { text: string };
};

/** Any event of a cast, discriminated by `type`. */
export type CastEvent = AnyEvent<Events>;

export const { useClient, useEvent, useTopic, useChannel, useSend } = typedHooks<Events>();
