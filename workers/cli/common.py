"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Callable
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


def load_settings(**flags: Any) -> Settings:
    try:
        return Settings.from_env(**flags)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


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
