"""Audit: the log proves itself, sessions stream as NDJSON (unsealed only for auditors),
replays reconstruct the past, exports are signed and self-checking, and every command shows
in the audit log with who issued it."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from domain.sessions.values import session_stream_id
from infra.access.principal import Role
from infra.access.tokens import signer_for
from tests.conftest import S1 as SESSION
from tests.conftest import session_files
from tests.live import follow
from workers.bootstrap.api import api_app
from workers.cli import main
from workers.projector import ProjectorRunner

S1 = SESSION["id"]
STREAM = session_stream_id("default", S1)
EMAILS = ("jane.doe@example.com", "oncall@example.com", "k.tanaka@example.org")
"""Personal data in the corpus (actors' own names, e.g. admin@example.org, are not redacted:
an audit trail must say who acted)."""
HOOK = "/v1/hooks/claude-code"


@pytest.fixture
def secure(secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def tokens(secure_settings) -> dict[str, dict[str, str]]:
    signer = signer_for(secure_settings)
    return {
        role.value: {"authorization": "Bearer " + signer.issue(
            f"{role.value}@example.org", "default", [role], timedelta(minutes=10))}
        for role in Role
    }  # fmt: skip


@pytest.fixture
def cli(secure_settings):
    environment = {
        "OBSERVATORY_DATABASE_URL": secure_settings.database_url,
        "OBSERVATORY_DATABASE_SCHEMA": secure_settings.database_schema,
        "OBSERVATORY_DATA_DIR": str(secure_settings.data_dir),
    }

    def run(*args: str) -> Any:
        return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)

    return run


def replay(client: TestClient[Any], headers: dict[str, str]) -> int:
    position = 0
    for path in session_files():
        response = client.post(HOOK, content=path.read_bytes(), headers=headers)
        assert response.status_code == 200, response.text
        position = int(response.headers["observatory-position"])
    return position


def ingest(secure, tokens) -> int:
    key = secure.post("/v1/auth/keys", json={"name": "a"}, headers=tokens["admin"]).json()["key"]
    return replay(secure, {"authorization": f"Bearer {key}"})


def test_verify_passes_then_finds_every_kind_of_tampering(secure, tokens, cli, db):
    ingest(secure, tokens)
    first = cli("audit", "verify")
    assert first.exit_code == 0, first.output
    assert "Intact." in first.output
    assert db.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0] == 1
    again = cli("audit", "verify", "--json")
    assert json.loads(again.output)["checkpoints"] == 1

    def events_of(topic_part: str) -> list[int]:
        rows = db.execute("SELECT notification_id FROM observatory_events WHERE topic LIKE %s"
                          " ORDER BY notification_id", (f"%{topic_part}%",)).fetchall()  # fmt: skip
        return [r[0] for r in rows]

    # UPDATE one prompt in the middle of the session: the next event's link breaks.
    prompt = events_of("PromptSubmitted")[0]
    db.execute("UPDATE observatory_events SET state = convert_to(replace(convert_from(state,"
               " 'UTF8'), 'ledger', 'LEDGER'), 'UTF8') WHERE notification_id = %s", (prompt,))  # fmt: skip
    altered = cli("audit", "verify", "--json")
    assert altered.exit_code == 1
    problems = json.loads(altered.output)["problems"]
    assert any("prev_hash does not match" in p["problem"] and p["session_id"] == S1
               for p in problems)  # fmt: skip
    assert any("signed checkpoint" in p["problem"] for p in problems)
    session = cli("audit", "verify", "--session", S1)
    assert session.exit_code == 1 and "ALTERED" in session.output


def test_deleting_events_is_found_even_the_last_one(secure, tokens, cli, db):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0  # records a signed checkpoint at the head
    last = db.execute("SELECT max(notification_id) FROM observatory_events"
                      " WHERE topic LIKE '%AgentSession%'").fetchone()[0]  # fmt: skip
    db.execute("DELETE FROM observatory_events WHERE notification_id = %s", (last,))
    alone = cli("audit", "verify", "--session", S1)  # the stream alone looks fine, but its
    assert alone.exit_code == 1 and "were deleted" in alone.output  # anchored head was higher
    tail = cli("audit", "verify", "--json")
    assert tail.exit_code == 1  # no later event vouches for it: the checkpoint does
    assert any("checkpoint" in p["problem"] for p in json.loads(tail.output)["problems"])

    middle = db.execute("SELECT notification_id FROM observatory_events WHERE topic LIKE"
                        " '%ToolCallCompleted%' ORDER BY 1 LIMIT 1").fetchone()[0]  # fmt: skip
    db.execute("DELETE FROM observatory_events WHERE notification_id = %s", (middle,))
    gap = json.loads(cli("audit", "verify", "--session", S1, "--json").output)
    assert any("missing" in p["problem"] for p in gap["problems"])


def test_a_forged_checkpoint_is_found(secure, tokens, cli, db):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0
    db.execute("UPDATE audit_checkpoints SET events = events + 1")
    forged = cli("audit", "verify", "--json")
    assert forged.exit_code == 1
    assert any("bad signature" in p["problem"] for p in json.loads(forged.output)["problems"])


def test_ndjson_stream_redacted_unsealed_and_erased(secure, tokens):
    ingest(secure, tokens)
    url = f"/v1/audit/sessions/{S1}/events"
    assert secure.get(url, headers=tokens["viewer"]).status_code == 403
    assert secure.get(url, headers=tokens["operator"]).status_code == 403
    answer = secure.get(url, headers=tokens["auditor"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert [r["version"] for r in lines] == list(range(1, len(lines) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(lines))
    assert [r["position"] for r in lines] == sorted(r["position"] for r in lines)
    assert not any(e in answer.text for e in EMAILS) and "[REDACTED:email]" in answer.text

    unsealed = secure.get(url + "?unseal=true", headers=tokens["auditor"]).text
    assert all(e in unsealed for e in EMAILS)  # the originals, for the auditor
    assert "4539148803436468" in unsealed

    erased = secure.post(f"/v1/privacy/sessions/{S1}/erase", json={"reason": "dsar-7"},
                         headers=tokens["admin"])  # fmt: skip
    assert erased.status_code == 202 and erased.json()["key_destroyed"]
    after = [json.loads(x) for x in
             secure.get(url + "?unseal=true", headers=tokens["auditor"]).text.splitlines()]  # fmt: skip
    assert not any(e in json.dumps(after) for e in EMAILS)
    assert any(r.get("erased") for r in after)
    assert after[-1]["type"] == "Erased" and after[-1]["erased_by"] == "admin@example.org"
    other = secure.get("/v1/audit/sessions/nope/events", headers=tokens["auditor"])
    assert other.status_code == 404


def test_export_is_signed_and_self_checking(secure, tokens, cli, tmp_path, store):
    ingest(secure, tokens)
    out = tmp_path / "bundle"
    exported = cli("audit", "export", "--out", str(out), "--session", S1)
    assert exported.exit_code == 0, exported.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == len(list(store.events.get(STREAM)))
    assert manifest["streams"][str(STREAM)]["head"] == json.loads(
        (out / "events.jsonl").read_text().splitlines()[-1])["hash"]  # fmt: skip
    assert not any(e in (out / "events.jsonl").read_text() for e in EMAILS)
    assert cli("audit", "verify-export", str(out)).exit_code == 0

    rows = (out / "events.jsonl").read_text().splitlines()
    row = json.loads(rows[5])
    row["event"]["hook"] = "Tampered"
    rows[5] = json.dumps(row)
    (out / "events.jsonl").write_text("\n".join(rows) + "\n")
    broken = cli("audit", "verify-export", str(out))
    assert broken.exit_code == 1
    assert "does not match its hash" in broken.output
    assert "not the file the manifest was signed for" in broken.output


def test_replay_at_a_moment(secure, tokens, cli, store):
    ingest(secure, tokens)
    events = list(store.events.get(STREAM))
    middle = events[10].timestamp
    rule = {"id": "late-rule", "tools": ["Bash"], "decision": "deny",
            "when": {"command": {"program": "make"}}}  # fmt: skip
    assert secure.post("/v1/guardrails/rules", json=rule,
                       headers=tokens["operator"]).status_code == 202  # fmt: skip
    then = json.loads(cli("audit", "replay", S1, "--at", middle.isoformat(), "--json").output)
    assert then["session"]["version"] == sum(1 for e in events if e.timestamp <= middle)
    assert then["session"]["version"] < len(events)
    assert then["policy"]["version"] == 0  # the rule came later
    now = json.loads(cli("audit", "replay", S1, "--json").output)
    assert now["session"]["status"] == "ENDED"
    assert now["policy"]["version"] >= 2 and any(
        r["id"] == "late-rule" for r in now["policy"]["rules"]
    )
    text = cli("audit", "replay", S1, "--at", datetime(2000, 1, 1).isoformat() + "Z")
    assert text.exit_code == 1 and "no session" in text.output


def test_the_audit_log_shows_who_did_what(secure, tokens, store, pg_url, schema, db):
    from infra.database import connect
    from projections.audit_log.postgres import PostgresAuditLogView
    from projections.audit_log.projection import NAME, AuditLogProjection

    ingest(secure, tokens)
    rule = {"id": "r9", "tools": ["Bash"], "decision": "ask",
            "when": {"command": {"program": "make"}}}  # fmt: skip
    secure.post("/v1/guardrails/rules", json=rule, headers=tokens["operator"])
    secure.post("/v1/guardrails/quarantines", json={"id": S1, "mode": "deny"},
                headers=tokens["operator"])  # fmt: skip
    secure.get(f"/v1/audit/sessions/{S1}/events?unseal=true", headers=tokens["auditor"])
    secure.post(f"/v1/privacy/sessions/{S1}/erase", headers=tokens["admin"])
    follow(secure)
    with connect(pg_url, schema, autocommit=True) as conn:
        ProjectorRunner(NAME, store, AuditLogProjection(), PostgresAuditLogView(conn)).catch_up()
    query = {"query": "{ auditLog(first: 20) { edges { node { actor action target } } } }"}
    found = secure.post("/graphql", json=query, headers=tokens["auditor"]).json()
    entries = [e["node"] for e in found["data"]["auditLog"]["edges"]]
    actions = [(e["actor"], e["action"]) for e in entries]
    assert actions[:5] == [
        ("admin@example.org", "session.erased"),
        ("auditor@example.org", "session.unsealed"),
        ("operator@example.org", "quarantine.imposed"),
        ("operator@example.org", "rule.added"),
        ("operator@example.org", "policy.created"),
    ]
    assert ("admin@example.org", "key.issued") in actions
    denied = secure.post("/graphql", json=query, headers=tokens["viewer"]).json()
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (
        db.execute("SELECT count(*) FROM audit_log WHERE tenant_id <> 'default'").fetchone()[0] == 0
    )


def anchors_file(secure_settings) -> Any:
    from workers.audit_anchors import anchor_path

    return anchor_path(secure_settings)


def problems_of(outcome: Any) -> list[dict[str, Any]]:
    assert outcome.exit_code == 1, outcome.output
    return list(json.loads(outcome.output)["problems"])


def test_an_untouched_log_passes_and_each_run_is_anchored_outside_the_database(
    secure, tokens, cli, secure_settings
):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0
    again = cli("audit", "verify", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["anchors"] == 1
    lines = [json.loads(x) for x in anchors_file(secure_settings).read_text().splitlines()]
    assert len(lines) == 2
    assert str(STREAM) in lines[0]["streams"]  # the session's head, remembered
    assert str(STREAM) not in lines[1]["streams"]  # unchanged since: not repeated
    assert lines[1]["position"] > lines[0]["position"]


def test_deleting_the_checkpoints_and_the_newest_events_is_caught(secure, tokens, cli, db):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0
    newest = db.execute("SELECT notification_id FROM observatory_events WHERE topic LIKE"
                        " '%AgentSession%' ORDER BY 1 DESC LIMIT 3").fetchall()  # fmt: skip
    db.execute("DELETE FROM observatory_events WHERE notification_id = ANY(%s)",
               ([r[0] for r in newest],))  # fmt: skip
    db.execute("DELETE FROM audit_checkpoints")
    problems = problems_of(cli("audit", "verify", "--json"))
    found = [p for p in problems if p["stream_id"] == str(STREAM)]
    assert any("were deleted" in p["problem"] and p["session_id"] == S1 for p in found)
    assert any("missing from audit_checkpoints" in p["problem"] for p in problems)
    alone = cli("audit", "verify", "--session", S1)  # one stream, against its anchor too
    assert alone.exit_code == 1 and "were deleted" in alone.output


def test_deleting_a_whole_stream_and_the_checkpoints_is_caught(secure, tokens, cli, db):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0
    db.execute("DELETE FROM observatory_events WHERE originator_id = %s", (STREAM,))
    db.execute("DELETE FROM audit_checkpoints")
    problems = problems_of(cli("audit", "verify", "--json"))
    assert any("whole stream was deleted" in p["problem"] and p["session_id"] == S1
               for p in problems)  # fmt: skip


def test_a_tampered_or_removed_anchor_is_reported(secure, tokens, cli, secure_settings):
    ingest(secure, tokens)
    assert cli("audit", "verify").exit_code == 0
    assert cli("audit", "verify").exit_code == 0
    path = anchors_file(secure_settings)
    first, second = path.read_text().splitlines()
    forged = json.loads(first)
    forged["events"] -= 1
    path.write_text(json.dumps(forged) + "\n" + second + "\n")
    tampered = problems_of(cli("audit", "verify", "--json"))
    assert any("anchor 1" in p["problem"] and "bad signature" in p["problem"] for p in tampered)
    path.write_text(second + "\n")
    removed = problems_of(cli("audit", "verify", "--json"))
    assert any("does not follow" in p["problem"] for p in removed)


def test_anchors_kept_in_nats_survive_the_deletion_of_the_file(secure, tokens, secure_settings,
                                                               db):  # fmt: skip
    from tests.cleanup import delete_stream
    from tests.integration.relay_support import NATS_URL

    stream = f"T_{uuid.uuid4().hex[:10]}"
    environment = {
        "OBSERVATORY_DATABASE_URL": str(secure_settings.database_url),
        "OBSERVATORY_DATABASE_SCHEMA": secure_settings.database_schema,
        "OBSERVATORY_DATA_DIR": str(secure_settings.data_dir),
        "OBSERVATORY_NATS_URL": NATS_URL, "OBSERVATORY_NATS_STREAM": stream,
        "OBSERVATORY_NATS_SUBJECT_PREFIX": stream.lower(),
    }  # fmt: skip

    def verify() -> Any:
        return CliRunner().invoke(main, ["audit", "verify", "--json"], env=environment)

    try:
        ingest(secure, tokens)
        assert verify().exit_code == 0
        clean = verify()
        assert clean.exit_code == 0 and not json.loads(clean.output)["warnings"], clean.output
        anchors_file(secure_settings).unlink()
        db.execute("DELETE FROM audit_checkpoints")
        db.execute("DELETE FROM observatory_events WHERE originator_id = %s", (STREAM,))
        problems = problems_of(verify())
        assert any("whole stream was deleted" in p["problem"] for p in problems)
        assert sum("missing from audit_checkpoints" in p["problem"] for p in problems) == 2
    finally:
        delete_stream(NATS_URL, f"{stream}_AUDIT")


def test_an_anchor_that_cannot_be_written_is_said_and_exits_2(secure, tokens, secure_settings,
                                                              tmp_path):  # fmt: skip
    ingest(secure, tokens)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    environment = {
        "OBSERVATORY_DATABASE_URL": str(secure_settings.database_url),
        "OBSERVATORY_DATABASE_SCHEMA": secure_settings.database_schema,
        "OBSERVATORY_DATA_DIR": str(secure_settings.data_dir),
        "OBSERVATORY_AUDIT_ANCHOR_FILE": str(blocker / "anchors.jsonl"),
    }
    outcome = CliRunner().invoke(main, ["audit", "verify"], env=environment)
    assert outcome.exit_code == 2, outcome.output
    assert "Intact." in outcome.output and "could not be anchored" in outcome.output
