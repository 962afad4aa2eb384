"""``observatory usage``: tokens by type and cost, through the API's GraphQL ``usage`` query."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from workers.cli.common import api_options, parse_duration, send_as

QUERY = """
query($since: DateTime!, $until: DateTime, $by: UsageGrouping!, $session: String,
      $model: String, $first: Int!) {
  usage(since: $since, until: $until, by: $by, sessionId: $session, model: $model,
        first: $first) {
    key calls errors inputTokens outputTokens cacheReadTokens cacheCreationTokens
    totalTokens costUsd durationMeanMs
  }
}
"""
COLUMNS = (("calls", "calls"), ("errors", "errors"), ("input", "inputTokens"),
           ("output", "outputTokens"), ("cache read", "cacheReadTokens"),
           ("cache write", "cacheCreationTokens"), ("total", "totalTokens"))  # fmt: skip
GROUPS = {"model": "MODEL", "session": "SESSION", "user": "USER", "team": "TEAM",
          "minute": "MINUTE", "day": "DAY"}  # fmt: skip


@click.command()
@api_options
@click.option("--by", type=click.Choice(list(GROUPS)), default="model", show_default=True,
              help="Group by model, session, user (account), team, minute or day.")  # fmt: skip
@click.option("--since", default="24h", show_default=True,
              help="How far back (30m, 24h, 7d) or an ISO time with a zone.")  # fmt: skip
@click.option("--until", default=None, help="ISO time with a zone (default: now).")
@click.option("--session", default=None, help="Only this session.")
@click.option("--model", default=None, help="Only this model.")
@click.option("--first", default=100, show_default=True, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def usage(
    url: str | None, port: int | None, actor: str | None, by: str, since: str,
    until: str | None, session: str | None, model: str | None, first: int, as_json: bool,
) -> None:  # fmt: skip
    """Tokens by type and cost of the agents' model calls (from their OTLP telemetry)."""
    from rich.console import Console
    from rich.table import Table

    variables = {"since": since_time(since), "until": until, "by": GROUPS[by], "session": session,
                 "model": model, "first": first}  # fmt: skip
    body = send_as("POST", "/graphql", url, port, actor,
                   json={"query": QUERY, "variables": variables})  # fmt: skip
    if "errors" in body:
        raise click.ClickException(body["errors"][0]["message"])
    rows = body["data"]["usage"]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"usage by {by} since {variables['since']}")
    table.add_column(by, overflow="fold")
    for heading, _ in COLUMNS:
        table.add_column(heading, justify="right")
    table.add_column("cost (USD)", justify="right")
    for row in rows:
        table.add_row(row["key"] or "(not said)", *(f"{int(row[k]):,}" for _, k in COLUMNS),
                      f"{row['costUsd']:.4f}")  # fmt: skip
    if rows:
        total = {k: sum(int(r[k]) for r in rows) for _, k in COLUMNS}
        table.add_row("total", *(f"{total[k]:,}" for _, k in COLUMNS),
                      f"{sum(r['costUsd'] for r in rows):.4f}", style="bold")  # fmt: skip
    Console().print(table)


def since_time(text: str) -> str:
    """``--since`` as an ISO time: a duration back from now, or the ISO time given."""
    if text[:1].isdigit() and text[-1:] in "smhdw" and "T" not in text:
        return (datetime.now(UTC) - parse_duration(text)).isoformat()
    return text
