import type { Alert, PendingApproval, Subagent, ToolCall, UsageRow } from "../../src/api/queries";

export function call(overrides: Partial<ToolCall> = {}): ToolCall {
  return {
    toolUseId: `toolu_${Math.random().toString(36).slice(2)}`, toolName: "Bash", status: "SUCCEEDED",
    durationMs: 120, agentId: null, attribution: null, requestedAt: "2026-01-01T00:00:01Z",
    completedAt: "2026-01-01T00:00:02Z", error: null, decision: null, decisionRule: null,
    policyVersion: null, decisionSource: null, ...overrides,
  };
}

export function subagent(overrides: Partial<Subagent> = {}): Subagent {
  return {
    agentId: "a-explore", agentType: "Explore", attribution: "EXPLICIT", startedAt: "2026-01-01T00:00:03Z",
    stoppedAt: "2026-01-01T00:00:06Z", toolCallCount: 1, ...overrides,
  };
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: "al-1", sessionId: "3f6b2c1e-8a47", agent: "main", severity: "WARNING", status: "RAISED",
    reason: "session looks heading for failure", score: 0.7, modelKind: "FAILURE",
    raisedAt: "2026-01-01T00:00:00Z", acknowledgedBy: null, ...overrides,
  };
}

export function usageRow(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    key: "claude-opus-4-5", calls: 1, errors: 0, inputTokens: 100, outputTokens: 50, cacheReadTokens: 1000,
    cacheCreationTokens: 10, totalTokens: 1160, costUsd: 0.01, bucket: null, ...overrides,
  };
}

export function pendingApproval(overrides: Partial<PendingApproval> = {}): PendingApproval {
  return {
    requestId: "apr-1", sessionId: "3f6b2c1e-8a47", hook: "PreToolUse", toolName: "Bash", agentId: null,
    summary: "kubectl --context prod rollout restart deploy/ledger", ruleId: "prod-deploys",
    roles: ["operator", "admin"], teams: [], requestedAt: "2026-01-01T00:00:00Z",
    expiresAt: "2026-01-01T00:00:45Z", onTimeout: "deny", requestedBy: "dana", ...overrides,
  };
}
