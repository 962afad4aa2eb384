"""Read-only analytics over the wide event table, one tenant per question.

Every query names its tenant in the WHERE clause (an empty tenant is refused), reads with
``FINAL`` (rows a crash wrote twice count once, merged or not) and binds every value as a
``{name:Type}`` parameter. The methods are blocking; async callers run them in a thread.

- Tool calls are told apart by ``(session_id, tool_use_id)``; a call seen by one hook only
  (an orphan PostToolUse, a PermissionDenied from Claude Code's auto-mode classifier, an item
  of a PostToolBatch) still counts once. A PostToolBatch row names several calls in its
  payload's ``tool_calls``; ``_CALLS`` unfolds it into one row per call at query time (the
  table keeps one row per event).
- A call's outcome is its strongest: failed, then denied, then ok (a PostToolUse or a batch
  saying it ran), so a call reported by both PostToolUse and PostToolBatch counts once.
- A call's duration is what its PostToolUse/PostToolUseFailure reported, else the time from its
  PreToolUse to its completion (paired here by ``tool_use_id``, so it does not depend on
  batches). Percentiles are exact, interpolated like numpy's default.
- Failure rate = failed / (ok + failed); denials (guardrail ``deny``, PermissionDenied) are
  counted beside it, not in it: the tool never ran.
- Search is a case-insensitive substring match on the redacted payload (``lowerUTF8`` on both
  sides, LIKE wildcards escaped), so fragments of paths and commands are found. A token bloom
  filter on ``lowerUTF8(payload)`` skips granules when the needle holds whole words; an ngram
  filter would help any needle but tripled the insert cost, and ingest speed comes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from projections.event_analytics.connections import (
    CanQueryClickHouse,
    clickhouse_time,
    identifier,
    in_database,
    parse_time,
)


@dataclass(frozen=True)
class ToolCount:
    tool_name: str
    calls: int


@dataclass(frozen=True)
class ToolFailures:
    tool_name: str
    ok: int
    failed: int
    denied: int

    @property
    def failure_rate(self) -> float:
        finished = self.ok + self.failed
        return self.failed / finished if finished else 0.0


@dataclass(frozen=True)
class ToolLatency:
    tool_name: str
    calls: int
    p50_ms: float
    p95_ms: float
    max_ms: float


@dataclass(frozen=True)
class AgentActivity:
    bucket: datetime
    agent_id: str | None
    """None: the session's main agent."""
    agent_type: str | None
    events: int
    tool_calls: int
    failures: int


@dataclass(frozen=True)
class SearchHit:
    position: int
    at: datetime
    session_id: str
    event_type: str
    hook: str
    tool_name: str | None
    payload: str
    """The redacted payload (personal data shows as ``[REDACTED:<kind>]``)."""


_CALL_EVENTS = (
    "'AgentSession.ToolCallRequested', 'AgentSession.ToolCallCompleted', "
    "'AgentSession.ToolCallFailed', 'AgentSession.PermissionDenied', "
    "'AgentSession.ToolBatchCompleted'"
)

