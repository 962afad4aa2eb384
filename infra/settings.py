"""Settings: every knob Observatory reads from its environment, as one frozen dataclass.

Each field ``name`` is read from ``OBSERVATORY_<NAME>`` (``port`` from ``OBSERVATORY_PORT``).
Nothing reads the environment at import time: entry points call ``Settings.from_env()``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

PREFIX = "OBSERVATORY_"


def default_data_dir() -> Path:
    """Per-user data dir; ``/var/lib/observatory`` for root (never opens up /root)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/observatory")
    return Path(platformdirs.user_data_dir("observatory", appauthor=False))


class SettingsError(ValueError):
    """An ``OBSERVATORY_*`` variable has a value we cannot use."""


@dataclass(frozen=True)
class Settings:
    """Observatory's configuration (see ``docs/configuration.md``)."""

    database_url: str | None = None
    """PostgreSQL URL of the event store and read models; unset = embedded server in data_dir."""
    database_schema: str = "observatory"
    """Schema holding every Observatory table (lets several instances share a database)."""
    data_dir: Path = field(default_factory=default_data_dir)
    """Where the embedded servers keep their data and ``up`` saves the admin token and agent
    key; other terminals need the same one to find them."""
    host: str = "127.0.0.1"
    """Address the HTTP APIs listen on."""
    port: int = 8470
    """Port of the HTTP APIs (hooks, GraphQL, metrics)."""
    otlp_grpc_port: int = 4317
    """Port of the OTLP/gRPC receiver (logs, and every other OTLP signal served over HTTP),
    on the same host address; 0 = not served (OTLP/HTTP stays on the HTTP port)."""
    otlp_grpc_reuse_port: bool = False
    """Let several processes of this host listen on the OTLP/gRPC port, the kernel spreading
    connections among them (``serve --workers N`` sets it; otherwise a port in use is an error)."""
    tenant: str = "default"
    """Tenant that unauthenticated ingest is recorded under."""
    max_body_bytes: int = 2 * 1024 * 1024
    """Largest request body accepted; larger bodies get 413."""
    max_json_depth: int = 64
    """Deepest JSON nesting accepted in a body."""
    http_header_timeout_seconds: float = 10.0
    """Seconds to send a request's line and headers, else 408 and the connection closes."""
    http_body_timeout_seconds: float = 30.0
    """Seconds to send a whole request body after its headers, else 408 and close."""
    http_max_header_bytes: int = 64 * 1024
    """Largest request line plus headers accepted; larger get 431 and the connection is closed."""
    screen_budget_ms: float = 1000.0
    """Longest time screening one request for personal data may take; a value not screened
    by then is sealed and stored as ``[REDACTED:unscreened]`` (the hook is still recorded)."""
    screen_workers: int = 1
    """Processes per API process that screen large bodies, off the event loop."""
    ingest_max_batch: int = 500
    """Most records committed in one transaction (a hook is one, an OTLP export one per record)."""
    ingest_linger_ms: float = 0.0
    """How long the writer waits to grow a small batch (0 = commit as soon as idle)."""
    ingest_max_queue: int = 20_000
    """Requests waiting for a commit before new ones get 503."""
    gil_switch_interval_ms: float = 0.5
    """Python's thread switch interval in API processes (default 5 ms delays the writer)."""
    ingest_socket: str | None = None
    """Unix socket of this host's ingest writer (``serve --workers N`` sets it)."""
    pool_size: int = 4
    """PostgreSQL connections per process."""
    projector_batch: int = 1_000
    """Events a projector applies per transaction."""
    projector_poll_seconds: float = 0.5
    """Fallback poll interval of projectors (LISTEN/NOTIFY wakes them sooner)."""
    min_position_timeout_seconds: float = 5.0
    """How long a read waits for ``minPosition`` before answering that it is not there yet."""
    log_format: str = "console"
    """``console`` (human) or ``json`` (one object per line)."""
    log_level: str = "info"
    """debug, info, warning or error."""
    public_url: str | None = None
    """URL that agents use to reach the API (defaults to http://host:port)."""
    auth_mode: str = "local"
    """``local`` (tokens signed by Observatory), ``oidc`` (an identity provider's JWTs), or
    ``insecure`` (no authentication; every caller is an admin: development only)."""
    token_issuer: str = "observatory"  # noqa: S105 - a name, not a secret
    """``iss`` of local tokens (and the expected issuer unless oidc_issuer is set)."""
    token_audience: str = "observatory"  # noqa: S105 - a name
    """``aud`` every token must carry."""
    token_leeway_seconds: int = 60
    """Clock skew tolerated on exp/nbf/iat."""
    signing_key: str | None = None
    """Local token signing key (a JWK as JSON); unset = a file in data_dir/auth, or Vault."""
    oidc_issuer: str | None = None
    """OIDC issuer URL (``iss`` of accepted tokens)."""
    oidc_jwks_url: str | None = None
    """Where the issuer publishes its signing keys (JWKS)."""
    oidc_jwks_refresh_seconds: float = 30.0
    """Least time between two fetches of the JWKS (a token with an unknown key id refetches)."""
    oidc_tenant_claim: str = "tenant"
    """Claim that names the caller's tenant."""
    oidc_roles_claim: str = "roles"
    """Claim that lists the caller's roles (agent, viewer, operator, auditor, admin)."""
    master_key: str | None = None
    """Local master key wrapping data keys (base64 of 32 bytes); unset = a file in data_dir."""
    vault_url: str | None = None
    """OpenBao/Vault address; set to seal data keys with its transit engine and read secrets."""
    vault_token: str | None = None
    """Vault token (or set VAULT_TOKEN)."""
    vault_transit_mount: str = "transit"
    """Mount of the transit secrets engine."""
    vault_kv_mount: str = "secret"
    """Mount of the KV v2 engine holding Observatory's secrets."""
    vault_secrets_path: str | None = None
    """KV path with ``database_password``, ``signing_key`` and/or ``master_key``."""
    worker_metrics_port: int | None = None
    """Port on which ``observatory project`` and ``observatory relay`` serve Prometheus
    ``/metrics`` (position and lag); unset = not served (the API serves its own)."""
    metrics_retention_days: int = 30
    """Days of per-minute agent metrics kept (hourly rollups stay)."""
    redis_url: str | None = None
    """Redis for live state and pub/sub (``redis://host:6379/0``); unset = embedded Valkey in
    data_dir under ``observatory up`` (CLI commands with that data dir use it while up runs),
    no live state elsewhere."""
    redis_prefix: str = "observatory"
    """Prefix of every Redis key and channel (lets several instances share a Redis)."""
    nats_url: str | None = None
    """NATS with JetStream for the event stream (``nats://host:4222``); unset = embedded
    nats-server in data_dir under ``observatory up`` (CLI commands with that data dir use it
    while up runs), no relay elsewhere."""
    nats_stream: str = "OBSERVATORY"
    """JetStream stream the relay publishes the log to."""
    nats_subject_prefix: str = "observatory"
    """First token of every subject: ``<prefix>.<tenant>.<event>.v1``."""
    nats_duplicate_window_seconds: float = 7200.0
    """How long JetStream remembers message ids (a relay restarting within it sends no
    duplicates)."""
    notify_webhooks: str | None = None
    """Where alerts are posted: a JSON list of ``{"tenant", "min_severity" (info, warning,
    critical), "kind" (slack or discord), "url"}`` (the URLs are secrets: prefer Vault or a
    protected environment)."""
    notify_timeout_seconds: float = 5.0
    """How long one webhook post may take before it is retried."""
    clickhouse_url: str | None = None
    """ClickHouse server for analytics (``http://user:pass@host:8123``); unset = chDB (the
    in-process engine) in data_dir/clickhouse."""
    clickhouse_database: str = "observatory"
    """ClickHouse database holding the analytics tables."""
    analytics_socket: str | None = None
    """Unix socket where another process answers analytics queries from its chDB (set by
    ``up`` for its API: chDB lets one process hold its data path); unset = open it here."""
    usage_store: str = "postgres"
    """Where GraphQL ``usage`` reads: ``postgres`` (the hour and day rollups) or
    ``clickhouse`` (the ``usage_analytics`` projection: every call and its hourly rollup)."""
    audit_anchor_file: Path | None = None
    """Append-only file where ``audit verify`` anchors each signed checkpoint outside the
    database (keep it where database administrators cannot write); unset =
    data_dir/audit/anchors-<schema>.jsonl. With OBSERVATORY_NATS_URL set, NATS keeps a copy."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Reads ``OBSERVATORY_*`` variables; keyword overrides (CLI flags) win."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = environ.get(PREFIX + item.name.upper())
            if raw is not None and raw != "":
                values[item.name] = _parse(item.name, str(item.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        if self.log_format not in ("console", "json"):
            raise SettingsError("OBSERVATORY_LOG_FORMAT must be 'console' or 'json'")
        if min(self.http_header_timeout_seconds, self.http_body_timeout_seconds) <= 0:
            raise SettingsError("OBSERVATORY_HTTP_*_TIMEOUT_SECONDS must be positive")
        if self.http_max_header_bytes < 1024:
            raise SettingsError("OBSERVATORY_HTTP_MAX_HEADER_BYTES must be at least 1024")
        if not self.screen_budget_ms > 0:
            raise SettingsError("OBSERVATORY_SCREEN_BUDGET_MS must be more than 0, e.g. 1000")
        if self.screen_workers < 1:
            raise SettingsError("OBSERVATORY_SCREEN_WORKERS must be 1 or more")
        if not 0 < self.port < 65536:
            raise SettingsError("OBSERVATORY_PORT must be between 1 and 65535")
        if not 0 <= self.otlp_grpc_port < 65536:
            raise SettingsError("OBSERVATORY_OTLP_GRPC_PORT must be between 0 (off) and 65535")
        if not self.database_schema.isidentifier():
            raise SettingsError("OBSERVATORY_DATABASE_SCHEMA must be a plain SQL identifier")
        if self.usage_store not in ("postgres", "clickhouse"):
            raise SettingsError("OBSERVATORY_USAGE_STORE must be postgres or clickhouse")
        if self.auth_mode not in ("local", "oidc", "insecure"):
            raise SettingsError("OBSERVATORY_AUTH_MODE must be local, oidc or insecure")
        if self.auth_mode == "oidc" and not (self.oidc_issuer and self.oidc_jwks_url):
            raise SettingsError(
                "OBSERVATORY_AUTH_MODE=oidc needs OBSERVATORY_OIDC_ISSUER and "
                "OBSERVATORY_OIDC_JWKS_URL (the issuer's keys)"
            )

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _parse(name: str, annotation: str, raw: str) -> Any:
    try:
        if annotation.startswith("int"):
            return int(raw)
        if annotation.startswith("float"):
            return float(raw)
        if annotation.startswith("Path"):
            return Path(raw).expanduser()
        if annotation.startswith("bool"):
            return raw.strip().lower() in ("1", "true", "yes", "y", "on")
    except ValueError:
        raise SettingsError(
            f"{PREFIX}{name.upper()}={raw!r} is not a valid {annotation.split(maxsplit=1)[0]}"
        ) from None
    return raw
