"""The default policy (design §6), as data: the same shape a team writes its own rules in."""

from __future__ import annotations

from typing import Any

from domain.guardrails.rules import Rule, parse_rules

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "id": "destructive_rm",
        "tools": ["Bash"],
        "when": {"builtin": "destructive_rm"},
        "decision": "deny",
        "message": "Recursive forced deletion of a home, root or parent directory is blocked by "
        "policy.",
        "priority": 1000,
    },
    {
        "id": "pipe_to_shell",
        "tools": ["Bash"],
        "when": {"builtin": "pipe_to_shell"},
        "decision": "deny",
        "message": "Running a downloaded script straight from the network is blocked by policy. "
        "Download it, review it, then run it.",
        "priority": 990,
    },
    {
        "id": "secret_file_access",
        "tools": ["Read", "Edit", "Write", "MultiEdit", "NotebookEdit", "Grep", "Bash"],
        "when": {"builtin": "secret_file_access"},
        "decision": "deny",
        "message": "Reading .env files is blocked by policy (secrets). Use .env.example for "
        "variable names.",
        "priority": 980,
    },
    {
        "id": "git_force_push_protected",
        "tools": ["Bash"],
        "when": {"builtin": {"name": "git_force_push", "protected": True}},
        "decision": "deny",
        "message": "Force-push to a protected branch is blocked by policy. Push a feature "
        "branch and open a PR.",
        "priority": 970,
    },
    {
        "id": "git_force_push_other",
        "tools": ["Bash"],
        "when": {"builtin": {"name": "git_force_push", "protected": False}},
        "decision": "ask",
        "message": "This rewrites a remote branch's history; confirm it is yours.",
        "priority": 960,
    },
    {
        "id": "destructive_sql",
        "tools": ["mcp__*"],
        "when": {"builtin": "destructive_sql"},
        "decision": "deny",
        "message": "Destructive SQL (TRUNCATE, DROP TABLE/SCHEMA/DATABASE, DELETE or UPDATE "
        "without a real WHERE) is blocked by policy.",
        "priority": 950,
    },
    {
        "id": "cloud_destructive",
        "tools": ["Bash"],
        "when": {"builtin": "cloud_destructive"},
        "decision": "deny",
        "message": "Deleting cloud resources in bulk is blocked by policy; run it yourself if "
        "you mean it.",
        "priority": 940,
    },
]


def default_rules() -> list[Rule]:
    return parse_rules(DEFAULT_RULES)
