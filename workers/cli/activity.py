"""``observatory activity``: what the agents' metrics report (lines, commits, PRs, edit
decisions, active time, cost), through the API's GraphQL ``activity`` query."""

from __future__ import annotations

import json

import click

from workers.cli.common import api_options, send_as
from workers.cli.usage import GROUPS, since_time

QUERY = """
query($since: DateTime!, $until: DateTime, $by: ActivityGrouping!, $session: String,
      $first: Int!) {
  activity(since: $since, until: $until, by: $by, sessionId: $session, first: $first) {
    key sessions linesAdded linesRemoved commits pullRequests editsAccepted editsRejected
    editAcceptRate activeUserSeconds activeCliSeconds costUsd totalTokens
  }
}
"""
COLUMNS = (("sessions", "sessions"), ("+lines", "linesAdded"), ("-lines", "linesRemoved"),
           ("commits", "commits"), ("PRs", "pullRequests"), ("accepted", "editsAccepted"),
           ("rejected", "editsRejected"), ("tokens", "totalTokens"))  # fmt: skip


@click.command()
@api_options
@click.option("--by", type=click.Choice(list(GROUPS)), default="session", show_default=True,
              help="Group by model, session, user (account), team, minute or day.")  # fmt: skip
@click.option("--since", default="24h", show_default=True,
              help="How far back (30m, 24h, 7d) or an ISO time with a zone.")  # fmt: skip
@click.option("--until", default=None, help="ISO time with a zone (default: now).")
@click.option("--session", default=None, help="Only this session.")
@click.option("--first", default=100, show_default=True, help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def activity(
    url: str | None, port: int | None, actor: str | None, by: str, since: str,
    until: str | None, session: str | None, first: int, as_json: bool,
) -> None:  # fmt: skip
    """Lines, commits, PRs, edit decisions, active time and cost from the agents' OTLP metrics.

    Cost and tokens here are the metrics' own report of the spend that `observatory usage`
    shows from the log events: compare them, never add them."""
    from rich.console import Console
    from rich.table import Table

    variables = {"since": since_time(since), "until": until, "by": GROUPS[by],
                 "session": session, "first": first}  # fmt: skip
    body = send_as("POST", "/graphql", url, port, actor,
                   json={"query": QUERY, "variables": variables})  # fmt: skip
    if "errors" in body:
        raise click.ClickException(body["errors"][0]["message"])
    rows = body["data"]["activity"]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"activity by {by} since {variables['since']}")
    table.add_column(by, overflow="fold")
    for heading, _ in COLUMNS:
        table.add_column(heading, justify="right")
    for heading in ("accept rate", "active user/cli (s)", "cost (USD)"):
        table.add_column(heading, justify="right")
    for row in rows:
        rate = row["editAcceptRate"]
        table.add_row(row["key"] or "(not said)", *(f"{int(row[k]):,}" for _, k in COLUMNS),
                      "-" if rate is None else f"{rate:.0%}",
                      f"{row['activeUserSeconds']:,.0f}/{row['activeCliSeconds']:,.0f}",
                      f"{row['costUsd']:.4f}")  # fmt: skip
    Console().print(table)
