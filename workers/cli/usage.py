"""``observatory usage``: tokens by type and cost, through the API's GraphQL ``usage`` query."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from workers.cli.common import api_options, parse_duration, send_as

QUERY = """
query($since: DateTime!, $until: DateTime, $by: UsageGrouping, $per: UsageBucket,
      $filter: UsageFilter, $first: Int!) {
  usage(since: $since, until: $until, by: $by, per: $per, filter: $filter, first: $first) {
    key bucket calls errors inputTokens outputTokens cacheReadTokens cacheCreationTokens
    totalTokens costUsd durationMeanMs
  }
}
"""
COLUMNS = (("calls", "calls"), ("errors", "errors"), ("input", "inputTokens"),
           ("output", "outputTokens"), ("cache read", "cacheReadTokens"),
           ("cache write", "cacheCreationTokens"), ("total", "totalTokens"))  # fmt: skip
GROUPS = {"model": "MODEL", "session": "SESSION", "user": "USER", "team": "TEAM",
          "project": "PROJECT", "agent": "AGENT", "minute": "MINUTE", "hour": "HOUR",
          "day": "DAY"}  # fmt: skip
BUCKETS = {"minute": "MINUTE", "hour": "HOUR", "day": "DAY"}
FILTERS = {"session": "sessionId", "model": "model", "user": "userId", "team": "team",
           "project": "project", "agent": "agent"}  # fmt: skip


@click.command()
@api_options
@click.option("--by", type=click.Choice(list(GROUPS)), default=None,
              help="Group by model, session, user (account), team, project, agent, or a bucket"
                   " (default: model, unless --per is given).")  # fmt: skip
@click.option(
    "--per",
    type=click.Choice(list(BUCKETS)),
    default=None,
    help="Sum per minute, hour or day (UTC); with --by, a row per bucket and group.",
)
@click.option("--since", default="24h", show_default=True,
              help="How far back (30m, 24h, 7d) or an ISO time with a zone.")  # fmt: skip
@click.option("--until", default=None, help="ISO time with a zone (default: now).")
@click.option("--session", default=None, help="Only this session.")
@click.option("--model", default=None, help="Only this model.")
@click.option("--user", default=None, help="Only this user (account).")
@click.option("--team", default=None, help="Only this team.")
@click.option("--project", default=None, help="Only this project.")
@click.option("--agent", default=None, help="Only this agent.")
@click.option("--first", default=100, show_default=True, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def usage(
    url: str | None, port: int | None, actor: str | None, by: str | None, per: str | None,
    since: str, until: str | None, session: str | None, model: str | None, user: str | None,
    team: str | None, project: str | None, agent: str | None, first: int, as_json: bool,
) -> None:  # fmt: skip
    """Tokens by type and cost of the agents' model calls (from their OTLP telemetry)."""
    from rich.console import Console
    from rich.table import Table

    if by is None and per is None:
        by = "model"
    given = {"session": session, "model": model, "user": user, "team": team,
             "project": project, "agent": agent}  # fmt: skip
    variables = {"since": since_time(since), "until": until, "by": GROUPS[by] if by else None,
                 "per": BUCKETS[per] if per else None, "first": first,
                 "filter": {FILTERS[k]: v for k, v in given.items() if v is not None}}  # fmt: skip
    body = send_as("POST", "/graphql", url, port, actor,
                   json={"query": QUERY, "variables": variables})  # fmt: skip
    if "errors" in body:
        raise click.ClickException(body["errors"][0]["message"])
    rows = body["data"]["usage"]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    title = " ".join(p for p in (f"by {by}" if by else "", f"per {per}" if per else "") if p)
    table = Table(title=f"usage {title} since {variables['since']}")
    if per and by:
        table.add_column(per)
    table.add_column(by or per or "", overflow="fold")
    for heading, _ in COLUMNS:
        table.add_column(heading, justify="right")
    table.add_column("cost (USD)", justify="right")
    for row in rows:
        bucket = [row["bucket"]] if per and by else []
        counts = [f"{int(row[k]):,}" for _, k in COLUMNS]
        table.add_row(*bucket, row["key"] or "(not said)", *counts, f"{row['costUsd']:.4f}")
    if rows:
        total = {k: sum(int(r[k]) for r in rows) for _, k in COLUMNS}
        table.add_row(*([""] if per and by else []), "total",
                      *(f"{total[k]:,}" for _, k in COLUMNS),
                      f"{sum(r['costUsd'] for r in rows):.4f}", style="bold")  # fmt: skip
    Console().print(table)


def since_time(text: str) -> str:
    """``--since`` as an ISO time: a duration back from now, or the ISO time given."""
    if text[:1].isdigit() and text[-1:] in "smhdw" and "T" not in text:
        return (datetime.now(UTC) - parse_duration(text)).isoformat()
    return text
