"""`observatory relay --exit-when-caught-up` backfills the stream; `observatory stream tail`
prints one tenant's (or one type's) events from the start."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.conftest import session_files
from tests.integration.relay_support import head, relay_settings
from tests.integration.test_relay import record
from workers.cli import main

__all__ = ["relay_settings"]


def test_relay_backfills_and_tail_prints_one_tenants_events(pg_url, schema, store, relay_settings):
    texts = [p.read_text() for p in session_files()]
    record(pg_url, schema, texts[:6])
    record(pg_url, schema, texts[:3], tenant="acme.com")
    env = {
        "OBSERVATORY_DATABASE_URL": pg_url,
        "OBSERVATORY_DATABASE_SCHEMA": schema,
        "OBSERVATORY_DATA_DIR": str(relay_settings.data_dir),
        "OBSERVATORY_NATS_URL": str(relay_settings.nats_url),
        "OBSERVATORY_NATS_STREAM": relay_settings.nats_stream,
        "OBSERVATORY_NATS_SUBJECT_PREFIX": relay_settings.nats_subject_prefix,
    }
    runner = CliRunner()
    relayed = runner.invoke(main, ["relay", "--exit-when-caught-up", "--batch", "4"], env=env)
    assert relayed.exit_code == 0, relayed.output
    assert f"Stopped at position {head(store)}: {head(store)} published" in relayed.output

    tail = ["stream", "tail", "--from-start", "--count"]
    acme = runner.invoke(main, [*tail, "4", "--tenant", "acme.com", "--json"], env=env)
    assert acme.exit_code == 0, acme.output
    documents = [json.loads(line) for line in acme.output.splitlines()]
    assert [d["tenant"] for d in documents] == ["acme.com"] * 4
    assert documents[0]["type"] == "session_opened"

    opened = runner.invoke(main, [*tail, "2", "--event", "session_opened"], env=env)
    assert opened.exit_code == 0, opened.output
    lines = opened.output.splitlines()
    assert len(lines) == 2 and all("session_opened" in line for line in lines)
    assert "acme.com" in lines[1]

    unknown = runner.invoke(main, ["stream", "tail", "--event", "no_such_event"], env=env)
    assert unknown.exit_code == 2 and "unknown event" in unknown.output
