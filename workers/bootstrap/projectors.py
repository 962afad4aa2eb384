"""The ``project`` role: projection workers (one thread each), runners for a rebuild or a
status check, and the parking of poison events they share."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from commands.alerts.messages import ReportParkedEvent
from commands.alerts.service import AlertDesk
from commands.reactions.runner import start as start_reaction
from commands.store.application import EventStoreApplication
from commands.store.log_reader import LogReader
from infra.database import connect, eventsourcing_env
from infra.settings import Settings
from workers.bootstrap.projections import PROJECTIONS, ProjectionSpec
from workers.bootstrap.stores import event_store
from workers.parking import ParkedEvent, Parking
from workers.projector import ProjectionWorker, ProjectorRunner

if TYPE_CHECKING:
    from workers.analytics_server import AnalyticsServer

_readers: weakref.WeakKeyDictionary[EventStoreApplication, LogReader] = weakref.WeakKeyDictionary()


def _reader(store: EventStoreApplication) -> LogReader:
    """One log reader per event store object: the runners of a process share what it read
    and decoded (weakly held: a store that goes away takes its cached events with it)."""
    found = _readers.get(store)
    if found is None:
        found = _readers[store] = LogReader(store)
    return found


def parking(settings: Settings, url: str) -> Parking:
    """Parks poison events and raises their alerts (an AlertDesk opened at the first one)."""
    desks: list[AlertDesk] = []

    def alert(parked: ParkedEvent) -> None:
        if not desks:
            desks.append(AlertDesk(eventsourcing_env(url, settings.database_schema, 1)))
        desks[0].report_parked_event(
            ReportParkedEvent(
                tenant_id=parked.tenant_id, session_id=parked.session_id,
                projection=parked.projection, position=parked.position,
                event_type=parked.event_type, stream_id=parked.stream_id,
                stream_version=parked.stream_version, error=parked.error,
                by=f"projector:{parked.projection}",
            )
        )  # fmt: skip

    return Parking(alert)


def worker(
    spec: ProjectionSpec, settings: Settings, url: str, store: EventStoreApplication
) -> ProjectionWorker:
    """A worker that leads or stands by, reconnecting on failure (``observatory project``)."""
    return ProjectionWorker(
        spec.name,
        store,
        spec.projection(),
        lambda conn: spec.view(conn, settings, url),
        url=url,
        schema=settings.database_schema,
        batch_size=settings.projector_batch,
        poll_seconds=settings.projector_poll_seconds,
        reader=_reader(store),
        mirror=spec.mirrored,
        parking=parking(settings, url),
    )


def runner(
    spec: ProjectionSpec,
    settings: Settings,
    url: str,
    store: EventStoreApplication,
    *,
    parked: bool = True,
) -> tuple[ProjectorRunner, psycopg.Connection[Any]]:
    """A runner on its own connection (for rebuilds and status); the caller closes it.
    Without ``parked`` a poison event stops the runner (tests that drive it themselves)."""
    conn = connect(url, settings.database_schema, autocommit=True)
    return (
        ProjectorRunner(
            spec.name, store, spec.projection(), spec.view(conn, settings, url),
            batch_size=settings.projector_batch,
            parking=(parking(settings, url), conn) if parked else None,
        ),
        conn,
    )  # fmt: skip


@dataclass
class ProjectorSet:
    """Projection workers on one event store, a thread each, and (``up``) the server that
    answers the API's analytics queries from this process's chDB."""

    settings: Settings
    store: EventStoreApplication
    workers: dict[str, ProjectionWorker]
    analytics_socket: str | None = None
    threads: list[threading.Thread] = field(default_factory=list)
    _server: AnalyticsServer | None = None

    def start(self, stop: threading.Event) -> None:
        """Starts every worker until ``stop`` is set, then the analytics server."""
        self.threads = [start_reaction(w, stop) for w in self.workers.values()]
        if self.analytics_socket:
            from workers.analytics import clickhouse
            from workers.analytics_server import AnalyticsServer

            self._server = AnalyticsServer(self.analytics_socket, clickhouse().get(self.settings))

    def wait(self) -> None:
        """Blocks until every worker has stopped, then closes what the set holds."""
        for thread in self.threads:
            thread.join()
        if self._server is not None:
            self._server.close()
        self.store.close()


def projector_set(
    settings: Settings,
    url: str,
    names: Sequence[str] = (),
    *,
    analytics_socket: str | None = None,
    store: EventStoreApplication | None = None,
) -> ProjectorSet:
    """The workers of ``names`` (default: every projection whose store is configured) on
    ``store`` (default: one opened here); the set closes the store when it stops."""
    chosen = names or [n for n, spec in PROJECTIONS.items() if spec.enabled(settings)]
    events = store or event_store(settings, url)
    workers = {name: worker(PROJECTIONS[name], settings, url, events) for name in chosen}
    return ProjectorSet(settings, events, workers, analytics_socket)
