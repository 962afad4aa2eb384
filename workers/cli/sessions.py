"""``observatory sessions quarantine|release``: through the API, like every change (see
``workers.cli.common.api_options``)."""

from __future__ import annotations

import click

from workers.cli.common import api_options, send_as


@click.group()
def sessions() -> None:
    """Quarantine and release sessions (or agents)."""


@sessions.command()
@api_options
@click.argument("target_id")
@click.option("--agent", is_flag=True, help="TARGET_ID is an agent id, not a session id.")
@click.option("--mode", type=click.Choice(["ask", "deny", "approve"]), default="ask",
              show_default=True, help="What every tool call of the target gets (approve: "
              "held for a person on duty).")  # fmt: skip
@click.option("--reason", default="quarantined by an operator", help="Shown with each decision.")
def quarantine(
    url: str | None, port: int | None, actor: str | None, target_id: str, agent: bool,
    mode: str, reason: str,
) -> None:  # fmt: skip
    """Quarantine a session: every tool call gets MODE until released."""
    kind = "agent" if agent else "session"
    body = send_as("POST", "/v1/guardrails/quarantines", url, port, actor,
                 json={"kind": kind, "id": target_id, "mode": mode, "reason": reason})  # fmt: skip
    click.echo(f"Quarantined {kind} {target_id} ({mode}) at position {body['position']}.")


@sessions.command()
@api_options
@click.argument("target_id")
@click.option("--agent", is_flag=True, help="TARGET_ID is an agent id, not a session id.")
@click.option("--reason", default="", help="Why it is released (recorded).")
def release(
    url: str | None, port: int | None, actor: str | None, target_id: str, agent: bool, reason: str
) -> None:
    """Release a quarantined session (or agent)."""
    kind = "agent" if agent else "session"
    body = send_as("DELETE", f"/v1/guardrails/quarantines/{kind}/{target_id}", url, port, actor,
                 params={"reason": reason} if reason else None)  # fmt: skip
    click.echo(f"Released {kind} {target_id} at position {body['position']}.")
