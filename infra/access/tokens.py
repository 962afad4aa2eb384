"""Bearer tokens: minted with a local Ed25519 key, or issued by an OIDC provider.

Local mode (the embedded default): Observatory signs JWTs itself. The signing key is a JWK
read from settings (or Vault), else kept in ``data_dir/auth/signing.jwk`` (0600, created on
first use). OIDC mode: tokens from the identity provider, checked against its JWKS (fetched
from ``oidc_jwks_url`` and fetched again when a token names a key id we have not seen, at most
every ``oidc_jwks_refresh_seconds``).

Either way a token must carry ``iss``, ``aud``, ``sub``, ``exp`` and a tenant; the clock skew
allowed on ``exp``/``nbf``/``iat`` is ``token_leeway_seconds``. Roles come from the roles claim
(a list, or a space-separated string); unknown roles are ignored.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from infra.access.errors import CredentialsRejectedError
from infra.access.principal import Principal, Role, parse_roles
from infra.settings import Settings

LOCAL_ALGORITHM = "Ed25519"
OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"]


def signing_key_path(settings: Settings) -> Path:
    return settings.data_dir / "auth" / "signing.jwk"


def load_signing_key(settings: Settings, *, create: bool = True) -> OKPKey:
    """The local signing key (from settings, or the data dir, created the first time)."""
    if settings.signing_key:
        return OKPKey.import_key(json.loads(settings.signing_key))
    path = signing_key_path(settings)
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no signing key at {path}; run `observatory up` once")
        key = OKPKey.generate_key(
            "Ed25519", parameters={"kid": uuid.uuid4().hex[:16], "use": "sig",
                                   "alg": LOCAL_ALGORITHM},
        )  # fmt: skip
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(json.dumps(key.as_dict(private=True)))
    return OKPKey.import_key(json.loads(path.read_text()))


class TokenSigner:
    """Mints local tokens."""

    def __init__(self, key: OKPKey, issuer: str, audience: str) -> None:
        self._key = key
        self.issuer = issuer
        self.audience = audience

    def issue(
        self,
        subject: str,
        tenant_id: str,
        roles: list[Role] | tuple[Role, ...],
        ttl: timedelta,
        *,
        now: float | None = None,
        teams: list[str] | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        claims: dict[str, object] = {
            "iss": self.issuer, "aud": self.audience, "sub": subject, "tenant": tenant_id,
            "roles": [r.value for r in roles], "iat": issued, "nbf": issued,
            "exp": issued + int(ttl.total_seconds()), "jti": uuid.uuid4().hex,
        }  # fmt: skip
        if teams:
            claims["teams"] = list(teams)
        header = {"alg": LOCAL_ALGORITHM, "kid": self._key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key, algorithms=[LOCAL_ALGORITHM])

    def public_keys(self) -> KeySet:
        return KeySet([OKPKey.import_key(self._key.as_dict(private=False))])

    def sign(self, data: bytes) -> str:
        """A JWS (compact) over ``data``: audit checkpoints and export manifests."""
        header = {"alg": LOCAL_ALGORITHM, "kid": self._key.kid}
        return jws.serialize_compact(header, data, self._key, algorithms=[LOCAL_ALGORITHM])

    def signed(self, data: bytes, signature: str) -> bool:
        """True if ``signature`` is this key's JWS over exactly ``data``."""
        try:
            found = jws.deserialize_compact(
                signature, self.public_keys(), algorithms=[LOCAL_ALGORITHM]
            )
        except (JoseError, ValueError):
            return False
        return found.payload == data


class JwksCache:
    """An identity provider's published keys, fetched again when an unknown key id shows up."""

    def __init__(
        self,
        url: str,
        fetch: Callable[[str], dict[str, Any]] | None = None,
        min_interval: float = 30.0,
    ) -> None:
        self._url = url
        self._min_interval = min_interval
        self._fetch = fetch or _fetch_json
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def keys(self, kid: str | None) -> KeySet:
        with self._lock:
            keys = self._keys
            if keys is not None and (
                kid is None
                or any(k.kid == kid for k in keys.keys)
                or time.monotonic() - self._fetched_at < self._min_interval
            ):
                return keys
            try:
                keys = KeySet.import_key_set(self._fetch(self._url))  # type: ignore[arg-type]
            except (OSError, ValueError, JoseError) as error:
                if keys is None:
                    raise CredentialsRejectedError(
                        f"cannot fetch the identity provider's keys from {self._url}: {error}"
                    ) from None
            else:
                self._keys = keys
            self._fetched_at = time.monotonic()
            return keys


