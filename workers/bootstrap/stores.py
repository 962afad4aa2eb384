"""The event store every worker role reads the log from."""

from __future__ import annotations

from commands.store.application import EventStoreApplication
from infra.database import eventsourcing_env
from infra.settings import Settings


def event_store(settings: Settings, url: str, pool_size: int = 2) -> EventStoreApplication:
    """The event store on ``url`` in the settings' schema; the caller closes it."""
    return EventStoreApplication(eventsourcing_env(url, settings.database_schema, pool_size))
