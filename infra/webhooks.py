"""Incoming webhooks of chat tools (Slack, Discord): where alerts go, and posting to them.

Destinations come from settings (``OBSERVATORY_NOTIFY_WEBHOOKS``), per tenant and minimum
severity. Posting raises ``WebhookError`` for anything but a 2xx, so the caller (a dramatiq
actor) retries with backoff; a 4xx other than 429 is a configuration error and not retried.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

SEVERITIES = ("info", "warning", "critical")
KINDS = ("slack", "discord")


class WebhookConfigError(ValueError):
    """OBSERVATORY_NOTIFY_WEBHOOKS is not a valid list of destinations."""


class WebhookError(RuntimeError):
    """A post failed; ``retry`` says whether trying again can help."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


@dataclass(frozen=True)
class Destination:
    tenant: str
    min_severity: str
    kind: str
    url: str

    @property
    def name(self) -> str:
        """Stable and secret-free (the URL holds the secret): for logs and idempotency keys."""
        import hashlib

        return f"{self.kind}:{hashlib.sha256(self.url.encode()).hexdigest()[:12]}"

    def wants(self, tenant: str, severity: str) -> bool:
        return self.tenant == tenant and SEVERITIES.index(severity) >= SEVERITIES.index(
            self.min_severity
        )


def parse_destinations(raw: str | None) -> list[Destination]:
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as error:
        raise WebhookConfigError(f"OBSERVATORY_NOTIFY_WEBHOOKS is not JSON: {error}") from None
    if not isinstance(items, list):
        raise WebhookConfigError("OBSERVATORY_NOTIFY_WEBHOOKS must be a JSON list")
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise WebhookConfigError(f"destination {i} must be an object")
        tenant, severity = item.get("tenant"), item.get("min_severity", "warning")
        kind, url = item.get("kind"), item.get("url")
        if not isinstance(tenant, str) or not tenant:
            raise WebhookConfigError(f"destination {i}: `tenant` is required")
        if severity not in SEVERITIES:
            raise WebhookConfigError(f"destination {i}: `min_severity` must be one of {SEVERITIES}")
        if kind not in KINDS:
            raise WebhookConfigError(f"destination {i}: `kind` must be slack or discord")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise WebhookConfigError(f"destination {i}: `url` must be an http(s) URL")
        found.append(Destination(tenant, severity, kind, url))
    return found


def body_for(kind: str, text: str) -> dict[str, Any]:
    """The JSON each tool's incoming webhook expects."""
    if kind == "slack":
        return {"text": text}
    return {"content": text[:2000]}  # Discord caps a message at 2,000 characters


def post(destination: Destination, text: str, timeout: float) -> None:
    try:
        response = httpx.post(destination.url, json=body_for(destination.kind, text),
                              timeout=timeout)  # fmt: skip
    except httpx.HTTPError as error:
        raise WebhookError(f"{destination.name}: {type(error).__name__}", retry=True) from None
    if response.is_success:
        return
    retry = response.status_code >= 500 or response.status_code == 429
    raise WebhookError(f"{destination.name}: HTTP {response.status_code}", retry=retry)