def _fetch_json(url: str) -> dict[str, Any]:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {url}")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above
        value: dict[str, Any] = json.loads(response.read(1_000_000))
        return value


class TokenVerifier:
    """Checks a bearer JWT and turns it into a ``Principal``."""

    def __init__(
        self,
        keys: Callable[[str | None], KeySet],
        *,
        issuer: str,
        audience: str,
        leeway: int,
        algorithms: list[str],
        tenant_claim: str = "tenant",
        roles_claim: str = "roles",
        cache_size: int = 10_000,
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._algorithms = algorithms
        self._tenant_claim = tenant_claim
        self._roles_claim = roles_claim
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """A token verified before and not expired yet (skips the signature check)."""
        with self._lock:
            hit = self._cache.get(token)
        if hit is None or hit[1] + self._leeway < time.time():
            return None
        return hit[0]

    def verify(self, token: str) -> Principal:
        try:
            decoded = jwt.decode(
                token,
                lambda guest: self._keys(guest.headers().get("kid")),
                algorithms=self._algorithms,
            )
            jwt.JWTClaimsRegistry(
                leeway=self._leeway,
                iss={"essential": True, "value": self._issuer},
                aud={"essential": True, "value": self._audience},
                sub={"essential": True},
                exp={"essential": True},
            ).validate(decoded.claims)
        except JoseError as error:
            raise CredentialsRejectedError(_explain(error)) from None
        except (ValueError, IndexError):
            raise CredentialsRejectedError("the bearer token is not a JWT") from None
        claims = decoded.claims
        tenant = claims.get(self._tenant_claim)
        if not isinstance(tenant, str) or not tenant:
            raise CredentialsRejectedError(f"the token has no {self._tenant_claim!r} claim")
        teams = claims.get("teams")
        principal = Principal(
            str(claims["sub"]), tenant, parse_roles(claims.get(self._roles_claim)), "token",
            frozenset(t for t in teams if isinstance(t, str)) if isinstance(teams, list)
            else frozenset(),
        )  # fmt: skip
        with self._lock:
            self._cache[token] = (principal, float(claims["exp"]))
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return principal


def _explain(error: JoseError) -> str:
    text = str(error)
    if "expired" in text:
        return "the token has expired; get a new one (observatory auth token)"
    if "aud" in text:
        return "the token is for another audience"
    if "iss" in text:
        return "the token is from another issuer"
    return f"the token cannot be accepted: {text}"


def verifier_for(settings: Settings) -> TokenVerifier:
    """The verifier the settings ask for (local key, or the OIDC provider's JWKS)."""
    if settings.auth_mode == "oidc":
        if not settings.oidc_issuer or not settings.oidc_jwks_url:
            raise ValueError("oidc mode needs OBSERVATORY_OIDC_ISSUER and _OIDC_JWKS_URL")
        cache = JwksCache(settings.oidc_jwks_url, min_interval=settings.oidc_jwks_refresh_seconds)
        return TokenVerifier(
            cache.keys, issuer=settings.oidc_issuer, audience=settings.token_audience,
            leeway=settings.token_leeway_seconds, algorithms=OIDC_ALGORITHMS,
            tenant_claim=settings.oidc_tenant_claim, roles_claim=settings.oidc_roles_claim,
        )  # fmt: skip
    public = signer_for(settings).public_keys()
    return TokenVerifier(
        lambda _kid: public, issuer=settings.token_issuer, audience=settings.token_audience,
        leeway=settings.token_leeway_seconds, algorithms=[LOCAL_ALGORITHM],
    )  # fmt: skip


def signer_for(settings: Settings) -> TokenSigner:
    return TokenSigner(load_signing_key(settings), settings.token_issuer, settings.token_audience)
