"""The command-hook shim: posts stdin, prints the reply; fails open, or closed when asked."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from commands.access.service import AccessDesk
from infra.database import eventsourcing_env
from infra.embedded.postgres import free_port
from tests.conftest import SESSION_DIR
from tests.e2e.processes import OBSERVATORY, env
from tests.live import LiveServer

NO_DATA_DIR = Path("/nonexistent/observatory-shim-test")
"""Never the machine's default data dir: a key saved there by a real `up` would be sent."""


def run_shim(
    stdin: bytes, *args: str, key: str = "", data_dir: Path = NO_DATA_DIR
) -> subprocess.CompletedProcess[bytes]:
    values = {"OBSERVATORY_DATA_DIR": str(data_dir)} | ({"OBSERVATORY_KEY": key} if key else {})
    return subprocess.run(
        [OBSERVATORY, "hook", *args],
        input=stdin,
        capture_output=True,
        timeout=30,
        env=env(**values),
        check=False,
    )


@pytest.fixture
def secure_server(secure_settings, pg_url):
    server = LiveServer(secure_settings, pg_url)
    yield server
    server.stop()


@pytest.fixture
def agent_key(pg_url, schema):
    desk = AccessDesk(eventsourcing_env(pg_url, schema, 1))
    yield desk.issue_key("default", "shim", "agent", "test").key
    desk.close()


def test_the_shim_sends_the_agent_key(secure_server, agent_key, store):
    body = (SESSION_DIR / "004_PreToolUse_Grep.json").read_bytes()
    before = store.recorder.max_notification_id()  # the key's own event
    result = run_shim(body, "--url", secure_server.base_url, key=agent_key)
    assert result.returncode == 0, result.stderr
    assert b"refused" not in result.stderr
    assert store.recorder.max_notification_id() == before + 3


def test_without_a_key_the_shim_says_none_was_found_and_fails_open(secure_server, store):
    body = (SESSION_DIR / "004_PreToolUse_Grep.json").read_bytes()
    result = run_shim(body, "--url", secure_server.base_url)
    assert result.returncode == 0
    assert b"no agent key found" in result.stderr and b"fail-open" in result.stderr
    assert not store.recorder.max_notification_id()  # nothing recorded


def test_the_shim_records_a_hook_and_prints_the_reply(live_server, store):
    body = (SESSION_DIR / "004_PreToolUse_Grep.json").read_bytes()
    result = run_shim(body, "--url", live_server.base_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert store.recorder.max_notification_id() == 3  # Opened, ToolCallRequested, ToolCallDecided


def test_a_refused_body_that_is_no_hook_at_all_never_blocks(live_server):
    # Not even a hook name to read: no tool call waits on it, so even failing closed passes.
    result = run_shim(b"{not json", "--url", live_server.base_url, "--fail-closed")
    assert result.returncode == 0
    assert b"refused this hook (400" in result.stderr and b"fail-open" in result.stderr


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_unreachable_fails_open_by_default():
    body = (SESSION_DIR / "022_PreToolUse_Bash_force_push_main.json").read_bytes()
    result = run_shim(body, "--url", dead_url())
    assert (result.returncode, result.stdout) == (0, b"")
    assert b"fail-open" in result.stderr


def test_unreachable_blocks_tool_calls_when_failing_closed():
    body = (SESSION_DIR / "022_PreToolUse_Bash_force_push_main.json").read_bytes()
    result = run_shim(body, "--url", dead_url(), "--fail-closed")
    assert result.returncode == 2
    assert b"fail closed" in result.stderr


def test_failing_closed_denies_a_permission_request_with_json():
    body = (SESSION_DIR / "023_PermissionRequest_Bash.json").read_bytes()
    result = run_shim(body, "--url", dead_url(), "--fail-closed")
    assert result.returncode == 0
    output = json.loads(result.stdout)["hookSpecificOutput"]
    assert output["hookEventName"] == "PermissionRequest"
    assert output["decision"]["behavior"] == "deny"


def test_failing_closed_never_blocks_hooks_that_are_not_decisions():
    body = (SESSION_DIR / "046_Stop.json").read_bytes()
    result = run_shim(body, "--url", dead_url(), "--fail-closed")
    assert result.returncode == 0


def test_the_shim_prints_each_corpus_decision(live_server):
    from tests.conftest import CORPUS, MANIFEST

    for hook in MANIFEST["hooks"]:
        if not hook["file"].startswith("claude_hooks/s1_"):
            continue
        result = run_shim((CORPUS / hook["file"]).read_bytes(), "--url", live_server.base_url)
        assert result.returncode == hook["expected_exit_code"], hook["file"]
        expected = hook["expected_hook_stdout"]
        if expected is None:
            assert result.stdout == b"", hook["file"]
        else:
            output = json.loads(result.stdout)["hookSpecificOutput"]
            assert (
                output["permissionDecision"] == expected["hookSpecificOutput"]["permissionDecision"]
            )
