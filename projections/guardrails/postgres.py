"""The guardrails read model in PostgreSQL (operations applied in order, with the position)."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from projections import storable
from projections.guardrails import tables as t
from projections.guardrails.projection import NAME, GuardrailChanges
from projections.statements import insert
from projections.view_tracking import TrackedView

TABLES = tuple(t.metadata.tables)

_DECISION = """
INSERT INTO guardrail_decisions (tenant_id, position, session_id, hook, tool_name, tool_use_id,
    agent_id, decision, rule_id, policy_version, message, latency_ms, shadow, intervention,
    decided_at)
VALUES (%(tenant_id)s, %(position)s, %(session_id)s, %(hook)s, %(tool_name)s, %(tool_use_id)s,
    %(agent_id)s, %(decision)s, %(rule_id)s, %(policy_version)s, %(message)s, %(latency_ms)s,
    %(shadow)s::jsonb, %(intervention)s, %(decided_at)s)
"""

_IMPOSED = """
INSERT INTO guardrail_interventions AS i (tenant_id, kind, target_id, active, mode, reason,
    imposed_by, imposed_at, last_position)
VALUES (%(tenant_id)s, %(kind)s, %(target_id)s, true, %(mode)s, %(reason)s, %(by)s, %(at)s,
    %(position)s)
ON CONFLICT (tenant_id, kind, target_id) DO UPDATE SET active = true, mode = EXCLUDED.mode,
    reason = EXCLUDED.reason, imposed_by = EXCLUDED.imposed_by,
    imposed_at = EXCLUDED.imposed_at, lifted_by = NULL, lifted_at = NULL,
    last_position = EXCLUDED.last_position
"""

_LIFTED = """
UPDATE guardrail_interventions SET active = false, lifted_by = %(by)s, lifted_at = %(at)s,
    last_position = %(position)s
WHERE tenant_id = %(tenant_id)s AND kind = %(kind)s AND target_id = %(target_id)s
"""

_POLICY = """
INSERT INTO guardrail_policies (tenant_id, version, updated_at, updated_by, last_position)
VALUES (%(tenant_id)s, %(version)s, %(at)s, %(by)s, %(position)s)
ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version,
    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by,
    last_position = EXCLUDED.last_position
"""

_CHANGE = insert(t.changes)
_RULE = insert(t.rules)


class PostgresGuardrailsView(TrackedView):
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        super().__init__(conn, NAME, TABLES)

    def apply(self, changes: GuardrailChanges, start: int, end: int) -> None:
        with self.batch(start, end) as cur:
            decisions = [data for kind, data in changes.ops if kind == "decision"]
            if decisions:
                # shadow is JSON text: NUL escapes in it must go before the jsonb cast.
                cur.executemany(
                    _DECISION,
                    [{**d, "shadow": storable.jsonb_text(d["shadow"])} for d in decisions],
                )
            for kind, data in changes.ops:
                if kind == "imposed":
                    cur.execute(_IMPOSED, data)
                elif kind == "lifted":
                    cur.execute(_LIFTED, data)
                elif kind == "policy":
                    self._policy(cur, data)

    def _policy(self, cur: psycopg.Cursor[Any], d: dict[str, Any]) -> None:
        tenant, change = d["tenant_id"], d["change"]
        definition = d["rule"] if d["rule"] is not None else d["rules"]
        cur.execute(_CHANGE, {
            "tenant_id": tenant, "version": d["version"], "position": d["position"],
            "change": change, "rule_id": d["rule_id"],
            "definition": Jsonb(definition) if definition is not None else None,
            "changed_by": d["by"], "changed_at": d["at"],
        })  # fmt: skip
        cur.execute(_POLICY, d)
        if change == "created":
            cur.execute("DELETE FROM guardrail_rules WHERE tenant_id = %s", (tenant,))
            cur.executemany(_RULE, [
                {"tenant_id": tenant, "rule_id": r["id"], "ordinal": i, "definition": Jsonb(r)}
                for i, r in enumerate(d["rules"], 1)
            ])  # fmt: skip
        elif change == "added":
            cur.execute(
                "INSERT INTO guardrail_rules (tenant_id, rule_id, ordinal, definition) "
                "SELECT %s, %s, COALESCE(MAX(ordinal), 0) + 1, %s FROM guardrail_rules "
                "WHERE tenant_id = %s",
                (tenant, d["rule_id"], Jsonb(d["rule"]), tenant),
            )
        elif change == "changed":
            cur.execute(
                "UPDATE guardrail_rules SET definition = %s WHERE tenant_id = %s AND rule_id = %s",
                (Jsonb(d["rule"]), tenant, d["rule_id"]),
            )
        elif change == "removed":
            cur.execute(
                "DELETE FROM guardrail_rules WHERE tenant_id = %s AND rule_id = %s",
                (tenant, d["rule_id"]),
            )
        elif change == "mode":
            cur.execute(
                "UPDATE guardrail_rules SET definition = jsonb_set(definition, '{mode}', %s) "
                "WHERE tenant_id = %s AND rule_id = %s",
                (json.dumps(d["mode"]), tenant, d["rule_id"]),
            )
