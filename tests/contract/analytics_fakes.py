"""Hand-built events for the analytics tests, and a fake clickhouse-connect client.

The fake runs the statements clickhouse-connect would send to a server on chDB instead, so
the server adapter (``ServerClickHouse``) goes through the same contract suite as the
embedded one; no ClickHouse server new enough for clickhouse-connect installs here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.sessions.aggregate import AgentSession
from domain.sessions.values import session_stream_id

T0 = datetime(2026, 8, 18, 9, 0, tzinfo=UTC)
SEALED = "SEALED-CIPHERTEXT-must-never-leave-the-event-store"


class Stream:
    """Builds one session's events with consecutive versions; positions are given by the log."""

    def __init__(self, tenant: str, session: str) -> None:
        self.tenant, self.session = tenant, session
        self.id = session_stream_id(tenant, session)
        self.version = 0

    def _common(self, seconds: float) -> dict[str, Any]:
        self.version += 1
        return {
            "originator_id": self.id, "originator_version": self.version,
            "timestamp": T0 + timedelta(seconds=seconds), "tenant_id": self.tenant,
            "session_id": self.session, "prev_hash": "x",
        }  # fmt: skip

    def opened(self, seconds: float = 0) -> object:
        return AgentSession.Opened(originator_topic="domain.sessions.aggregate:AgentSession",
                                   **self._common(seconds))  # fmt: skip

    def hook(self, kind: type[Any], hook: str, seconds: float, *, payload: str = "{}",
             agent: tuple[str, str] | None = None, **tool: Any) -> object:  # fmt: skip
        fields = {
            **self._common(seconds), "hook": hook, "source": "test",
            "agent_id": agent[0] if agent else None, "agent_type": agent[1] if agent else None,
            "attribution": "explicit" if agent else None, "payload_json": payload,
            "context_json": "{}", "redacted": ["email"], "sealed": SEALED,
        }  # fmt: skip
        if issubclass(kind, AgentSession.ToolHookRecorded):
            fields.update(tool_name=tool.get("tool"), tool_use_id=tool.get("use"),
                          mcp_server=None, mcp_tool=None, duration_ms=tool.get("ms"))  # fmt: skip
        return kind(**fields)

    def decided(self, seconds: float, tool: str, use: str, decision: str) -> object:
        return AgentSession.ToolCallDecided(
            **self._common(seconds), hook="PreToolUse", tool_name=tool, tool_use_id=use,
            agent_id=None, decision=decision, rule_id="secret_file_access", policy_version=1,
            mode="enforce", message="blocked [REDACTED:email]", latency_ms=0.2, shadow=[],
            intervention=None,
        )  # fmt: skip

    def erased(self, seconds: float) -> object:
        return AgentSession.Erased(**self._common(seconds), erased_by="admin", reason="gdpr")


def acme_events() -> list[object]:
    """Tenant ``acme``: Bash twice (2 s paired, 0.5 s reported and failed), Read denied once
    and run once by a subagent (0.1 s reported), a prompt, an erasure an hour later."""
    s = Stream("acme", "s1")
    return [
        s.opened(),
        s.hook(AgentSession.ToolCallRequested, "PreToolUse", 0, tool="Bash", use="tu1"),
        s.hook(AgentSession.ToolCallCompleted, "PostToolUse", 2, tool="Bash", use="tu1"),
        s.hook(AgentSession.ToolCallRequested, "PreToolUse", 10, tool="Bash", use="tu2"),
        s.hook(
            AgentSession.ToolCallFailed, "PostToolUseFailure", 11, tool="Bash", use="tu2", ms=500.0
        ),
        s.hook(AgentSession.ToolCallRequested, "PreToolUse", 20, tool="Read", use="tu3"),
        s.decided(20, "Read", "tu3", "deny"),
        s.hook(
            AgentSession.ToolCallRequested,
            "PreToolUse",
            30,
            tool="Read",
            use="tu4",
            agent=("sub1", "Explore"),
        ),
        s.hook(
            AgentSession.ToolCallCompleted,
            "PostToolUse",
            30.1,
            tool="Read",
            use="tu4",
            ms=100.0,
            agent=("sub1", "Explore"),
        ),
        s.hook(
            AgentSession.PromptSubmitted,
            "UserPromptSubmit",
            40,
            payload='{"prompt": "Find the DOUBLE-refund bug for [REDACTED:email]"}',
        ),
        s.erased(3700),
    ]


def globex_events() -> list[object]:
    """Tenant ``globex``, same session id: one Write call, a prompt about invoices."""
    s = Stream("globex", "s1")
    return [
        s.opened(5),
        s.hook(AgentSession.ToolCallRequested, "PreToolUse", 6, tool="Write", use="tu1"),
        s.hook(AgentSession.ToolCallFailed, "PostToolUseFailure", 9, tool="Write", use="tu1"),
        s.hook(
            AgentSession.PromptSubmitted,
            "UserPromptSubmit",
            12,
            payload='{"prompt": "reconcile the invoices"}',
        ),
    ]


def positioned(*streams: list[object]) -> list[tuple[int, object]]:
    """Interleaves streams into one log, positions from 1."""
    merged: list[object] = []
    for i in range(max(map(len, streams))):
        merged += [s[i] for s in streams if i < len(s)]
    return list(enumerate(merged, start=1))


class FakeClickHouseClient:
    """What ``ServerClickHouse`` uses of clickhouse-connect's client, executed by chDB."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self.calls: list[str] = []

    def command(self, cmd: str, parameters: dict[str, Any] | None = None) -> str:
        self.calls.append("command")
        return str(self._session.query(cmd, "TSV", params=parameters or {}))

    def insert_arrow(self, table: str, arrow_table: Any,
                     settings: dict[str, Any] | None = None) -> None:  # fmt: skip
        """As clickhouse-connect sends it: the table in Arrow's file format, columns by name."""
        self.calls.append("insert_arrow")
        import pyarrow as pa

        sink = pa.BufferOutputStream()
        with pa.RecordBatchFileWriter(sink, arrow_table.schema) as writer:
            writer.write(arrow_table)
        names = ", ".join(arrow_table.schema.names)
        given = ", ".join(f"{k} = {v}" for k, v in (settings or {}).items())
        statement = f"INSERT INTO {table} ({names})" + (f" SETTINGS {given}" if given else "")
        with self._session.send_insert(statement, "Arrow") as inserter:
            inserter.append(sink.getvalue().to_pybytes())
            inserter.finish()

    def raw_query(self, query: str, parameters: dict[str, Any] | None = None,
                  fmt: str | None = None) -> bytes:  # fmt: skip
        self.calls.append("raw_query")
        return bytes(self._session.query(query, fmt or "TSV", params=parameters or {}).bytes())

    def close(self) -> None:
        self._session.close()
