"""The base of every Observatory service: one shared event log with one global order.

All services are named ``Observatory`` so eventsourcing gives them the same tables
(``observatory_events``, ``observatory_snapshots``): sessions, policies, interventions and
everything else the system decides share one notification sequence, the global position.

Configuration comes only from the ``env`` passed in (built from our settings by the entry
point): the process environment is deliberately not merged, so no stray ``POSTGRES_*`` or
``POSTGRES_ENABLE_DB_FUNCTIONS`` variable can change where or how we write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import ApplicationRecorder, Transcoder
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import Environment, EnvType

from commands.store.memory import InMemoryEventLog
from commands.store.transcoder import FastJSONTranscoder
from infra.database import eventsourcing_conninfo

STORE_NAME = "Observatory"
IN_MEMORY_ENV: dict[str, str] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


Owned = TypeVar("Owned")


class EventStoreApplication(Application[UUID]):
    name = STORE_NAME
    env: ClassVar[dict[str, str]] = {
        "APPLICATION_RECORDER_TOPIC": "commands.store.postgres:PostgresEventLog",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
    }
    is_snapshotting_enabled = True
    """Snapshots are taken by the writers themselves (see Ingestor), from state in memory."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.name = STORE_NAME

    def __init__(self, env: EnvType | None = None) -> None:
        env = env if env is not None else IN_MEMORY_ENV
        # eventsourcing creates its tables and types when an application starts; several
        # processes starting at once (serve --workers N) would race on PostgreSQL's catalog
        # ("tuple concurrently updated"). One at a time, per database.
        with _one_at_a_time(env):
            super().__init__(env)

    def owned(self, aggregate_id: UUID, kind: type[Owned], tenant_id: str,
              missing: Exception) -> Owned:  # fmt: skip
        """The aggregate, if it exists, is a ``kind`` and belongs to ``tenant_id``; otherwise
        raises ``missing`` (another tenant's aggregate is not found, never forbidden)."""
        try:
            found: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing from None
        if not isinstance(found, kind) or getattr(found, "tenant_id", None) != tenant_id:
            raise missing
        return found

    def construct_transcoder(self) -> Transcoder:
        transcoder = FastJSONTranscoder()  # reads what the default one writes, faster
        self.register_transcodings(transcoder)
        return transcoder

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        values = dict(type(self).env)
        if type(self).is_snapshotting_enabled or type(self).snapshotting_intervals:
            values["IS_SNAPSHOTTING_ENABLED"] = "y"
        values.update(env or {})
        return Environment(name, values)

    def construct_recorder(self) -> ApplicationRecorder:
        if isinstance(self.factory, POPOFactory):
            return InMemoryEventLog()
        return super().construct_recorder()

    def construct_snapshot_store(self) -> Any:
        store = super().construct_snapshot_store()
        if isinstance(self.recorder, InMemoryEventLog):
            self.recorder.snapshot_recorder = store.recorder
        return store


@contextlib.contextmanager
def _one_at_a_time(env: EnvType) -> Iterator[None]:
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres" or env.get("CREATE_TABLE") == "n":
        yield
        return
    import psycopg

    with psycopg.connect(eventsourcing_conninfo(env), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_LOCK,))


_CREATE_LOCK = 0x0B5E_7A71
"""Advisory lock held while an application creates the event tables."""
