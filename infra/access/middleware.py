"""Authentication for every HTTP route, and the guards that check roles.

``Authorization: Bearer <credential>`` carries either a JWT (local or OIDC) or an API key
(``obs_<id>_<secret>``; also accepted as ``X-Api-Key``). The middleware attaches the caller
as ``request.user`` (a ``Principal``) or answers 401. Health, readiness, metrics and the
OpenAPI documents need no credentials; the GraphiQL page loads without them (its queries do
not). With ``auth_mode = insecure`` every caller is an admin of the default tenant: for
development only, and said loudly at start-up.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.access.api_keys import secret_digest, split_key
from infra.access.errors import CredentialsRejectedError, UnauthenticatedError
from infra.access.principal import PENDING, Principal, Role, parse_roles
from infra.access.tokens import TokenVerifier

# Litestar treats ``exclude`` entries as regular expressions searched anywhere in the path:
# anchor each one, or a rule named ``metrics-x`` would skip authentication (and its guards
# would then refuse even an admin). ``/schema`` keeps its sub-documents (openapi.json, …).
PUBLIC_PATHS = [r"^/healthz$", r"^/readyz$", r"^/metrics$", r"^/schema(/[^/]*)?$"]
REFRESH_SECONDS = 0.2


class KeyEntry(Protocol):
    @property
    def key_id(self) -> str: ...
    @property
    def tenant_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def secret_sha256(self) -> str: ...
    @property
    def revoked(self) -> bool: ...
    @property
    def expires_at(self) -> datetime | None: ...


class KeyBook(Protocol):
    def find(self, key_id: str) -> KeyEntry | None: ...
    def catch_up(self) -> int: ...


class Authenticator:
    def __init__(
        self,
        mode: str,
        *,
        default_tenant: str,
        verifier: TokenVerifier | None = None,
        keys: KeyBook | None = None,
    ) -> None:
        self.mode = mode
        self.default_tenant = default_tenant
        self.verifier = verifier
        self.keys = keys
        self._refreshed = 0.0

    async def authenticate(self, credential: str | None) -> Principal:
        if self.mode == "insecure":
            return Principal("anonymous", self.default_tenant, frozenset({Role.ADMIN}), "insecure")
        if not credential:
            raise UnauthenticatedError(
                "send `Authorization: Bearer <token or API key>`; see docs/security.md",
                error="invalid_request",
            )
        try:
            if credential.startswith("obs_"):
                return await self._key(credential)
            return await self._token(credential)
        except CredentialsRejectedError as error:
            raise UnauthenticatedError(str(error)) from None

    async def _token(self, credential: str) -> Principal:
        if self.verifier is None:
            raise CredentialsRejectedError("tokens are not accepted here")
        cached = self.verifier.cached(credential)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self.verifier.verify, credential)

    async def _key(self, credential: str) -> Principal:
        parts = split_key(credential)
        if parts is None or self.keys is None:
            raise CredentialsRejectedError("not an API key")
        entry = self.keys.find(parts[0])
        if entry is None and time.monotonic() - self._refreshed > REFRESH_SECONDS:
            # A key issued a moment ago works at once on every replica: read the log now
            # rather than wait for the notification (at most every REFRESH_SECONDS).
            self._refreshed = time.monotonic()
            await asyncio.to_thread(self.keys.catch_up)
            entry = self.keys.find(parts[0])
        if entry is None:
            raise CredentialsRejectedError("unknown API key")
        if not hmac.compare_digest(secret_digest(parts[1]), entry.secret_sha256):
            raise CredentialsRejectedError("unknown API key")
        if entry.revoked:
            raise CredentialsRejectedError(f"API key {entry.key_id} was revoked")
        if entry.expires_at is not None and entry.expires_at < datetime.now(UTC):
            raise CredentialsRejectedError(f"API key {entry.key_id} has expired")
        return Principal(f"key:{entry.key_id}", entry.tenant_id, parse_roles([entry.role]), "key")


class Headed(Protocol):
    """Anything with request headers: a Litestar connection, an ingest ``Call``."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def credential_of(connection: Headed) -> str | None:
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return None
    return connection.headers.get("x-api-key")


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        authenticator: Authenticator = connection.app.state.authenticator
        credential = credential_of(connection)
        if credential is None and _is_ide_page(connection):
            return AuthenticationResult(Principal("anonymous", "", frozenset(), "none"), None)
        if credential is None and _is_graphql_socket(connection):
            # Browsers cannot set headers on a WebSocket: the credential comes in the
            # graphql-transport-ws connection_init payload, checked before any subscription.
            return AuthenticationResult(Principal("anonymous", "", frozenset(), PENDING), None)
        principal = await authenticator.authenticate(credential)
        return AuthenticationResult(principal, credential)


def _is_graphql_socket(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return connection.scope.get("type") == ScopeType.WEBSOCKET and connection.url.path == "/graphql"


def _is_ide_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return (
        connection.scope.get("method") == "GET"
        and connection.url.path == "/graphql"
        and "text/html" in connection.headers.get("accept", "")
        and "query" not in connection.query_params
    )
