"""Strict JSON for ingest and commands (the parser lives in ``infra.strict_json``, shared with
the GraphQL door)."""

from __future__ import annotations

from infra.strict_json import BodyRejectedError, parse_object, parse_value

__all__ = ["BodyRejectedError", "parse_object", "parse_value"]
