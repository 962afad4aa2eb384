// Every GraphQL document the dashboard sends, and the shapes it reads back.

export interface Caller {
  subject: string;
  roles: string[];
  permissions: string[];
}

export const WHOAMI = `{ whoami { subject roles permissions } }`;

export interface LiveEvent {
  position: number;
  at: string;
  sessionId: string;
  kind: string;
  tool: string;
  agent: string;
  decision: string;
}

const LIVE_EVENT = "position at sessionId kind tool agent decision";
export const FLEET_ACTIVITY = `subscription { fleetActivity { ${LIVE_EVENT} } }`;
export const SESSION_EVENTS = `subscription($id: String!) { sessionEvents(sessionId: $id) { ${LIVE_EVENT} } }`;

export interface SessionSummary {
  id: string;
  status: "ACTIVE" | "ENDED";
  project: string | null;
  model: string | null;
  lastEventAt: string;
  eventCount: number;
  toolCallCount: number;
  deniedCount: number;
  askedCount: number;
  subagents: { agentType: string | null }[];
}

export interface Ruling {
  position: number;
  sessionId: string;
  toolName: string | null;
  agentId: string | null;
  decision: "DENY" | "ASK" | "ALLOW" | null;
  ruleId: string | null;
  policyVersion: number;
  message: string | null;
  decidedAt: string;
}

export interface Alert {
  id: string;
  sessionId: string;
  agent: string | null;
  severity: "INFO" | "WARNING" | "CRITICAL";
  status: "RAISED" | "ACKNOWLEDGED" | "RESOLVED";
  reason: string;
  score: number;
  modelKind: string;
  raisedAt: string;
  acknowledgedBy: string | null;
}

export interface Counters {
  events: number;
  toolCalls: number;
  denials: number;
  asks: number;
  sessionsStarted: number;
  subagentsStarted: number;
}

export interface Fleet {
  sessions: { edges: { node: SessionSummary }[] };
  liveCounters: Counters;
  liveSessions: { sessionId: string; agent: string }[];
  denies: { edges: { node: Ruling }[] };
  asks: { edges: { node: Ruling }[] };
  alerts: { edges: { node: Alert }[] };
}

const RULING = "position sessionId toolName agentId decision ruleId policyVersion message decidedAt";
const ALERT = "id sessionId agent severity status reason score modelKind raisedAt acknowledgedBy";

export const FLEET = `query($filter: SessionFilter, $after: Position) {
  sessions(filter: $filter, first: 50) { edges { node {
    id status project model lastEventAt eventCount toolCallCount deniedCount askedCount
    subagents { agentType } } } }
  liveCounters { events toolCalls denials asks sessionsStarted subagentsStarted }
  liveSessions(first: 100) { sessionId agent }
  denies: guardrailDecisions(filter: {decision: DENY}, first: 8) { edges { node { ${RULING} } } }
  asks: guardrailDecisions(filter: {decision: ASK}, first: 8) { edges { node { ${RULING} } } }
  alerts(filter: {status: OPEN}, first: 10, minPosition: $after) { edges { node { ${ALERT} } } }
}`;

export type Attribution = "EXPLICIT" | "INFERRED";

export interface ToolCall {
  toolUseId: string;
  toolName: string | null;
  status: "PENDING" | "SUCCEEDED" | "FAILED" | "ABANDONED" | "DENIED";
  durationMs: number | null;
  agentId: string | null;
  attribution: Attribution | null;
  requestedAt: string | null;
  completedAt: string | null;
  error: string | null;
  decision: string | null;
  decisionRule: string | null;
  policyVersion: number | null;
  decisionSource: "GUARDRAIL" | "CLASSIFIER" | null;
}

export interface Subagent {
  agentId: string;
  agentType: string | null;
  attribution: Attribution;
  startedAt: string | null;
  stoppedAt: string | null;
  toolCallCount: number;
}

export interface TimelineEvent {
  position: number;
  hook: string;
  receivedAt: string;
  agentId: string | null;
  attribution: Attribution | null;
  toolName: string | null;
}

export interface SessionDetail {
  id: string;
  status: "ACTIVE" | "ENDED";
  project: string | null;
  model: string | null;
  cwd: string | null;
  permissionMode: string | null;
  startedAt: string | null;
  endedAt: string | null;
  firstSeenAt: string;
  lastEventAt: string;
  eventCount: number;
  promptCount: number;
  toolCallCount: number;
  deniedCount: number;
  askedCount: number;
  toolCalls: ToolCall[];
  subagents: Subagent[];
}