_CALLS = """
calls AS (
    SELECT session_id, if(tool_use_id != '', tool_use_id, toString(event_id)) AS call,
           tool_name, outcome, event_type, at, agent_id, agent_type
    FROM {db}.analytics_events FINAL
    WHERE {where} AND event_type != 'AgentSession.ToolBatchCompleted'
    UNION ALL
    SELECT session_id, JSONExtractString(item, 'tool_use_id') AS call,
           JSONExtractString(item, 'tool_name') AS tool_name, 'ok' AS outcome, event_type, at,
           agent_id, agent_type
    FROM {db}.analytics_events FINAL
    ARRAY JOIN JSONExtractArrayRaw(payload, 'tool_calls') AS item
    WHERE {where} AND event_type = 'AgentSession.ToolBatchCompleted'
      AND JSONExtractString(item, 'tool_use_id') != ''
)
"""
"""One row per event, and one per call a PostToolBatch names (its outcome: it ran)."""


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class EventAnalyticsQueries:
    def __init__(self, connection: CanQueryClickHouse, database: str) -> None:
        self._conn = connection
        self._db = identifier(database)

    def _rows(
        self,
        sql: str,
        tenant_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        **params: str | int | None,
    ) -> list[list[Any]]:
        """Runs ``sql`` with ``{where}`` replaced by the tenant (and time range) filter."""
        if not tenant_id:
            raise ValueError("analytics queries need a tenant")
        where = "tenant_id = {tenant:String}"
        bound: dict[str, str | int | None] = {"tenant": tenant_id, **params}
        if since is not None:
            where += " AND at >= {since:DateTime64(6, 'UTC')}"
            bound["since"] = clickhouse_time(since)
        if until is not None:
            where += " AND at < {until:DateTime64(6, 'UTC')}"
            bound["until"] = clickhouse_time(until)
        text = in_database(sql, self._db).replace("{where}", where)
        return self._conn.select(text, bound)

    def count_events(self, tenant_id: str, event_type: str | None = None) -> int:
        if event_type is None:
            sql = "SELECT count() FROM {db}.analytics_events FINAL WHERE {where}"
        else:
            sql = (
                "SELECT count() FROM {db}.analytics_events FINAL"
                " WHERE {where} AND event_type = {event_type:String}"
            )
        return int(self._rows(sql, tenant_id, event_type=event_type)[0][0])

    def top_tools(
        self, tenant_id: str, *, since: datetime | None = None, until: datetime | None = None,
        limit: int = 10,
    ) -> list[ToolCount]:  # fmt: skip
        sql = f"""
        WITH {_CALLS}
        SELECT tool_name, uniqExact(session_id, call) AS calls
        FROM calls
        WHERE tool_name != '' AND event_type IN ({_CALL_EVENTS})
        GROUP BY tool_name ORDER BY calls DESC, tool_name LIMIT {{limit:UInt32}}
        """  # noqa: S608 - constants only; values are bound parameters
        rows = self._rows(sql, tenant_id, since, until, limit=limit)
        return [ToolCount(name, int(calls)) for name, calls in rows]

    def failure_rates(
        self, tenant_id: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[ToolFailures]:
        sql = f"""
        WITH {_CALLS}
        SELECT tool_name, countIf(o = 'ok'), countIf(o = 'failed'), countIf(o = 'denied')
        FROM (
            SELECT maxIf(tool_name, tool_name != '') AS tool_name,
                   multiIf(countIf(outcome = 'failed') > 0, 'failed',
                           countIf(outcome = 'denied') > 0, 'denied', 'ok') AS o
            FROM calls WHERE outcome != ''
            GROUP BY session_id, call
        )
        WHERE tool_name != ''
        GROUP BY tool_name ORDER BY tool_name
        """  # noqa: S608 - constants only; values are bound parameters
        found = [ToolFailures(n, int(o), int(f), int(d)) for n, o, f, d in
                 self._rows(sql, tenant_id, since, until)]  # fmt: skip
        return sorted(found, key=lambda t: (-t.failure_rate, t.tool_name))

    def slowest_tools(
        self, tenant_id: str, *, since: datetime | None = None, until: datetime | None = None,
        limit: int = 10,
    ) -> list[ToolLatency]:  # fmt: skip
        sql = """
        SELECT tool_name, count() AS calls, quantilesExactInclusive(0.5, 0.95)(ms) AS q, max(ms)
        FROM (
            SELECT maxIf(tool_name, tool_name != '') AS tool_name,
                   coalesce(
                       maxIf(duration_ms, outcome IN ('ok', 'failed')),
                       if(countIf(event_type = 'AgentSession.ToolCallRequested') > 0,
                          dateDiff('microsecond',
                                   minIf(at, event_type = 'AgentSession.ToolCallRequested'),
                                   maxIf(at, outcome IN ('ok', 'failed'))) / 1000.0,
                          NULL)) AS ms
            FROM {db}.analytics_events FINAL
            WHERE {where} AND tool_use_id != ''
            GROUP BY session_id, tool_use_id
            HAVING countIf(outcome IN ('ok', 'failed')) > 0
        )
        WHERE ms IS NOT NULL AND tool_name != ''
        GROUP BY tool_name ORDER BY q[2] DESC, tool_name LIMIT {limit:UInt32}
        """
        return [
            ToolLatency(name, int(calls), float(q[0]), float(q[1]), float(top))
            for name, calls, q, top in self._rows(sql, tenant_id, since, until, limit=limit)
        ]

    def agent_activity(
        self, tenant_id: str, *, bucket_seconds: int = 3600, session_id: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
    ) -> list[AgentActivity]:  # fmt: skip
        # A call counts in the bucket of the first hook that saw it (whichever that was).
        sql = f"""
        WITH {_CALLS},
        firsts AS (
            SELECT session_id, call, min(at) AS first_at, argMin(agent_id, at) AS first_agent,
                   argMin(agent_type, at) AS first_type
            FROM calls
            WHERE event_type IN ({_CALL_EVENTS})
              AND ({{session:String}} = '' OR session_id = {{session:String}})
            GROUP BY session_id, call
        )
        SELECT bucket, agent_id, max(agent_type), sum(events), sum(tool_calls), sum(failures)
        FROM (
            SELECT toStartOfInterval(at, toIntervalSecond({{seconds:UInt32}})) AS bucket,
                   agent_id, agent_type, 1 AS events, 0 AS tool_calls,
                   toUInt64(outcome = 'failed') AS failures
            FROM {{db}}.analytics_events FINAL
            WHERE {{where}} AND ({{session:String}} = '' OR session_id = {{session:String}})
            UNION ALL
            SELECT toStartOfInterval(first_at, toIntervalSecond({{seconds:UInt32}})),
                   first_agent, first_type, 0, 1, 0
            FROM firsts
        )
        GROUP BY bucket, agent_id ORDER BY bucket, agent_id
        """  # noqa: S608 - constants only; values are bound parameters
        rows = self._rows(
            sql, tenant_id, since, until, seconds=max(1, bucket_seconds), session=session_id or ""
        )
        return [
            AgentActivity(parse_time(at), agent or None, kind or None, int(n), int(t), int(f))
            for at, agent, kind, n, t, f in rows
        ]

    def search(self, tenant_id: str, text: str, *, limit: int = 50) -> list[SearchHit]:
        """Events whose redacted payload contains ``text`` (any case), newest first."""
        if not text:
            return []
        sql = """
        SELECT position, at, session_id, event_type, hook, tool_name, payload
        FROM {db}.analytics_events FINAL
        WHERE {where}
          AND lowerUTF8(payload) LIKE concat('%', lowerUTF8({needle:String}), '%')
        ORDER BY position DESC LIMIT {limit:UInt32}
        """
        rows = self._rows(sql, tenant_id, needle=_like_escaped(text), limit=limit)
        return [
            SearchHit(int(p), parse_time(at), s, e, h, tool or None, payload)
            for p, at, s, e, h, tool, payload in rows
        ]
