"""Guardrails: rules as data, the default policy, pure evaluation of tool calls, the policy
and intervention aggregates."""
