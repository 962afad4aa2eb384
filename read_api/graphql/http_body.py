"""What the GraphQL door accepts over HTTP, and how it refuses everything else.

A POST must be ``application/json`` holding one GraphQL-over-HTTP request object: ``query``
a string, ``variables`` and ``extensions`` objects (or null), ``operationName`` a string (or
null). The JSON is read as strictly as at the ingest doors (``infra.strict_json``: UTF-8,
no duplicate keys, no NaN, no lone surrogates, bounded nesting) and the document is at most
``MAX_QUERY_CHARS`` long (``document_limits`` bounds what it may expand to). Anything else is a 4xx
problem document with a stable ``reason`` (docs/problems.md), never strawberry's plain-text
400 and never a 500. GraphQL errors inside a well-formed request stay GraphQL errors (200).
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException as StrawberryHTTPError
from litestar import Request, Response

from infra.problems import HTTP_REASONS, Problem
from infra.strict_json import BodyRejectedError, parse_object, parse_value

MAX_DEPTH = 64
"""Nesting allowed in a request body (variables included)."""
MAX_QUERY_CHARS = 64 * 1024
"""The longest document accepted. GraphQL's lexer reads a document one character at a time
in Python (a 1 MB string argument takes most of a second, twice: strawberry parses once to
count tokens); large values belong in ``variables``, which are parsed as JSON."""

FIELDS: dict[str, tuple[type, ...]] = {
    "query": (str,),
    "variables": (dict,),
    "operationName": (str,),
    "extensions": (dict,),
}
EXPECTED: dict[type, str] = {str: "a string", dict: "an object"}
JSON_TYPES = ("application/json",)


def refused(error: BodyRejectedError) -> Problem:
    return Problem(400, error.reason, error.detail, title="The GraphQL request is not valid JSON")


def invalid_request(detail: str, **extra: Any) -> Problem:
    return Problem(
        400, "invalid_graphql_request", detail,
        title="The body is not a GraphQL-over-HTTP request", **extra,
    )  # fmt: skip


def check_request(body: bytes) -> dict[str, Any]:
    """The request object of a POST body, or a 400 problem that says what is wrong."""
    try:
        data = parse_object(body, MAX_DEPTH)
    except BodyRejectedError as error:
        if error.reason == "not_an_object":
            raise invalid_request(
                f'{error.detail}: send one request object {{"query": "…"}} (batches are '
                "not accepted)"
            ) from None
        raise refused(error) from None
    problems = [
        f"{name}: expected {' or '.join(EXPECTED[t] for t in kinds)} or null"
        for name, kinds in FIELDS.items()
        if data.get(name) is not None and not isinstance(data[name], kinds)
    ]
    if not isinstance(data.get("query"), str):
        problems.insert(0, 'query: required (send {"query": "{ … }"})')
    query = data.get("query")
    if isinstance(query, str) and len(query) > MAX_QUERY_CHARS:
        raise Problem(
            400, "query_too_large",
            f"the document is {len(query)} characters, at most {MAX_QUERY_CHARS} are accepted: "
            "pass large values as variables",
            title="The GraphQL document is too long", limit=MAX_QUERY_CHARS,
        )  # fmt: skip
    if problems:
        raise invalid_request("; ".join(dict.fromkeys(problems)), problems=problems)
    return data


class StrictGraphQLBodies:
    """Mixed into strawberry's Litestar controller (before it in the bases)."""

    def decode_json(self, data: str | bytes) -> object:
        """JSON inside GET parameters (``variables``, ``extensions``), read strictly."""
        try:
            return parse_value(data.encode() if isinstance(data, str) else data, MAX_DEPTH)
        except BodyRejectedError as error:
            raise refused(error) from None

    async def execute_request(
        self, request: Request[Any, Any, Any], context: Any, root_value: Any
    ) -> Response[Any]:
        if request.method == "POST":
            kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
            if kind not in JSON_TYPES:
                raise Problem(
                    415, "unsupported_media_type",
                    f"send the request as application/json, not {kind or 'no content type'}",
                    accepted=list(JSON_TYPES),
                )  # fmt: skip
            check_request(await request.body())
        try:
            response: Response[Any] = await self.run(  # type: ignore[attr-defined]
                request, context=context, root_value=root_value
            )
        except StrawberryHTTPError as error:
            # What strawberry itself refuses: no query, an unknown operation name, a
            # mutation over GET…
            if error.status_code == 400:
                raise invalid_request(error.reason) from None
            reason = HTTP_REASONS.get(error.status_code, (f"http_{error.status_code}", ""))[0]
            raise Problem(error.status_code, reason, error.reason) from None
        return response
