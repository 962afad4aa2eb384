"""The ``score`` role: the ML scoring worker on the stream the relay fills."""

from __future__ import annotations

from infra.settings import Settings
from workers.ml_scoring import ScoringWorker


def scoring(settings: Settings, url: str, *, batch: int = 500) -> ScoringWorker:
    """Scores what arrives on ``settings.nats_url``; opens its stores when it runs."""
    return ScoringWorker(settings, url, batch=batch)
