"""``observatory auth token`` and ``observatory auth keys create|list|revoke|rotate``.

These commands bootstrap access, so they cannot depend on having it: they act on the database
and the signing key directly (whoever holds those is an administrator already). Each is
recorded in the audit log with the operating-system user who ran it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from workers.cli.common import (
    cli_actor,
    load_settings,
    parse_duration,
    resolve_database,
)

if TYPE_CHECKING:
    from commands.access.service import AccessDesk
    from infra.settings import Settings

ROLES = ("agent", "viewer", "operator", "auditor", "admin")


def access_desk(settings: Settings) -> AccessDesk:
    from commands.access.service import AccessDesk
    from infra.database import eventsourcing_env

    url = resolve_database(settings)
    return AccessDesk(eventsourcing_env(url, settings.database_schema, 1))


def mint_token(
    settings: Settings, roles: list[str], tenant: str, subject: str, ttl: timedelta, actor: str
) -> str:
    """Signs a token with the local key and records that it was issued (never the token)."""
    from infra.access.principal import Role
    from infra.access.tokens import signer_for

    if settings.auth_mode == "oidc":
        raise click.ClickException(
            "OBSERVATORY_AUTH_MODE is oidc: tokens come from your identity provider"
        )
    token = signer_for(settings).issue(subject, tenant, [Role(r) for r in roles], ttl)
    desk = access_desk(settings)
    try:
        detail = {"roles": sorted(roles), "ttl_seconds": int(ttl.total_seconds())}
        desk.record_action(tenant, actor, "token.issued", subject, detail)
    finally:
        desk.close()
    return token


@click.group()
def auth() -> None:
    """Tokens and API keys (see docs/security.md)."""


@auth.command()
@click.option("--role", "roles", type=click.Choice(ROLES), multiple=True, required=True,
              help="Role(s) the token grants; repeat for several.")  # fmt: skip
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--subject", default=None, help="Who the token is for (recorded as the actor).")
@click.option("--ttl", default="8h", show_default=True, help="Lifetime: 15m, 8h, 30d…")
@click.option("--quiet", "-q", is_flag=True, help="Print the token only.")
def token(roles: tuple[str, ...], tenant: str | None, subject: str | None, ttl: str,
          quiet: bool) -> None:  # fmt: skip
    """Mint a bearer token signed with the local key."""
    settings = load_settings()
    tenant = tenant or settings.tenant
    lifetime = parse_duration(ttl)
    minted = mint_token(settings, list(roles), tenant, subject or cli_actor(), lifetime,
                        cli_actor())  # fmt: skip
    if quiet:
        click.echo(minted)
        return
    click.echo(f"Token for {', '.join(roles)} in tenant {tenant!r}, valid for {ttl}:", err=True)
    click.echo(minted)
    click.echo(
        "Send it as `Authorization: Bearer <token>` (or export OBSERVATORY_TOKEN).", err=True
    )


@auth.group()
def keys() -> None:
    """API keys: what hooks (agents) authenticate with."""


@keys.command()
@click.option("--name", default="agent", show_default=True, help="A label (team, machine…).")
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--expires-in", default=None, help="Lifetime (e.g. 90d) [default: no expiry].")
@click.option("--quiet", "-q", is_flag=True, help="Print the key only.")
def create(name: str, role: str, tenant: str | None, expires_in: str | None, quiet: bool) -> None:
    """Issue a key (shown once: store it now)."""
    settings = load_settings()
    tenant = tenant or settings.tenant
    expires = datetime.now(UTC) + parse_duration(expires_in) if expires_in else None
    desk = access_desk(settings)
    try:
        issued = desk.issue_key(tenant, name, role, cli_actor(), expires)
    finally:
        desk.close()
    if quiet:
        click.echo(issued.key)
        return
    click.echo(f"Key {issued.key_id} ({role}, tenant {tenant!r}); it is shown only now:", err=True)
    click.echo(issued.key)
    click.echo("Hooks send it as `Authorization: Bearer $OBSERVATORY_KEY`.", err=True)


@keys.command("list")
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--all", "show_all", is_flag=True, help="Include revoked keys.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_keys(tenant: str | None, show_all: bool, as_json: bool) -> None:
    """Keys of a tenant (ids and names; secrets are never stored)."""
    from commands.access.follower import KeyFollower

    settings = load_settings()
    tenant = tenant or settings.tenant
    desk = access_desk(settings)
    try:
        book = KeyFollower(desk)
        book.catch_up()
        found = [k for k in book.keys(tenant) if show_all or not k.revoked]
    finally:
        desk.close()
    rows: list[dict[str, Any]] = [
        {"key_id": k.key_id, "name": k.name, "role": k.role, "issued_at": k.issued_at.isoformat(),
         "issued_by": k.issued_by, "expires_at": k.expires_at.isoformat() if k.expires_at else None,
         "revoked": k.revoked}
        for k in found
    ]  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"No keys in tenant {tenant!r}. Create one: observatory auth keys create")
        return
    for row in rows:
        state = "revoked" if row["revoked"] else f"expires {row['expires_at'] or 'never'}"
        click.echo(f"{row['key_id']}  {row['role']:<8} {row['name']:<20} issued "
                   f"{row['issued_at'][:19]} by {row['issued_by']}  {state}")  # fmt: skip


@keys.command()
@click.argument("key_id")
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--reason", default="revoked from the command line", show_default=True)
def revoke(key_id: str, tenant: str | None, reason: str) -> None:
    """Revoke a key: API processes refuse it within a second."""
    from commands.access.service import KeyNotFoundError
    from domain.access.api_keys import KeyRevokedError

    settings = load_settings()
    desk = access_desk(settings)
    try:
        desk.revoke_key(tenant or settings.tenant, key_id, reason, cli_actor())
    except (KeyNotFoundError, KeyRevokedError) as error:
        raise click.ClickException(str(error)) from None
    finally:
        desk.close()
    click.echo(f"Revoked {key_id}.")


@keys.command()
@click.argument("key_id")
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--quiet", "-q", is_flag=True, help="Print the new key only.")
def rotate(key_id: str, tenant: str | None, quiet: bool) -> None:
    """Issue a replacement (same name and role) and revoke the old key."""
    from commands.access.service import KeyNotFoundError

    settings = load_settings()
    desk = access_desk(settings)
    try:
        issued = desk.rotate_key(tenant or settings.tenant, key_id, cli_actor())
    except KeyNotFoundError as error:
        raise click.ClickException(str(error)) from None
    finally:
        desk.close()
    if not quiet:
        click.echo(f"Key {key_id} revoked; its replacement {issued.key_id}:", err=True)
    click.echo(issued.key)
