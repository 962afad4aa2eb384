"""``observatory guardrails list|add|remove|mode|simulate`` and
``observatory sessions quarantine|release``.

Commands that change things go through the API (``--url``), so they work against any
deployment and are recorded with who made them (the token's subject; ``--actor`` when
authentication is off). They send ``OBSERVATORY_TOKEN``, else the admin token ``up`` saved.
``simulate`` reads the event log directly and changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from workers.cli.common import (
    call_api,
    load_settings,
    port_option,
    resolve_database,
    server_options,
)


def _send(method: str, path: str, url: str | None, port: int | None, actor: str | None,
          **kwargs: Any) -> dict[str, Any]:  # fmt: skip
    headers = {"Observatory-Actor": actor} if actor else {}
    return call_api(method, path, url=url, port=port, headers=headers, **kwargs)


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


def api_options(func: Any) -> Any:
    func = click.option(
        "--actor", default=None,
        help="Who is making the change, when authentication is off (otherwise the caller's "
        "token names them). The token: OBSERVATORY_TOKEN, else the one `up` saved.",
    )(func)  # fmt: skip
    func = click.option("--url", default=None, help="Observatory's base URL.")(func)
    return port_option(func)


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
    body = _send("POST", "/graphql", url, port, actor, json={"query": query})
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
            body = _send("PUT", f"/v1/guardrails/rules/{rule['id']}", url, port, actor, json=rule)
            if body:
                click.echo(f"Replaced {rule['id']}: policy version {body['version']}.")
                continue
        body = _send("POST", "/v1/guardrails/rules", url, port, actor, json=rule)
        click.echo(f"Added {rule.get('id')}: policy version {body['version']}.")


@guardrails.command()
@api_options
@click.argument("rule_id")
def remove(url: str | None, port: int | None, actor: str | None, rule_id: str) -> None:
    """Remove a rule from the policy."""
    body = _send("DELETE", f"/v1/guardrails/rules/{rule_id}", url, port, actor)
    click.echo(f"Removed {rule_id}: policy version {body['version']}.")


@guardrails.command()
@api_options
@click.argument("rule_id")
@click.argument("mode", type=click.Choice(["enforce", "shadow"]))
def mode(url: str | None, port: int | None, actor: str | None, rule_id: str, mode: str) -> None:
    """Set a rule to enforce (it decides) or shadow (it only records)."""
    body = _send(
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

    from commands.store.application import EventStoreApplication
    from domain.guardrails.errors import RuleDefinitionError
    from domain.guardrails.rules import evaluate, ordered, parse_rules
    from domain.guardrails.values import Mode, ToolCall
    from infra.database import eventsourcing_env
    from workers.simulation import tool_calls

    try:
        rules = [r.with_mode(Mode.ENFORCE) for r in ordered(parse_rules(_rules(_load(file))))]
    except RuleDefinitionError as error:
        raise click.ClickException(
            "the rules are not valid:\n  " + "\n  ".join(error.problems)
        ) from None
    settings = load_settings(port=port, host=host, data_dir=data_dir, database_url=database_url)
    store = EventStoreApplication(
        eventsourcing_env(resolve_database(settings), settings.database_schema, 1)
    )
    after = _since(since)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    examples: dict[str, list[str]] = defaultdict(list)
    total = 0
    try:
        head = int(store.recorder.max_notification_id() or 0)
        with Progress(transient=True, disable=as_json) as progress:
            task = progress.add_task("replaying tool calls", total=max(head, 1))
            for position, event, payload in tool_calls(store, after):
                progress.update(task, completed=position)
                total += 1
                tool_input = payload.get("tool_input")
                verdict = evaluate(
                    rules,
                    ToolCall(
                        event.tool_name or "",
                        tool_input if isinstance(tool_input, dict) else {},
                        event.session_id,
                    ),
                )
                if verdict.decision is None:
                    continue
                counts[event.session_id][verdict.decision.value] += 1
                if len(examples[event.session_id]) < 3:
                    examples[event.session_id].append(f"{verdict.rule_id}: {verdict.message}")
    finally:
        store.close()
    per_session: dict[str, dict[str, Any]] = {
        session: {"deny": c["deny"], "ask": c["ask"], "allow": c["allow"],
                  "examples": examples[session]}
        for session, c in counts.items()
    }  # fmt: skip
    report = {"calls": total, "rules": [r.id for r in rules], "sessions": per_session}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    table = Table(
        title=f"{total} stored tool calls replayed through {', '.join(r.id for r in rules)}"
    )
    for heading in ("session", "deny", "ask", "allow", "examples"):
        table.add_column(heading, overflow="fold")
    for session, row in sorted(per_session.items(), key=lambda item: -int(item[1]["deny"])):
        table.add_row(
            session,
            str(row["deny"]),
            str(row["ask"]),
            str(row["allow"]),
            "\n".join(row["examples"]),
        )
    console = Console()
    console.print(table)
    denied = sum(int(row["deny"]) for row in per_session.values())
    asked = sum(int(row["ask"]) for row in per_session.values())
    console.print(
        f"Would deny {denied} and ask for {asked} of {total} calls in {len(per_session)} sessions."
    )


@click.group()
def sessions() -> None:
    """Quarantine and release sessions (or agents)."""


@sessions.command()
@api_options
@click.argument("target_id")
@click.option("--agent", is_flag=True, help="TARGET_ID is an agent id, not a session id.")
@click.option("--mode", type=click.Choice(["ask", "deny"]), default="ask", show_default=True,
              help="What every tool call of the target gets.")  # fmt: skip
@click.option("--reason", default="quarantined by an operator", help="Shown with each decision.")
def quarantine(
    url: str | None, port: int | None, actor: str | None, target_id: str, agent: bool,
    mode: str, reason: str,
) -> None:  # fmt: skip
    """Quarantine a session: every tool call gets MODE until released."""
    kind = "agent" if agent else "session"
    body = _send("POST", "/v1/guardrails/quarantines", url, port, actor,
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
    body = _send("DELETE", f"/v1/guardrails/quarantines/{kind}/{target_id}", url, port, actor,
                 params={"reason": reason} if reason else None)  # fmt: skip
    click.echo(f"Released {kind} {target_id} at position {body['position']}.")
