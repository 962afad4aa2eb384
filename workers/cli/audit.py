"""``observatory audit verify|replay|export|verify-export``: the compliance tools.

They read the event store directly (database credentials are an administrator's), so they
work while the API is down, and sign with Observatory's key (the local signing key: the
data dir, ``OBSERVATORY_SIGNING_KEY`` or Vault). What they do is recorded in the audit log.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from workers.cli.auth import access_desk
from workers.cli.common import cli_actor, load_settings


def _when(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: use ISO 8601, e.g. 2026-08-18T09:13:00Z") from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r}: say the time zone, e.g. 2026-08-18T09:13:00Z")
    return moment


@click.group()
def audit() -> None:
    """Prove what happened: verify the log, replay a session, export signed bundles."""


@audit.command()
@click.option("--session", "session_id", default=None, help="Check one session's stream only.")
@click.option("--tenant", default=None, help="Tenant of --session [default: OBSERVATORY_TENANT].")
@click.option("--no-checkpoint", is_flag=True,
              help="Do not record (nor anchor) a checkpoint after a clean full run.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(session_id: str | None, tenant: str | None, no_checkpoint: bool,
           as_json: bool) -> None:  # fmt: skip
    """Check every hash chain, version sequence, signed checkpoint and anchor of the log.

    Reports each altered, removed or inserted event it finds and exits 1 if there is any
    (2 if the log is intact but the anchor could not be written).
    A clean full run records a signed checkpoint of the whole log at its head and anchors it
    outside the database (OBSERVATORY_AUDIT_ANCHOR_FILE, and NATS when configured), so later
    runs also prove that nothing before it changed, even if checkpoint rows are deleted with
    the events (run it regularly, e.g. hourly).
    """
    from commands.audit.verifier import AuditVerifier, Problem, read_checkpoints
    from infra.access.tokens import signer_for
    from workers.audit_anchors import AnchorPlaces

    settings = load_settings()
    signer = signer_for(settings)
    places = AnchorPlaces.from_settings(settings)
    store = access_desk(settings)
    try:
        # Recorded first, so the checkpoint this run may write covers the record itself.
        store.record_action(settings.tenant, cli_actor(), "audit.verified",
                            session_id or "log", {})  # fmt: skip
        checkpoints = read_checkpoints(store)
        memory = places.remember(
            lambda a: signer.signed(a.signed_text(), a.signature), len(checkpoints)
        )
        verifier = AuditVerifier(
            store, checkpoints, lambda c: signer.signed(c.signed_text(), c.signature), memory
        )
        if session_id:
            result = verifier.verify_session(tenant or settings.tenant, session_id)
        else:

            def progress(position: int, head: int) -> None:
                if not as_json:
                    click.echo(f"  … {position}/{head}", err=True)

            result = verifier.verify_log(progress)
        result.problems[:0] = [Problem(p) for p in memory.problems]
        anchoring = not session_id and result.intact and result.events and not no_checkpoint
        if anchoring:
            places.checkpoint(store, result, memory, signer.sign, cli_actor())
    finally:
        store.close()
    _report(result, session_id, as_json, places.warnings)
    if not result.intact:
        sys.exit(1)
    if anchoring and not places.anchored:
        sys.exit(2)  # intact, but the proof did not reach outside the database


def _report(result: Any, session_id: str | None, as_json: bool, warnings: list[str]) -> None:
    if as_json:
        click.echo(json.dumps({
            "intact": result.intact, "events": result.events, "streams": result.streams,
            "checkpoints": result.checkpoints, "anchors": result.anchors,
            "position": result.position, "problems": [vars(p) for p in result.problems],
            "warnings": warnings,
        }, indent=2))  # fmt: skip
        return
    scope = f"session {session_id}" if session_id else "the log"
    click.echo(f"Checked {scope}: {result.events} events in {result.streams} streams, "
               f"{result.checkpoints} signed checkpoints, {result.anchors} anchors.")  # fmt: skip
    for warning in warnings:
        click.echo(f"  WARNING: {warning}")
    for problem in result.problems:
        where = ", ".join(f"{k}={v}" for k, v in vars(problem).items()
                          if v is not None and k != "problem")  # fmt: skip
        click.echo(f"  ALTERED: {problem.problem}" + (f" ({where})" if where else ""))
    click.echo("Intact." if result.intact else f"{len(result.problems)} problems found.")


@audit.command()
@click.argument("session_id")
@click.option("--at", "at_text", default=None,
              help="The moment to reconstruct (ISO 8601 with zone) [default: now].")  # fmt: skip
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON (events too).")
def replay(session_id: str, at_text: str | None, tenant: str | None, as_json: bool) -> None:
    """Reconstruct a session and the guardrail policy in force at a moment."""
    from commands.audit.replay import SessionNotFoundError, replay_session

    settings = load_settings()
    tenant = tenant or settings.tenant
    at = _when(at_text)
    store = access_desk(settings)
    try:
        try:
            found = replay_session(store, tenant, session_id, at)
        except SessionNotFoundError as error:
            raise click.ClickException(str(error)) from None
        store.record_action(tenant, cli_actor(), "session.replayed", session_id,
                            {"at": at.isoformat() if at else None})  # fmt: skip
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(vars(found), default=str, indent=2))
        return
    s = found.session
    click.echo(f"Session {session_id} as of {at.isoformat() if at else 'now'}:")
    click.echo(f"  status {s['status']}, {s['hooks']} hooks, {s['decisions']} guardrail "
               f"decisions, version {s['version']}{', ERASED' if s['erased'] else ''}")  # fmt: skip
    click.echo(f"  chain head {s['head_hash']}")
    for call in s["open_tool_calls"]:
        click.echo(f"  open tool call {call['tool_use_id']} ({call['tool_name']}) since "
                   f"{call['requested_at']}")  # fmt: skip
    p = found.policy
    since = f", since {p['since']}" if p.get("since") else ", built-in defaults"
    click.echo(f"Policy in force: version {p['version']} ({len(p['rules'])} rules{since})")
    for rule in p["rules"]:
        click.echo(f"  {rule['id']:<28} {rule['decision']:<5} {rule.get('mode', 'enforce')}")
    if found.quarantine:
        click.echo(f"Quarantined: {found.quarantine['mode']} ({found.quarantine['reason']})")
    click.echo("Last events:")
    for event in found.events[-10:]:
        click.echo(f"  v{event['version']:<4} {event['timestamp'][:23]}  {event['type']:<20} "
                   f"{event.get('tool_name') or event.get('decision') or ''}")  # fmt: skip


@audit.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the bundle into (created).")  # fmt: skip
@click.option("--session", "sessions", multiple=True, help="Only these sessions (repeat).")
@click.option("--since", default=None, help="Only events from this time (ISO 8601).")
@click.option("--until", default=None, help="Only events up to this time (ISO 8601).")
@click.option("--tenant", default=None, help="Tenant [default: OBSERVATORY_TENANT].")
def export(out: Path, sessions: tuple[str, ...], since: str | None, until: str | None,
           tenant: str | None) -> None:  # fmt: skip
    """Write a signed bundle: events.jsonl, manifest.json (chain heads) and manifest.jws."""
    from commands.audit.export import export_bundle
    from infra.access.tokens import signer_for

    settings = load_settings()
    tenant = tenant or settings.tenant
    signer = signer_for(settings)
    store = access_desk(settings)
    try:
        manifest = export_bundle(
            store, tenant, out, sign=signer.sign, by=cli_actor(), sessions=list(sessions),
            since=_when(since), until=_when(until),
            progress=lambda at, head: click.echo(f"  … {at}/{head}", err=True),
        )  # fmt: skip
        detail = {"rows": manifest["rows"], "sha256": manifest["events_sha256"]}
        store.record_action(tenant, cli_actor(), "audit.exported", str(out), detail)
    finally:
        store.close()
    click.echo(f"Exported {manifest['rows']} events of {len(manifest['streams'])} streams to "
               f"{out} (signed manifest: {out / 'manifest.jws'}).")  # fmt: skip
    click.echo(f"Check it any time: observatory audit verify-export {out}")


@audit.command("verify-export")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_export(folder: Path) -> None:
    """Check a bundle: signature, file hash, every row's hash and every stream's chain."""
    from commands.audit.export import verify_bundle
    from infra.access.tokens import signer_for

    signer = signer_for(load_settings())
    problems = verify_bundle(folder, signer.signed)
    for problem in problems:
        click.echo(f"  ALTERED: {problem}")
    if problems:
        click.echo(f"{len(problems)} problems found.")
        sys.exit(1)
    click.echo("The bundle is intact and signed by this Observatory.")
