"""The ``relay`` role: the event log published to NATS JetStream."""

from __future__ import annotations

from dataclasses import dataclass

from commands.reactions.relay.worker import RelayWorker
from commands.store.application import EventStoreApplication
from infra.settings import Settings
from workers.bootstrap.stores import event_store


@dataclass
class Relay:
    """A relay worker and the event store it reads; ``close`` once it has stopped."""

    store: EventStoreApplication
    worker: RelayWorker

    def close(self) -> None:
        self.store.close()


def relay(
    settings: Settings,
    url: str,
    *,
    batch_size: int = 1_000,
    store: EventStoreApplication | None = None,
) -> Relay:
    """Relays to ``settings.nats_url``; ``store`` defaults to one opened here."""
    events = store or event_store(settings, url)
    return Relay(events, RelayWorker(events, settings, url, batch_size=batch_size))