export const SESSION = `query($id: String!) { session(id: $id) {
  id status project model cwd permissionMode startedAt endedAt firstSeenAt lastEventAt
  eventCount promptCount toolCallCount deniedCount askedCount
  toolCalls { toolUseId toolName status durationMs agentId attribution requestedAt completedAt
    error decision decisionRule policyVersion decisionSource }
  subagents { agentId agentType attribution startedAt stoppedAt toolCallCount } } }`;

export interface EventPage {
  session: {
    events: {
      edges: { node: TimelineEvent; cursor: string }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  } | null;
}

export const EVENT_PAGE = `query($id: String!, $after: String) { session(id: $id) {
  events(first: 200, after: $after) {
    edges { cursor node { position hook receivedAt agentId attribution toolName } }
    pageInfo { hasNextPage endCursor } } } }`;

export const ALERTS = `query($status: AlertStatus, $after: Position) {
  alerts(filter: {status: $status}, first: 100, minPosition: $after) { edges { node { ${ALERT} } } } }`;

export const ACKNOWLEDGE = `mutation($id: String!, $note: String!) {
  acknowledgeAlert(id: $id, note: $note) { alertId position } }`;
export const RESOLVE = `mutation($id: String!, $note: String!) {
  resolveAlert(id: $id, note: $note) { alertId position } }`;

export interface GuardrailRule {
  id: string;
  tools: string[];
  decision: string;
  mode: string;
  priority: number;
  message: string;
}

export const GUARDRAILS = `{
  guardrailPolicy { version updatedAt updatedBy rules { id tools decision mode priority message } }
  guardrailPolicyHistory(first: 20) { version change ruleId changedBy changedAt }
  guardrailDecisions(first: 50) { edges { node { ${RULING} } } }
  quarantines { kind targetId mode reason imposedBy imposedAt } }`;

export const AUDIT = `{ auditLog(first: 100) { edges { node { position at actor action target } } } }`;

export interface SearchHit {
  position: number;
  at: string;
  sessionId: string;
  hook: string;
  toolName: string | null;
}

export const SEARCH = `query($text: String!) { searchEvents(text: $text, first: 20) {
  position at sessionId hook toolName } }`;

export interface GuardrailRuleDefinition {
  id: string;
  decision: string;
  mode: string;
  message: string;
  definition: Record<string, unknown>;
}

export const POLICY_RULES = `{ guardrailPolicy { version rules { id decision mode message definition } } }`;

export interface UsageRow {
  key: string;
  calls: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  totalTokens: number;
  costUsd: number;
  bucket: string | null;
}

export interface UsageFilter {
  team?: string;
  userId?: string;
  model?: string;
}

export const USAGE_ROW = "key calls errors inputTokens outputTokens cacheReadTokens cacheCreationTokens totalTokens costUsd bucket";

export interface UsageAnswer {
  days: UsageRow[];
  teams: UsageRow[];
  users: UsageRow[];
  models: UsageRow[];
}

/** The range per day (the chart and the totals) and per team, user and model, one request;
 * ``after``: the position of the latest model call seen live, which the usage view must hold. */
export const USAGE = `query($since: DateTime!, $filter: UsageFilter, $after: Position) {
  days: usage(since: $since, per: DAY, filter: $filter, first: 100, minPosition: $after) { ${USAGE_ROW} }
  teams: usage(since: $since, by: TEAM, filter: $filter, first: 20, minPosition: $after) { ${USAGE_ROW} }
  users: usage(since: $since, by: USER, filter: $filter, first: 20, minPosition: $after) { ${USAGE_ROW} }
  models: usage(since: $since, by: MODEL, filter: $filter, first: 20, minPosition: $after) { ${USAGE_ROW} } }`;

export interface PendingApproval {
  requestId: string;
  sessionId: string;
  hook: string;
  toolName: string | null;
  agentId: string | null;
  summary: string;
  ruleId: string | null;
  roles: string[];
  teams: string[];
  requestedAt: string;
  expiresAt: string;
  onTimeout: string;
  requestedBy: string | null;
}

export const PENDING_APPROVALS = `subscription { pendingApprovals {
  requestId sessionId hook toolName agentId summary ruleId roles teams requestedAt expiresAt
  onTimeout requestedBy } }`;

export const APPROVE = `mutation($id: String!, $reason: String!) {
  approve(requestId: $id, reason: $reason) { requestId position } }`;
export const DENY_APPROVAL = `mutation($id: String!, $reason: String!) {
  denyApproval(requestId: $id, reason: $reason) { requestId position } }`;
