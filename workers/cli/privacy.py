"""``observatory privacy erase``: crypto-shred a session's personal data (admins)."""

from __future__ import annotations

import sys
from urllib.parse import quote

import click

from workers.cli.common import call_api, port_option, token_option


@click.group()
def privacy() -> None:
    """Personal data: erase a session's sealed originals for good."""


@privacy.command()
@click.option("--session", "session_id", required=True, help="The session (Claude Code's id).")
@click.option("--reason", default="", help="Why (recorded in the audit log), e.g. a ticket.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--url", default=None, help="Observatory's base URL.")
@port_option
@token_option
def erase(session_id: str, reason: str, yes: bool, url: str | None, port: int | None,
          token: str | None) -> None:  # fmt: skip
    """Destroy the session's data key and record an Erased event.

    The personal data and secrets found in the session (sealed with that key) can never be
    read again, by anyone; the redacted events and every hash chain stay intact, so
    `observatory audit verify` still passes. This cannot be undone.
    """
    if not yes:
        click.confirm(f"Erase the personal data of session {session_id} for good?", abort=True)
    body = call_api(
        "POST", f"/v1/privacy/sessions/{quote(session_id, safe='')}/erase", url=url, port=port,
        token=token, json={"reason": reason},
    )  # fmt: skip
    if body.get("already_erased"):
        click.echo(f"Session {session_id} was erased before; nothing more to do.")
    elif body.get("key_destroyed"):
        click.echo(f"Erased session {session_id}: its data key is destroyed "
                   f"(recorded at position {body['position']}).")  # fmt: skip
    else:
        click.echo(f"Session {session_id} had no sealed personal data; erasure recorded "
                   f"at position {body['position']}.")  # fmt: skip


@privacy.command()
@click.option("--limit", type=int, default=20, show_default=True, help="Findings to print.")
def scan(limit: int) -> None:
    """Look for personal data or secrets left in the clear in every store.

    Walks everything each registered store holds (see docs/security.md) with the same
    detectors ingest uses. Sealed originals are ciphertext and never match. Exits 1 if
    anything is found.
    """
    from domain.privacy.detectors import find
    from workers.analytics import close_clickhouse
    from workers.cli.common import load_settings, resolve_database
    from workers.inventory import STORES

    settings = load_settings()
    url = resolve_database(settings)
    records = found = 0
    try:
        for store in STORES.values():
            click.echo(f"Scanning {store.name} ({store.description}) …", err=True)
            for where, text in store.dump(settings, url):
                records += 1
                kinds = sorted({f.kind for f in find(text) if f.kind != "bidi"})
                if kinds:
                    found += 1
                    if found <= limit:
                        click.echo(f"  {where}: {', '.join(kinds)}")
    finally:
        close_clickhouse()
    click.echo(f"Scanned {records} records in {len(STORES)} stores: "
               f"{found or 'no'} records hold personal data or secrets in the clear.")  # fmt: skip
    if found:
        sys.exit(1)
