"""The ``observatory`` command line.

Every command reads ``OBSERVATORY_*`` settings (``--port`` / ``OBSERVATORY_PORT`` and friends);
flags win over the environment. Heavy modules are imported inside commands so that the hook
shim (``observatory hook``, run on every hook) starts fast.
"""

from __future__ import annotations

import click

from workers.cli.activity import activity
from workers.cli.approvals import approvals
from workers.cli.audit import audit
from workers.cli.auth import auth
from workers.cli.guardrails import guardrails
from workers.cli.hooks import hooks
from workers.cli.jobs import jobs
from workers.cli.ml import ml
from workers.cli.privacy import privacy
from workers.cli.projections import projections
from workers.cli.replay import replay
from workers.cli.run import ingest_writer, migrate, project, serve
from workers.cli.scoring import score
from workers.cli.sessions import sessions
from workers.cli.shim import hook
from workers.cli.stream import relay, stream
from workers.cli.up import up
from workers.cli.usage import usage


def _print_version(ctx: click.Context, _param: click.Parameter, wanted: bool) -> None:
    # Read on demand: the hook shim starts on every hook and needs no package metadata.
    if wanted and not ctx.resilient_parsing:
        from infra.version import version

        click.echo(f"observatory, version {version()}")
        ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def main() -> None:
    """Observatory: watch, record and guard fleets of AI coding agents.

    \b
    Start everything on this machine:   observatory up
    Point Claude Code at it:            observatory hooks install
    Replay a folder of hook payloads:   observatory replay DIR
    """


main.add_command(up)
main.add_command(approvals)
main.add_command(usage)
main.add_command(activity)
main.add_command(serve)
main.add_command(project)
main.add_command(migrate)
main.add_command(projections)
main.add_command(hooks)
main.add_command(hook)
main.add_command(replay)
main.add_command(guardrails)
main.add_command(sessions)
main.add_command(ingest_writer)
main.add_command(auth)
main.add_command(privacy)
main.add_command(audit)
main.add_command(relay)
main.add_command(stream)
main.add_command(ml)
main.add_command(jobs)
main.add_command(score)
