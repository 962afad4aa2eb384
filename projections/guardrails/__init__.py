"""Guardrails read model: each tenant's policy and its history, decisions, quarantines."""
