// Usage and cost, read from the `usage` query: the days of a range (zeros where nothing was
// spent, so the chart's bars are evenly spaced days), totals, and the budget rules of the
// guardrail policy with each one's spend against its limit where `usage` can tell it.
import type { GuardrailRuleDefinition, UsageRow } from "../api/queries";

const DAY_MS = 86_400_000;

export function utcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function utcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface Day {
  at: string;
  costUsd: number;
  totalTokens: number;
  calls: number;
}

/** ``count`` days from ``sinceMs`` (a UTC midnight), each with its row's sums or zeros. */
export function fillDays(rows: UsageRow[], sinceMs: number, count: number): Day[] {
  const byDay = new Map(rows.map((r) => [utcDay(Date.parse(r.bucket ?? r.key)), r]));
  return Array.from({ length: count }, (_, i) => {
    const at = sinceMs + i * DAY_MS;
    const row = byDay.get(at);
    return { at: new Date(at).toISOString(), costUsd: row?.costUsd ?? 0, totalTokens: row?.totalTokens ?? 0, calls: row?.calls ?? 0 };
  });
}

export type Totals = Omit<UsageRow, "key" | "bucket">;

export function totalsOf(rows: UsageRow[]): Totals {
  const sum = (pick: (r: UsageRow) => number) => rows.reduce((n, r) => n + pick(r), 0);
  return {
    calls: sum((r) => r.calls), errors: sum((r) => r.errors), inputTokens: sum((r) => r.inputTokens),
    outputTokens: sum((r) => r.outputTokens), cacheReadTokens: sum((r) => r.cacheReadTokens),
    cacheCreationTokens: sum((r) => r.cacheCreationTokens), totalTokens: sum((r) => r.totalTokens),
    costUsd: sum((r) => r.costUsd),
  };
}

export type Scope = "session" | "user" | "team" | "tenant";
export type Period = "day" | "month";

export interface Budget {
  ruleId: string;
  scope: Scope;
  period: Period | null;
  usd: number | null;
  tokens: number | null;
  warnAt: number | null;
  decision: string;
  mode: string;
  message: string;
}

/** The policy's budget rules (a `budget` instead of a `when`; docs/guardrails.md "Budgets"). */
export function budgetsOf(rules: GuardrailRuleDefinition[]): Budget[] {
  const out: Budget[] = [];
  for (const rule of rules) {
    const given = rule.definition.budget;
    if (!given || typeof given !== "object") continue;
    const b = given as Record<string, unknown>;
    const number = (v: unknown) => (typeof v === "number" ? v : null);
    out.push({
      ruleId: rule.id, scope: b.scope as Scope, period: (b.period as Period | undefined) ?? null,
      usd: number(b.usd), tokens: number(b.tokens), warnAt: number(b.warn_at),
      decision: rule.decision.toLowerCase(), mode: rule.mode.toLowerCase(), message: rule.message,
    });
  }
  return out;
}

/** The alias of the `usage` field that tells a budget's spend; null where it cannot (a
 * session budget counts each session's whole life, which no time range bounds). */
export function spendAlias(b: Budget): string | null {
  if (b.scope === "session" || b.period === null) return null;
  return `${b.scope}_${b.period}`;
}

const FIELD: Record<string, string> = {
  team: "by: TEAM, first: 100",
  user: "by: USER, first: 100",
  tenant: "per: DAY, first: 31",
};

/** One query for every budget's spend (only the variables it uses: GraphQL refuses unused
 * ones), or null when no budget can be told. */
export function spendQuery(budgets: Budget[]): string | null {
  const aliases = [...new Set(budgets.map(spendAlias).filter((a): a is string => a !== null))].sort();
  if (aliases.length === 0) return null;
  const periods = [...new Set(aliases.map((a) => a.split("_")[1]!))].sort();
  const params = [...periods.map((p) => `$${p}: DateTime!`), "$after: Position"].join(", ");
  const fields = aliases.map((alias) => {
    const [scope, period] = alias.split("_") as [string, string];
    return `${alias}: usage(since: $${period}, ${FIELD[scope]}, minPosition: $after) { key costUsd totalTokens }`;
  });
  return `query(${params}) { ${fields.join(" ")} }`;
}

export function spendVariables(nowMs: number): { day: string; month: string } {
  return { day: new Date(utcDay(nowMs)).toISOString(), month: new Date(utcMonth(nowMs)).toISOString() };
}

/** ``spendVariables`` less what ``query`` does not declare, and ``after`` (a position the
 * usage view must hold first, or null). */
export function variablesFor(query: string, nowMs: number, after: number | null = null): Record<string, string | number | null> {
  const all = spendVariables(nowMs);
  const periods = Object.entries(all).filter(([name]) => query.includes(`$${name}:`));
  return { ...Object.fromEntries(periods), after };
}

export interface Spend {
  who: string;
  spent: number;
  limit: number;
  share: number;
  state: "over" | "warn" | "ok";
}

type SpendRow = Pick<UsageRow, "key" | "costUsd" | "totalTokens">;

/** Each holder's spend against the limit, nearest the limit first (a team budget holds every
 * team to the limit; a call with no team is held to none). */
export function spendOf(b: Budget, answer: Record<string, SpendRow[]>): Spend[] | null {
  const alias = spendAlias(b);
  const limit = b.usd ?? b.tokens;
  if (alias === null || limit === null || limit <= 0) return null;
  const rows = answer[alias] ?? [];
  const pick = (r: SpendRow) => (b.usd !== null ? r.costUsd : r.totalTokens);
  const holders: [string, number][] = b.scope === "tenant"
    ? [["tenant", rows.reduce((n, r) => n + pick(r), 0)]]
    : rows.filter((r) => r.key !== "").map((r): [string, number] => [r.key, pick(r)]);
  return holders
    .map(([who, spent]) => {
      const share = spent / limit;
      const state: Spend["state"] = share >= 1 ? "over" : b.warnAt !== null && share >= b.warnAt ? "warn" : "ok";
      return { who, spent, limit, share, state };
    })
    .sort((x, y) => y.share - x.share);
}

export function usd(value: number): string {
  return value > 0 && value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export function tokens(value: number): string {
  return compact.format(value);
}

export function limitText(b: Budget, value: number): string {
  return b.usd !== null ? usd(value) : `${tokens(value)} tokens`;
}
