"""A cap on the payload bytes one GraphQL operation actually returns.

The cost rule (``cost.py``) refuses queries whose *estimated* answer is too large before
anything runs, but it must guess a payload's size (2 KiB): a session of 1 MiB hooks makes
the guess wrong by 500 times. Each payload field therefore charges its real size to the
operation's budget as it is resolved; past ``MAX_RESPONSE_BYTES`` the field answers
``RESPONSE_TOO_LARGE`` (null, with an error) instead of its value, so an answer holds at
most about that many bytes of payloads whatever the data. Invariant: one budget per
operation (a WebSocket runs many operations on one context: each gets a fresh budget).
"""

from __future__ import annotations

from typing import Any

import msgspec
from graphql import GraphQLError

MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class ResponseBudget:
    """Bytes of payloads resolved so far in this operation."""

    def __init__(self, limit: int = MAX_RESPONSE_BYTES) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, size: int, field: str) -> None:
        """Counts ``size`` bytes, or refuses the field once the operation is over its limit."""
        self.used += size
        if self.used > self.limit:
            raise GraphQLError(
                f"{field}: this query's payloads passed {self.limit:,} bytes, the limit per "
                "query; ask for fewer (a smaller `first`, fewer aliases) and page on with "
                "`after`",
                extensions={"code": "RESPONSE_TOO_LARGE", "maxBytes": self.limit},
            )


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON (msgspec: about a gigabyte a second)."""
    return len(msgspec.json.encode(value))
