"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from infra.settings import Settings, SettingsError

F = TypeVar("F", bound=Callable[..., Any])

HOOK_PATH = "/v1/hooks/claude-code"


def port_option(func: F) -> F:
    return click.option(
        "--port",
        type=click.IntRange(1, 65535),
        default=None,
        help="HTTP port of the API [env: OBSERVATORY_PORT; default 8470].",
    )(func)


def server_options(func: F) -> F:
    func = click.option(
        "--database-url",
        default=None,
        help="PostgreSQL URL [env: OBSERVATORY_DATABASE_URL; default: the embedded server].",
    )(func)
    func = click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Where embedded servers keep data [env: OBSERVATORY_DATA_DIR].",
    )(func)
    func = click.option(
        "--host", default=None, help="Address to listen on [env: OBSERVATORY_HOST; 127.0.0.1]."
    )(func)
    return port_option(func)


def insecure_option(func: F) -> F:
    return click.option(
        "--insecure-dev",
        is_flag=True,
        help="Accept every request without credentials, as an admin (development only; "
        "same as OBSERVATORY_AUTH_MODE=insecure).",
    )(func)


def load_settings(*, discover: bool = True, **flags: Any) -> Settings:
    """The settings of this command: environment, then flags; with ``discover`` (all but
    ``up``), the Valkey and NATS a running ``observatory up`` started, where none is set."""
    from workers.cli.running import with_running_stack

    try:
        settings = Settings.from_env(**flags)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    return with_running_stack(settings) if discover else settings


def resolve_database(settings: Settings) -> str:
    """The configured database, or the embedded server ``observatory up`` is running."""
    if settings.database_url:
        return settings.database_url
    from infra.embedded.postgres import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir / "postgres")
    port = embedded.running_port()
    if port is None:
        raise click.ClickException(
            "no database: start `observatory up` first, or set OBSERVATORY_DATABASE_URL "
            f"(looked for an embedded server in {embedded.root})"
        )
    embedded.port = port
    return embedded.url()


def api_url(settings: Settings, url: str | None) -> str:
    return (url or settings.base_url).rstrip("/")


def auth_dir(settings: Settings) -> Path:
    return settings.data_dir / "auth"


def write_secret(path: Path, value: str) -> None:
    """Writes a credential readable by this user only (0600)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value + "\n")
    temporary.replace(path)


def read_secret(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def operator_credential(settings: Settings, token: str | None) -> str | None:
    """The credential CLI commands send to the API: --token, OBSERVATORY_TOKEN, else the admin
    token `observatory up` saved in the data dir."""
    import os

    return (
        token
        or os.environ.get("OBSERVATORY_TOKEN")
        or read_secret(auth_dir(settings) / "admin.token")
    )


def agent_credential(settings: Settings) -> str | None:
    """The key hooks send: OBSERVATORY_KEY, else the agent key `observatory up` saved."""
    return find_agent_key(settings)[0]


def find_agent_key(settings: Settings) -> tuple[str | None, str]:
    """The agent key and where it came from; without a key, where we looked (for messages)."""
    import os

    if os.environ.get("OBSERVATORY_KEY"):
        return os.environ["OBSERVATORY_KEY"], "$OBSERVATORY_KEY"
    saved = auth_dir(settings) / "agent.key"
    key = read_secret(saved)
    if key:
        return key, str(saved)
    return None, (
        f"no agent key found: OBSERVATORY_KEY is unset and {saved} does not exist (set "
        "OBSERVATORY_KEY, or OBSERVATORY_DATA_DIR to the data dir of `observatory up`)"
    )


def token_option(func: F) -> F:
    return click.option(
        "--token",
        default=None,
        help="Bearer token or API key [env: OBSERVATORY_TOKEN; default: the admin token "
        "`observatory up` saved in the data dir].",
    )(func)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``8h``, ``30d`` or ``2w``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    number, unit = text[:-1], text[-1:].lower()
    if unit not in units or not number.isdigit() or int(number) <= 0:
        raise click.BadParameter(f"{text!r}: use a number and s, m, h, d or w (e.g. 8h, 30d)")
    return timedelta(seconds=int(number) * units[unit])


def cli_actor() -> str:
    import getpass
    import socket

    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


def call_api(
    method: str,
    path: str,
    *,
    url: str | None,
    port: int | None,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """One request to the API as the operator; a problem answer becomes a clear CLI error."""
    import httpx

    settings = load_settings(port=port)
    sent = dict(headers or {})
    credential = operator_credential(settings, token)
    if credential:
        sent["Authorization"] = f"Bearer {credential}"
    base = api_url(settings, url)
    try:
        with httpx.Client(base_url=base, headers=sent, timeout=30) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise click.ClickException(
            f"cannot reach Observatory at {base} ({error}); is it running?"
        ) from None
    body: dict[str, Any] = response.json() if response.content else {}
    if response.status_code == 401:
        from workers.cli.hints import command_prefix

        raise click.ClickException(
            f"{body.get('detail', 'not authenticated')}: set OBSERVATORY_TOKEN (e.g. "
            f"`export OBSERVATORY_TOKEN=$({command_prefix()} auth token --role admin -q)`), "
            f"or OBSERVATORY_DATA_DIR to the data dir of `observatory up`"
        )
    if response.status_code >= 400:
        problems = "\n  ".join(body.get("problems", []))
        detail = body.get("detail", response.text)
        raise click.ClickException(f"{detail}\n  {problems}".rstrip())
    return body


def api_options(func: F) -> F:
    """``--url``, ``--port`` and ``--actor`` of commands that change things through the API.

    Changes are recorded with who made them: the token's subject (``OBSERVATORY_TOKEN``, else
    the admin token ``up`` saved), or ``--actor`` when authentication is off."""
    func = click.option(
        "--actor", default=None,
        help="Who is making the change, when authentication is off (otherwise the caller's "
        "token names them). The token: OBSERVATORY_TOKEN, else the one `up` saved.",
    )(func)  # fmt: skip
    func = click.option("--url", default=None, help="Observatory's base URL.")(func)
    return port_option(func)


def send_as(method: str, path: str, url: str | None, port: int | None, actor: str | None,
            **kwargs: Any) -> dict[str, Any]:  # fmt: skip
    """``call_api`` naming ``actor`` (``api_options``' ``--actor``) when there is one."""
    headers = {"Observatory-Actor": actor} if actor else {}
    return call_api(method, path, url=url, port=port, headers=headers, **kwargs)
