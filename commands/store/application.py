"""The base of every Observatory service: one shared event log with one global order.

All services are named ``Observatory`` so eventsourcing gives them the same tables
(``observatory_events``, ``observatory_snapshots``): sessions, policies, interventions and
everything else the system decides share one notification sequence, the global position.

Configuration comes only from the ``env`` passed in (built from our settings by the entry
point): the process environment is deliberately not merged, so no stray ``POSTGRES_*`` or
``POSTGRES_ENABLE_DB_FUNCTIONS`` variable can change where or how we write.
"""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import Environment, EnvType

from commands.store.memory import InMemoryEventLog

STORE_NAME = "Observatory"
IN_MEMORY_ENV: dict[str, str] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


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
        super().__init__(env if env is not None else IN_MEMORY_ENV)

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
