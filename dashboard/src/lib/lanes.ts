// Swim lanes of one session: the main agent first, then each subagent in the order it
// started, each with its tool calls. A subagent (or a call) tied to its agent by Claude Code's
// own agent_id is "explicit"; one tied by the SubagentStart…SubagentStop window is "inferred".
import type { Attribution, Subagent, ToolCall } from "../api/queries";

export interface Lane {
  id: string | null;
  label: string;
  attribution: Attribution | null;
  calls: ToolCall[];
}

export function lanesOf(subagents: Subagent[], calls: ToolCall[]): Lane[] {
  const main: Lane = { id: null, label: "main", attribution: null, calls: [] };
  const started = [...subagents].sort((a, b) => (a.startedAt ?? "").localeCompare(b.startedAt ?? ""));
  const lanes = new Map<string | null, Lane>([[null, main]]);
  for (const s of started) {
    lanes.set(s.agentId, {
      id: s.agentId,
      label: s.agentType ?? s.agentId,
      attribution: s.attribution,
      calls: [],
    });
  }
  for (const call of calls) {
    let lane = lanes.get(call.agentId);
    if (lane === undefined) {
      // A call from an agent whose SubagentStart never arrived still gets its own lane.
      lane = { id: call.agentId, label: call.agentId ?? "main", attribution: call.attribution, calls: [] };
      lanes.set(call.agentId, lane);
    }
    lane.calls.push(call);
  }
  return [...lanes.values()];
}

/** Where a call sits on a lane, as fractions of the session's span [start, end]. */
export function placement(call: ToolCall, start: number, end: number): { left: number; width: number } {
  const span = Math.max(end - start, 1);
  const from = call.requestedAt ? Date.parse(call.requestedAt) : start;
  const to = call.completedAt ? Date.parse(call.completedAt) : from;
  const left = Math.min(Math.max((from - start) / span, 0), 1);
  const width = Math.min(Math.max((to - from) / span, 0.004), 1 - left);
  return { left, width };
}

export const MAX_ROWS = 6;

/** A row for each call so that calls running at the same time (the Agent call that spans its
 * subagent's work, parallel calls) sit one above the other instead of hiding each other:
 * greedy, in order of start; past ``MAX_ROWS`` rows the last row takes the rest. */
export function rowsOf(calls: ToolCall[], start: number, end: number): { rows: Map<string, number>; count: number } {
  const placed = calls
    .map((call) => ({ id: call.toolUseId, ...placement(call, start, end) }))
    .sort((a, b) => a.left - b.left);
  const ends: number[] = [];
  const rows = new Map<string, number>();
  for (const { id, left, width } of placed) {
    let row = ends.findIndex((until) => until <= left);
    if (row === -1) row = ends.length < MAX_ROWS ? ends.length : MAX_ROWS - 1;
    ends[row] = Math.max(ends[row] ?? 0, left + width);
    rows.set(id, row);
  }
  return { rows, count: Math.max(1, ends.length) };
}
