"""``observatory approvals list|approve|deny``: the approval inbox from a terminal.

The commands go through the API (``/v1/approvals``) like every change, so the answer is the
same command the dashboard and GraphQL issue, recorded with the caller's name, and the held
hook learns it from the log on whichever replica holds it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import click

from workers.cli.common import api_options, send_as


@click.group()
def approvals() -> None:
    """Tool calls held for a person on duty: list them, approve or deny one."""


@approvals.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the pending requests as JSON.")
@api_options
def list_pending(as_json: bool, url: str | None, port: int | None,
                 actor: str | None) -> None:  # fmt: skip
    """The pending requests of your tenant, oldest first."""
    body = send_as("GET", "/v1/approvals", url, port, actor)
    found = body.get("approvals", [])
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("No tool call is waiting for an answer.")
        return
    now = datetime.now(UTC)
    for item in found:
        left = (datetime.fromisoformat(item["expiresAt"]) - now).total_seconds()
        click.echo(f"{item['requestId']}  {item['toolName'] or '?'}  {item['summary'][:80]}")
        click.echo(f"    session {item['sessionId']}  rule {item['ruleId']}  by "
                   f"{item['requestedBy'] or '?'}  {max(left, 0):.0f}s left, then "
                   f"{item['onTimeout']}")  # fmt: skip


def _answer(verb: str, request_id: str, reason: str, url: str | None, port: int | None,
            actor: str | None) -> None:  # fmt: skip
    body = send_as("POST", f"/v1/approvals/{quote(request_id, safe='')}/{verb}", url, port,
                   actor, json={"reason": reason})  # fmt: skip
    done = "Approved" if verb == "approve" else "Denied"
    click.echo(f"{done} {request_id} (recorded at position {body['position']}).")


@approvals.command()
@click.argument("request_id")
@click.option("--reason", default="", help="Why (the agent reads it, the audit log keeps it).")
@api_options
def approve(request_id: str, reason: str, url: str | None, port: int | None,
            actor: str | None) -> None:  # fmt: skip
    """Allow the held tool call REQUEST_ID (once; the rule says who may)."""
    _answer("approve", request_id, reason, url, port, actor)


@approvals.command()
@click.argument("request_id")
@click.option("--reason", default="", help="Why (the agent reads it, the audit log keeps it).")
@api_options
def deny(request_id: str, reason: str, url: str | None, port: int | None,
         actor: str | None) -> None:  # fmt: skip
    """Refuse the held tool call REQUEST_ID."""
    _answer("deny", request_id, reason, url, port, actor)
