"""``observatory hook --fail-closed`` blocks whenever Observatory cannot decide, and says why.

Each cause is produced for real: a secure server without a key / with a wrong key, a closed
port, and a tiny local HTTP server that answers 403 or 500, or never answers within the
timeout. Without --fail-closed the same causes fail open, named the same way.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from infra.embedded.postgres import free_port
from tests.conftest import SESSION_DIR
from tests.e2e.test_shim import run_shim, secure_server  # noqa: F401 - a fixture

PRE_TOOL_USE = (SESSION_DIR / "022_PreToolUse_Bash_force_push_main.json").read_bytes()
PERMISSION_REQUEST = (SESSION_DIR / "023_PermissionRequest_Bash.json").read_bytes()


@dataclass
class TinyServer:
    """Answers every POST with ``status``, or holds it until the test ends (``hang``)."""

    url: str
    release: threading.Event


@pytest.fixture
def tiny_server(request: pytest.FixtureRequest) -> Iterator[TinyServer]:
    status, hang = request.param
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if hang:
                release.wait(30)  # longer than the shim's timeout: it gives up first
            body = json.dumps({"status": status, "detail": "tiny server says no"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield TinyServer(f"http://127.0.0.1:{server.server_address[1]}", release)
    release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


def assert_blocked(url: str, expected: bytes, *args: str, key: str = "") -> None:
    """PreToolUse exits 2, PermissionRequest is denied, both naming the cause; without
    --fail-closed the same cause lets both through and is named too."""
    blocked = run_shim(PRE_TOOL_USE, "--url", url, "--fail-closed", *args, key=key)
    assert blocked.returncode == 2, blocked.stderr
    assert expected in blocked.stderr and b"fail closed" in blocked.stderr, blocked.stderr
    denied = run_shim(PERMISSION_REQUEST, "--url", url, "--fail-closed", *args, key=key)
    assert denied.returncode == 0, denied.stderr
    decision = json.loads(denied.stdout)["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "deny"
    assert expected.decode() in decision["message"]
    allowed = run_shim(PRE_TOOL_USE, "--url", url, *args, key=key)
    assert (allowed.returncode, allowed.stdout) == (0, b"")
    assert expected in allowed.stderr and b"fail-open" in allowed.stderr, allowed.stderr


def test_no_key_found_blocks_and_says_where_it_looked(secure_server, store, tmp_path):  # noqa: F811
    # An empty data dir: no saved key; the message names the file it looked for.
    missing = tmp_path / "auth" / "agent.key"
    blocked = run_shim(PRE_TOOL_USE, "--url", secure_server.base_url, "--fail-closed",
                       data_dir=tmp_path)  # fmt: skip
    assert blocked.returncode == 2, blocked.stderr
    assert b"no agent key found" in blocked.stderr
    assert str(missing).encode() in blocked.stderr
    assert b"was refused" not in blocked.stderr  # nothing was sent, so nothing was refused
    assert not store.recorder.max_notification_id()
    assert_blocked(secure_server.base_url, b"no agent key found")


def test_a_refused_key_blocks_and_says_it_was_refused(secure_server):  # noqa: F811
    assert_blocked(secure_server.base_url, b"refused the agent key from $OBSERVATORY_KEY (401",
                   key="obs_not_a_key")  # fmt: skip


@pytest.mark.parametrize(
    ("tiny_server", "expected"),
    [((403, False), b"refused the agent key from $OBSERVATORY_KEY (403: tiny server says no)"),
     ((500, False), b"server error (500: tiny server says no)"),
     ((503, False), b"server error (503"),
     ((404, False), b"answered 404")],
    indirect=["tiny_server"],
    ids=["403", "500", "503", "404"],
)  # fmt: skip
def test_an_http_failure_blocks_and_is_named(tiny_server, expected):
    assert_blocked(tiny_server.url, expected, key="obs_some_key")


@pytest.mark.parametrize("tiny_server", [(200, True)], indirect=True, ids=["hangs"])
def test_a_timeout_blocks_and_is_named(tiny_server):
    assert_blocked(tiny_server.url, b"timed out after 0.5s", "--timeout", "0.5", key="k")


def test_a_closed_port_blocks_and_is_named():
    url = f"http://127.0.0.1:{free_port()}"
    assert_blocked(url, b"is refusing connections")


@pytest.mark.parametrize("tiny_server", [(413, False)], indirect=True, ids=["413"])
def test_a_refused_body_blocks_when_failing_closed_and_passes_when_failing_open(tiny_server):
    """A tool call whose hook was refused (e.g. a Write over the body limit) was never
    judged: failing closed blocks it too, failing open lets it through, both say why."""
    assert_blocked(tiny_server.url, b"refused this hook (413", key="k")
    result = run_shim(PRE_TOOL_USE, "--url", tiny_server.url, key="k")
    assert result.returncode == 0
    assert b"hook (413" in result.stderr


@pytest.mark.parametrize("tiny_server", [(400, False)], indirect=True, ids=["400"])
def test_a_hook_the_shim_cannot_parse_either_still_fails_closed(tiny_server):
    # 5,000 digits: a body the server refuses and Python's json cannot read either
    body = b'{"hook_event_name": "PreToolUse", "session_id": "s", "n": ' + b"9" * 5000 + b"}"
    blocked = run_shim(body, "--url", tiny_server.url, "--fail-closed", key="k")
    assert blocked.returncode == 2, blocked.stderr
