import { describe, expect, it } from "vitest";
import { lanesOf, MAX_ROWS, placement, rowsOf } from "../../src/lib/lanes";
import { call, subagent } from "./fixtures";

describe("lanesOf", () => {
  it("puts the main agent first, then subagents by start, each with its own calls", () => {
    const late = subagent({ agentId: "a-plan", agentType: "Plan", attribution: "INFERRED", startedAt: "2026-01-01T00:00:09Z" });
    const lanes = lanesOf([late, subagent()], [
      call({ toolName: "Grep" }), call({ toolName: "Glob", agentId: "a-explore", attribution: "EXPLICIT" }),
      call({ toolName: "Read", agentId: "a-plan", attribution: "INFERRED" }),
    ]);
    expect(lanes.map((l) => [l.label, l.attribution, l.calls.map((c) => c.toolName)])).toEqual([
      ["main", null, ["Grep"]], ["Explore", "EXPLICIT", ["Glob"]], ["Plan", "INFERRED", ["Read"]],
    ]);
  });

  it("gives a call from an agent that never started its own lane", () => {
    const lanes = lanesOf([], [call({ agentId: "a-ghost", attribution: "EXPLICIT" })]);
    expect(lanes.map((l) => l.label)).toEqual(["main", "a-ghost"]);
  });
});

describe("placement", () => {
  it("places a call by its request and completion within the session's span", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const where = placement(call(), start, start + 10_000);
    expect(where.left).toBeCloseTo(0.1);
    expect(where.width).toBeCloseTo(0.1);
  });

  it("keeps a pending call visible and inside the lane", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const where = placement(call({ completedAt: null, requestedAt: "2026-01-01T00:00:10Z" }), start, start + 10_000);
    expect(where.left).toBe(1);
    expect(where.width).toBe(0);
  });
});

describe("rowsOf", () => {
  it("stacks calls that run at the same time and reuses a row once it is free", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const at = (from: number, to: number, id: string) =>
      call({ toolUseId: id, requestedAt: new Date(start + from * 1000).toISOString(), completedAt: new Date(start + to * 1000).toISOString() });
    const { rows, count } = rowsOf([at(0, 8, "agent"), at(1, 2, "glob"), at(3, 4, "read"), at(9, 10, "after")], start, start + 10_000);
    expect(Object.fromEntries(rows)).toEqual({ agent: 0, glob: 1, read: 1, after: 0 });
    expect(count).toBe(2);
  });

  it("never draws more than MAX_ROWS rows", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    const calls = Array.from({ length: 20 }, (_, i) => call({ toolUseId: `c${i}`, requestedAt: "2026-01-01T00:00:00Z", completedAt: "2026-01-01T00:00:09Z" }));
    const { rows, count } = rowsOf(calls, start, start + 10_000);
    expect(count).toBe(MAX_ROWS);
    expect(Math.max(...rows.values())).toBe(MAX_ROWS - 1);
  });
});
