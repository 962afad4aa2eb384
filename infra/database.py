"""PostgreSQL connections: one URL, turned into what each library wants.

- eventsourcing gets an ``env`` dict (``POSTGRES_*`` keys), never the process environment;
- read models use SQLAlchemy Core on the async psycopg driver;
- projectors and migrations use plain psycopg connections.

Every connection sets ``search_path`` to the Observatory schema, so SQL names tables plainly.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def conninfo(url: str) -> dict[str, Any]:
    """The parts of a PostgreSQL URL or DSN, with this machine's defaults filled in."""
    info: dict[str, Any] = dict(conninfo_to_dict(url))
    info.setdefault("host", "127.0.0.1")
    info.setdefault("port", "5432")
    info.setdefault("user", getpass.getuser())
    info.setdefault("dbname", info["user"])
    return info


def eventsourcing_env(url: str, schema: str, pool_size: int = 4) -> dict[str, str]:
    info = conninfo(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info["dbname"]),
        "POSTGRES_HOST": str(info["host"]),
        "POSTGRES_PORT": str(info["port"]),
        "POSTGRES_USER": str(info["user"]),
        # eventsourcing requires a password even under trust authentication.
        "POSTGRES_PASSWORD": str(info.get("password") or "unused"),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }


def eventsourcing_conninfo(env: Mapping[str, str]) -> str:
    """The connection string of the database an ``eventsourcing_env`` names."""
    return make_conninfo(
        host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"], password=env.get("POSTGRES_PASSWORD"),
        connect_timeout=env.get("POSTGRES_CONNECT_TIMEOUT", "10"),
    )  # fmt: skip


def connect(url: str, schema: str, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A plain psycopg connection whose ``search_path`` is the Observatory schema."""
    return psycopg.connect(
        make_conninfo(url, options=f"-c search_path={schema}"), autocommit=autocommit
    )


async def connect_async(url: str, schema: str) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        make_conninfo(url, options=f"-c search_path={schema}"), autocommit=True
    )


def create_read_engine(url: str, schema: str, pool_size: int = 4) -> AsyncEngine:
    """SQLAlchemy async engine (psycopg 3) for read-model queries."""
    info = conninfo(url)
    password = quote(str(info.get("password") or ""), safe="")
    user = quote(str(info["user"]), safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    host = str(info["host"])
    if host.startswith("/"):  # Unix socket directory
        sa_url = f"postgresql+psycopg://{credentials}/{info['dbname']}?host={quote(host)}"
    else:
        sa_url = f"postgresql+psycopg://{credentials}{host}:{info['port']}/{info['dbname']}"
    return create_async_engine(
        sa_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": f"-c search_path={schema}", "autocommit": False},
    )
