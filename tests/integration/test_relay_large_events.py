"""A hook larger than NATS takes (1.5 MiB: under ingest's 2 MiB limit, over the broker's
1 MiB ``max_payload``) is relayed in its truncated form, and the relay keeps going."""

from __future__ import annotations

import json

from commands.reactions.relay.public_events import SPECS, TRUNCATED, json_schema
from commands.reactions.relay.worker import TRUNCATED_HEADER, RelayWorker
from tests.integration.relay_support import (
    RunningRelay,
    head,
    relay_settings,
    stream_messages,
    wait_for_checkpoint,
)
from tests.unit.schema_check import validate

__all__ = ["relay_settings"]  # the fixture, used by name

HOOK = "/v1/hooks/claude-code"
MIB = 1_048_576


def test_a_hook_over_the_brokers_limit_is_published_truncated_and_the_relay_goes_on(
    client, relay_settings, pg_url, store, db
):
    output = ("total 42 drwxr-xr-x src lib tests docs\n" * (MIB // 26))[: 3 * MIB // 2]
    big = {"session_id": "s-big", "hook_event_name": "PostToolUse", "tool_name": "Bash",
           "tool_use_id": "tu-big", "tool_input": {"command": "ls -lR"},
           "tool_response": {"stdout": output}}  # fmt: skip
    body = json.dumps(big).encode()
    assert MIB < len(body) < 2 * MIB
    assert client.post(HOOK, content=body).status_code == 200
    after = {"session_id": "s-big", "hook_event_name": "Stop"}
    assert client.post(HOOK, content=json.dumps(after)).status_code == 200

    with RunningRelay(RelayWorker(store, relay_settings, pg_url, batch_size=16)):
        wait_for_checkpoint(db, head(store))

    messages = stream_messages(relay_settings)
    assert [m.document["position"] for m in messages] == [
        n.id for n in store.recorder.select_notifications(start=1, limit=100)
    ]
    (large,) = [m for m in messages if m.document["type"] == "tool_call_completed"]
    assert len(large.raw) < MIB
    assert int(large.headers[TRUNCATED_HEADER]) > len(body)  # the whole document's size
    marker = large.document["data"]["payload"][TRUNCATED]
    assert marker == {"bytes": int(large.headers[TRUNCATED_HEADER]),
                      "position": large.document["position"]}  # fmt: skip
    assert large.document["data"]["tool_use_id"] == "tu-big"
    validate(large.document, json_schema(SPECS["tool_call_completed"]))
    assert [m.document["type"] for m in messages][-1] == "agent_stopped"
    assert all(TRUNCATED_HEADER not in m.headers for m in messages if m is not large)
