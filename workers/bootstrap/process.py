"""What every long-running role does first: structured logging, and its metrics port."""

from __future__ import annotations

from infra.logging import configure_logging
from infra.settings import Settings


def start_process(settings: Settings, *, worker_metrics: bool = False) -> None:
    """Configures logging from the settings; a worker role (``worker_metrics``) also serves
    its Prometheus metrics on ``worker_metrics_port``, when one is configured."""
    configure_logging(settings.log_format, settings.log_level)
    if worker_metrics:
        from infra.metrics import serve_worker_metrics

        serve_worker_metrics(settings.host, settings.worker_metrics_port)
