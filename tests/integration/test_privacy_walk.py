"""Replaying the corpus (plus secrets, an envelope and a refused body) leaves no email, phone,
card or key in the clear anywhere: not in any registered store (``workers.inventory``), not in
a GraphQL answer, an audit stream, an export or a log line. The Luhn-failing 16-digit numbers
stay visible, as the corpus demands.

The personal data is listed here by hand from the corpus (not found by the detectors under
test). A store added later registers in ``workers.inventory.STORES`` and is walked at once.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from commands.audit.export import export_bundle
from commands.reactions.relay.worker import RelayWorker
from infra.access.principal import Role
from infra.access.tokens import signer_for
from tests.cleanup import delete_redis_keys, delete_stream
from tests.conftest import CORPUS, S1, session_files
from tests.integration.relay_support import (
    NATS_URL,
    RunningRelay,
    head,
    wait_for_checkpoint,
)
from workers.analytics import close_clickhouse
from workers.bootstrap.api import api_app
from workers.bootstrap.projections import PROJECTIONS
from workers.bootstrap.projectors import runner
from workers.inventory import STORES

PERSONAL = [
    "jane.doe@example.com", "billing-oncall@example.com", "k.tanaka@example.org",
    "p.novak@example.net",  # emails
    "415-555-0137", "555-0199", "7946 0958",  # phones
    "4539 1488 0343 6467", "4539148803436467", "5372184066912305",  # Luhn-valid cards
    "AKIAZ7QX3EXAMPLEKEY1", "ghp_R4nd0mT0k3nV4lu3F0rT35t1ngPurp0s3s00",  # keys
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE00", "xoxb-5550123456-abcdefghijklmnop",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXZhbHVl",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",  # inside a PEM private key
    "DE89370400440532013000",  # IBAN
]  # fmt: skip
VISIBLE = ["4539148803436468", "1234 5678 9012 3456"]
"""Fail Luhn: order ids, not cards."""

SECRETS_HOOK = {
    "session_id": "walk-secrets", "hook_event_name": "PostToolUse", "tool_name": "Bash",
    "tool_use_id": "toolu_walk", "tool_input": {"command": "cat .env ~/.ssh/id_rsa"},
    "tool_response": {"stdout": (
        "AWS_ACCESS_KEY_ID=AKIAZ7QX3EXAMPLEKEY1\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE00\n"
        "GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3F0rT35t1ngPurp0s3s00\n"
        "SLACK_BOT=xoxb-5550123456-abcdefghijklmnop\n"
        "SESSION=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJlLXZhbHVl\n"
        "PAYOUT_IBAN=DE89370400440532013000\n"
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
    )},
}  # fmt: skip
GRAPHQL = """{ sessions(first: 50) { edges { node { id cwd project
  events(first: 200) { edges { node { type hook payload } } }
  toolCalls { toolName error decision } } } }
  guardrailDecisions(first: 200) { edges { node { message shadow { message } } } } }"""


@pytest.fixture
def secure(secure_settings, pg_url):
    with TestClient(api_app(secure_settings, pg_url), raise_server_exceptions=False) as client:
        yield client


def bearer(credential: str) -> dict[str, str]:
    return {"authorization": f"Bearer {credential}"}


def outputs(secure: TestClient[Any], store: Any, signer: Any, auditor: str,
            folder: Any) -> dict[str, str]:  # fmt: skip
    """What users can get out of the product, besides the stores themselves."""
    answer = secure.post("/graphql", json={"query": GRAPHQL}, headers=bearer(auditor))
    assert "errors" not in answer.json(), answer.text
    stream = secure.get(f"/v1/audit/sessions/{S1['id']}/events", headers=bearer(auditor))
    assert stream.status_code == 200
    export_bundle(store, "default", folder, sign=signer.sign, by="test")
    exported = (folder / "events.jsonl").read_text() + (folder / "manifest.json").read_text()
    return {"graphql": answer.text, "audit stream": stream.text, "export": exported}


@pytest.fixture
def everywhere(secure_settings):
    """The settings with every store configured: Redis under a prefix, a JetStream stream of
    this test's own, chDB in the test's data dir."""
    tag = uuid.uuid4().hex[:10]
    settings = replace(secure_settings, redis_url="redis://127.0.0.1:6379/0",
                       redis_prefix=f"walk{tag}", nats_url=NATS_URL, nats_stream=f"WALK_{tag}",
                       nats_subject_prefix=f"walk{tag}",
                       notify_webhooks=json.dumps([{"tenant": "default", "kind": "slack",
                                                    "url": "http://127.0.0.1:9/unused"}]))  # fmt: skip
    yield settings
    close_clickhouse()
    delete_stream(NATS_URL, settings.nats_stream)
    delete_redis_keys(settings.redis_url, f"{settings.redis_prefix}:*")


def test_no_personal_data_in_the_clear_anywhere(secure, secure_settings, everywhere, pg_url,
                                                store, db, caplog, tmp_path):  # fmt: skip
    caplog.set_level(logging.DEBUG)
    signer = signer_for(secure_settings)
    admin = signer.issue("admin", "default", [Role.ADMIN], timedelta(minutes=10))
    auditor = signer.issue("auditor", "default", [Role.AUDITOR], timedelta(minutes=10))
    key = secure.post("/v1/auth/keys", json={"name": "walk"}, headers=bearer(admin)).json()["key"]
    for path in session_files():
        assert secure.post("/v1/hooks/claude-code", content=path.read_bytes(),
                           headers=bearer(key)).status_code == 200  # fmt: skip
    assert secure.post("/v1/hooks/claude-code", json=SECRETS_HOOK,
                       headers=bearer(key)).status_code == 200  # fmt: skip
    envelope = json.loads((CORPUS / "envelopes" / "disler_send_event_PreToolUse.json").read_text())
    envelope["summary"] = "asked jane.doe@example.com to call +1 415-555-0137"
    assert secure.post("/events", json=envelope, headers=bearer(key)).status_code == 200
    refused = b'{"session_id": "x", "prompt": "card 4539148803436467 for jane.doe@example.com"'
    assert secure.post("/v1/hooks/claude-code", content=refused,
                       headers=bearer(key)).status_code == 400  # fmt: skip
    for spec in PROJECTIONS.values():  # every read model, caught up
        assert spec.enabled(everywhere), f"{spec.name} is not walked"
        projector, conn = runner(spec, everywhere, pg_url, store)
        projector.catch_up()
        conn.close()
    with RunningRelay(RelayWorker(store, everywhere, pg_url)):  # and the stream
        wait_for_checkpoint(db, head(store))

    places: dict[str, str] = {}
    for name, data_store in STORES.items():
        for where, text in data_store.dump(everywhere, pg_url):
            places[f"{name} {where}"] = text
    assert any("timeline_events" in where for where in places)  # the walk reached read models
    for name in STORES:  # every store holds something, so the walk reached it
        assert any(where.startswith(f"{name} ") for where in places), name
    places.update(outputs(secure, store, signer, auditor, tmp_path / "bundle"))
    places["logs"] = "\n".join(r.getMessage() for r in caplog.records)

    leaks = [(where, value) for where, text in places.items() for value in PERSONAL
             if value in text]  # fmt: skip
    assert not leaks, leaks[:10]
    for value in VISIBLE:
        assert value in places["graphql"], value
        assert any(value in text for where, text in places.items() if "timeline_events" in where)
    # And the operators' own check agrees: nothing the detectors recognise is left anywhere.
    close_clickhouse()  # the command opens chDB itself (a process holds one chDB path)
    scan = scan_stores(everywhere, pg_url)
    assert scan.exit_code == 0, scan.output


def scan_stores(settings: Any, url: str) -> Any:
    from click.testing import CliRunner

    from workers.cli import main

    environment = {"OBSERVATORY_DATABASE_URL": url, "OBSERVATORY_DATA_DIR": str(settings.data_dir),
                   "OBSERVATORY_DATABASE_SCHEMA": settings.database_schema,
                   "OBSERVATORY_REDIS_URL": settings.redis_url or "",
                   "OBSERVATORY_REDIS_PREFIX": settings.redis_prefix,
                   "OBSERVATORY_NATS_URL": settings.nats_url or "",
                   "OBSERVATORY_NATS_STREAM": settings.nats_stream}  # fmt: skip
    return CliRunner().invoke(main, ["privacy", "scan"], env=environment)


def test_privacy_scan_finds_what_ingest_did_not_redact(secure_settings, pg_url, db, store):
    run = scan_stores(secure_settings, pg_url)
    assert run.exit_code == 0, run.output
    assert "no records hold personal data" in run.output
    # Something written around ingest (here: straight into a table) is found and named.
    db.execute("CREATE TABLE stray (note text)")
    db.execute("INSERT INTO stray VALUES ('call jane.doe@example.com')")
    found = scan_stores(secure_settings, pg_url)
    assert found.exit_code == 1
    assert "postgresql:stray#0: email" in found.output
