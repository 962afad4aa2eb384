"""The contract between a reaction and the process that runs it.

A reaction follows something in order and causes effects (commands, messages, posts). Each
shows its runner:

- ``name``: its tracking — the row of ``projection_positions`` it moves (``infra.tracking``)
  when it follows the log, the durable JetStream consumer that acknowledges for it when it
  follows the stream;
- ``follows``: ``"log"`` (the event log, in position order) or ``"stream"`` (the public NATS
  stream the relay fills);
- ``run(stop)``: follows and acts until ``stop`` is set. An outage is logged, backed off and
  reconnected, never raised; a stale batch (``infra.tracking.StalePositionError``: another
  runner moved the position first) is dropped and the position re-read.

Its process starts it on a thread (``start``) and stops it by setting ``stop``, then joining.

The policies (``when_<event>_<reaction>``) are written in two halves and run by the projector
machinery (``workers.projector.ProjectionWorker``, itself a ``Reaction``): a pure
``changes(events)`` and an effect side (``position``, ``apply``, ``reset``, ``close``) that acts
and moves its position in one transaction, refusing a batch that does not start there.
"""

from __future__ import annotations

import threading
from typing import Literal, Protocol

Follows = Literal["log", "stream"]


class Reaction(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def follows(self) -> Follows: ...
    def run(self, stop: threading.Event) -> None: ...


def start(reaction: Reaction, stop: threading.Event) -> threading.Thread:
    """Runs ``reaction`` on a thread named after it until ``stop`` is set (then join it)."""
    thread = threading.Thread(target=reaction.run, args=(stop,), name=reaction.name)
    thread.start()
    return thread
