import { describe, expect, it } from "vitest";
import type { GuardrailRuleDefinition, UsageRow } from "../../src/api/queries";
import { budgetsOf, fillDays, spendOf, spendQuery, totalsOf, usd, utcMonth, variablesFor } from "../../src/lib/usage";
import { usageRow } from "./fixtures";

const rule = (id: string, budget: Record<string, unknown> | null): GuardrailRuleDefinition => ({
  id, decision: "DENY", mode: "ENFORCE", message: "",
  definition: budget ? { id, budget, decision: "deny" } : { id, when: { command: { program: "rm" } } },
});

describe("fillDays", () => {
  it("gives every day of the range, zero where nothing was spent", () => {
    const since = Date.parse("2026-08-16T00:00:00Z");
    const days = fillDays([usageRow({ bucket: "2026-08-18T00:00:00+00:00", costUsd: 0.2 })], since, 4);
    expect(days.map((d) => [d.at.slice(0, 10), d.costUsd])).toEqual([
      ["2026-08-16", 0], ["2026-08-17", 0], ["2026-08-18", 0.2], ["2026-08-19", 0],
    ]);
  });
});

describe("totalsOf", () => {
  it("sums each token type and the cost", () => {
    const t = totalsOf([usageRow({ inputTokens: 10, costUsd: 0.5 }), usageRow({ inputTokens: 5, costUsd: 0.25 })]);
    expect([t.inputTokens, t.costUsd, t.calls]).toEqual([15, 0.75, 2]);
  });
});

describe("budgets", () => {
  const rules = [
    rule("destructive", null),
    rule("payments-daily", { scope: "team", period: "day", usd: 10, warn_at: 0.8 }),
    rule("tenant-monthly", { scope: "tenant", period: "month", tokens: 1000 }),
    rule("session-tokens", { scope: "session", tokens: 2_000_000 }),
  ];

  it("reads the budget rules of the policy and nothing else", () => {
    expect(budgetsOf(rules).map((b) => [b.ruleId, b.scope, b.period])).toEqual([
      ["payments-daily", "team", "day"], ["tenant-monthly", "tenant", "month"], ["session-tokens", "session", null],
    ]);
  });

  it("asks usage only what tells a budget's spend, declaring only the variables it uses", () => {
    const budgets = budgetsOf(rules);
    const query = spendQuery(budgets)!;
    expect(query).toContain("team_day: usage(since: $day, by: TEAM");
    expect(query).toContain("tenant_month: usage(since: $month, per: DAY");
    expect(query).not.toContain("session");
    const now = Date.parse("2026-08-18T09:00:00Z");
    expect(variablesFor(query, now)).toEqual({ day: "2026-08-18T00:00:00.000Z", month: "2026-08-01T00:00:00.000Z", after: null });
    expect(variablesFor(spendQuery(budgets.slice(0, 1))!, now, 42)).toEqual({ day: "2026-08-18T00:00:00.000Z", after: 42 });
    expect(query).toContain("minPosition: $after");
    expect(spendQuery(budgets.slice(2))).toBeNull();
    expect(utcMonth(Date.parse("2026-12-31T23:59:59Z"))).toBe(Date.parse("2026-12-01T00:00:00Z"));
  });

  it("holds each team to the limit, nearest first, and a call with no team to none", () => {
    const [team, tenant, session] = budgetsOf(rules);
    const rows = (pairs: [string, number, number][]): UsageRow[] =>
      pairs.map(([key, costUsd, totalTokens]) => usageRow({ key, costUsd, totalTokens }));
    const spend = spendOf(team!, { team_day: rows([["platform", 8.5, 0], ["payments", 12.4, 0], ["", 50, 0], ["docs", 1, 0]]) });
    expect(spend!.map((s) => [s.who, s.state])).toEqual([["payments", "over"], ["platform", "warn"], ["docs", "ok"]]);
    const whole = spendOf(tenant!, { tenant_month: rows([["d1", 0, 300], ["d2", 0, 450]]) });
    expect(whole).toEqual([{ who: "tenant", spent: 750, limit: 1000, share: 0.75, state: "ok" }]);
    expect(spendOf(session!, {})).toBeNull();
  });
});

describe("usd", () => {
  it("keeps small amounts readable", () => {
    expect([usd(0), usd(0.0016), usd(12.4)]).toEqual(["$0.00", "$0.0016", "$12.40"]);
  });
});
