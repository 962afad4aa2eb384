"""The ``score`` role: the ML scoring worker on the stream the relay fills, with the model code
(``ml``, which ``commands`` may not import) passed in here."""

from __future__ import annotations

from commands.reactions.scoring.worker import ScoringWorker
from infra.settings import Settings
from ml.inference import SessionModels


def scoring(settings: Settings, url: str, *, batch: int = 500) -> ScoringWorker:
    """Scores what arrives on ``settings.nats_url``; opens its stores when it runs."""
    models = SessionModels()
    return ScoringWorker(settings, url, models, batch=batch, burn=models)
