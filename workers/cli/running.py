"""What a running ``observatory up`` tells other terminals: ``<data_dir>/run/stack.json``.

``up`` starts embedded Valkey and NATS on ports of its choosing; a command in another
terminal (same data dir) would otherwise not know them and report live state as "store not
configured". So ``up`` records its pid and the URLs of the embedded servers it started, and
CLI commands fill ``OBSERVATORY_REDIS_URL`` / ``OBSERVATORY_NATS_URL`` from the record when
they are unset (what the environment says always wins).

Invariants: the record is written once the servers answer and removed when ``up`` stops
cleanly; a record whose process is gone (``kill -9``, a reboot) is ignored, never trusted.
It is 0600 in the data dir, like the keys.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.settings import Settings

RECORD = Path("run") / "stack.json"


@dataclass(frozen=True)
class RunningStack:
    """The servers of one live ``observatory up``."""

    pid: int
    redis_url: str | None
    nats_url: str | None


@contextlib.contextmanager
def recorded(data_dir: Path, *, redis_url: str | None, nats_url: str | None) -> Iterator[None]:
    """Keeps the record while the block runs (``up`` serving)."""
    path = data_dir / RECORD
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    record = {"pid": os.getpid(), "redis_url": redis_url, "nats_url": nats_url}
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(record, handle)
    temporary.replace(path)
    try:
        yield
    finally:
        found = running_stack(data_dir)
        if found is not None and found.pid == os.getpid():  # never another up's record
            path.unlink(missing_ok=True)


def running_stack(data_dir: Path) -> RunningStack | None:
    """The record of the ``up`` running with this data dir, or None (none, or it died)."""
    try:
        record = json.loads((data_dir / RECORD).read_text())
        stack = RunningStack(int(record["pid"]), record.get("redis_url"), record.get("nats_url"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stack if _alive(stack.pid) else None


def with_running_stack(settings: Settings) -> Settings:
    """``settings`` with the running ``up``'s Valkey and NATS where none is configured."""
    if settings.redis_url and settings.nats_url:
        return settings
    stack = running_stack(settings.data_dir)
    if stack is None:
        return settings
    return settings.replace(
        redis_url=settings.redis_url or stack.redis_url,
        nats_url=settings.nats_url or stack.nats_url,
    )


def not_configured(settings: Settings, variable: str) -> str:
    """Why a store is missing, for a command that needs it: says whether ``up`` runs."""
    stack = running_stack(settings.data_dir)
    if stack is None:
        return (f"store not configured: {variable} is unset and `observatory up` is not "
                f"running with data dir {settings.data_dir}")  # fmt: skip
    return (f"store not configured: {variable} is unset, and `observatory up` (pid "
            f"{stack.pid}) uses one it did not start: set {variable} as for `up`")  # fmt: skip


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, another user's
    return True
