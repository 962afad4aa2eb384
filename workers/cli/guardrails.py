"""``observatory guardrails list|add|remove|mode|simulate``.

Commands that change things go through the API (``--url``), so they work against any
deployment and are recorded with who made them (see ``common.api_options``). ``simulate`` reads the
event log directly and changes nothing (``commands.guardrails.simulation``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from workers.cli.common import (
    api_options,
    load_settings,
    resolve_database,
    send_as,
    server_options,
)


def _load(path: Path) -> Any:
    import yaml

    text = path.read_text("utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise click.ClickException(f"{path} is neither valid JSON nor YAML: {error}") from None


def _rules(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise click.ClickException("the file must hold a rule, a list of rules, or {rules: [...]}")
    return data


@click.group()
def guardrails() -> None:
    """Inspect and change the guardrail policy; test rules on history."""


@guardrails.command("list")
@api_options
@click.option("--json", "as_json", is_flag=True, help="Print the policy as JSON.")
def list_rules(url: str | None, port: int | None, actor: str | None, as_json: bool) -> None:
    """Show the current policy, in evaluation order."""
    from rich.console import Console
    from rich.table import Table

    query = "{ guardrailPolicy { version rules { id tools decision mode priority message } } }"
    body = send_as("POST", "/graphql", url, port, actor, json={"query": query})
    if "errors" in body:
        raise click.ClickException(body["errors"][0]["message"])
    policy = body["data"]["guardrailPolicy"]
    if as_json:
        click.echo(json.dumps(policy, indent=2))
        return
    table = Table(title=f"policy version {policy['version']}")
    for heading in ("rule", "tools", "decision", "mode", "priority", "message"):
        table.add_column(heading, overflow="fold")
    for rule in policy["rules"]:
        table.add_row(rule["id"], ", ".join(rule["tools"]), rule["decision"].lower(),
                      rule["mode"].lower(), str(rule["priority"]), rule["message"])  # fmt: skip
    Console().print(table)


@guardrails.command()
@api_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace rules that already exist.")
def add(url: str | None, port: int | None, actor: str | None, file: Path, replace: bool) -> None:
    """Add the rules of FILE (JSON or YAML: a rule, a list, or {rules: [...]})."""
    for rule in _rules(_load(file)):
        if replace and isinstance(rule, dict) and "id" in rule:
            body = send_as("PUT", f"/v1/guardrails/rules/{rule['id']}", url, port, actor, json=rule)
            if body:
                click.echo(f"Replaced {rule['id']}: policy version {body['version']}.")
                continue
        body = send_as("POST", "/v1/guardrails/rules", url, port, actor, json=rule)
        click.echo(f"Added {rule.get('id')}: policy version {body['version']}.")


@guardrails.command()
@api_options
@click.argument("rule_id")
def remove(url: str | None, port: int | None, actor: str | None, rule_id: str) -> None:
    """Remove a rule from the policy."""
    body = send_as("DELETE", f"/v1/guardrails/rules/{rule_id}", url, port, actor)
    click.echo(f"Removed {rule_id}: policy version {body['version']}.")


@guardrails.command()
@api_options
@click.argument("rule_id")
@click.argument("mode", type=click.Choice(["enforce", "shadow"]))
def mode(url: str | None, port: int | None, actor: str | None, rule_id: str, mode: str) -> None:
    """Set a rule to enforce (it decides) or shadow (it only records)."""
    body = send_as(
        "PUT", f"/v1/guardrails/rules/{rule_id}/mode", url, port, actor, json={"mode": mode}
    )
    click.echo(f"{rule_id} is now {mode}: policy version {body['version']}.")


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if value[-1:] in units and value[:-1].isdigit():
        return datetime.now(UTC) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO date-time or a duration such as 7d, 12h") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@guardrails.command()
@server_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--since", default=None, help="Only calls after this (ISO time, or 7d, 12h…).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def simulate(
    port: int | None, host: str | None, data_dir: Path | None, database_url: str | None,
    file: Path, since: str | None, as_json: bool,
) -> None:  # fmt: skip
    """What-if: replay stored tool calls through the rules of FILE and report what they would
    have denied or asked, per session. Shadow or enforce, the proposed rules are all applied;
    nothing is changed or recorded."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from commands.guardrails.simulation import proposed_rules
    from commands.guardrails.simulation import simulate as replay
    from commands.store.application import EventStoreApplication
    from domain.guardrails.errors import RuleDefinitionError
    from infra.database import eventsourcing_env

    try:
        rules = proposed_rules(_rules(_load(file)))
    except RuleDefinitionError as error:
        raise click.ClickException(
            "the rules are not valid:\n  " + "\n  ".join(error.problems)
        ) from None
    after = _since(since)
    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    store = EventStoreApplication(
        eventsourcing_env(resolve_database(settings), settings.database_schema, 1)
    )
    try:
        head = int(store.recorder.max_notification_id() or 0)
        with Progress(transient=True, disable=as_json) as progress:
            task = progress.add_task("replaying tool calls", total=max(head, 1))

            def reached(position: int) -> None:
                progress.update(task, completed=position)

            report = replay(store, rules, since=after, progress=reached)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report.as_data(), indent=2))
        return
    table = Table(
        title=f"{report.calls} stored tool calls replayed through {', '.join(report.rules)}"
    )
    for heading in ("session", "deny", "ask", "allow", "examples"):
        table.add_column(heading, overflow="fold")
    by_denials = sorted(report.sessions.items(), key=lambda item: -item[1].decisions["deny"])
    for session, outcome in by_denials:
        counts = [str(outcome.decisions[d]) for d in ("deny", "ask", "allow")]
        table.add_row(session, *counts, "\n".join(outcome.examples))
    console = Console()
    console.print(table)
    console.print(
        f"Would deny {report.total('deny')} and ask for {report.total('ask')} of {report.calls} "
        f"calls in {len(report.sessions)} sessions."
    )
