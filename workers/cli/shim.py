"""The command-hook shim ``observatory hook``: post the hook on stdin, print the answer.

Claude Code's own http hooks fail open: a refused connection, a timeout or a non-2xx answer
runs the tool. The shim fails open too unless ``--fail-closed`` is given. Then, whenever
Observatory could not be consulted, for any reason, ``PreToolUse`` exits 2 and
``PermissionRequest`` answers deny, with the reason; every other hook kind is let through
(failing a ``Stop`` closed would keep the agent running).

Why Observatory did not decide (each one is named in the message, open or closed):

* no agent key found (401/403 and no key was sent: where we looked is said)
* the agent key was refused (401/403 with a key: where the key came from is said)
* server error (5xx)
* timeout
* connection refused (nothing listens there)
* unreachable (any other network error: DNS, reset, TLS)
* not Observatory's hook endpoint (any other 4xx, e.g. 404: a wrong ``--url``)

A body Observatory refuses (400, 413, 415, 422: malformed, too large) is let through when
failing open, as every other cause is; with ``--fail-closed`` a refused PreToolUse or
PermissionRequest blocks too, since its tool call was never judged (a Write of more than the
body limit would otherwise skip every guardrail).
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
import uuid

import click

from workers.cli.common import HOOK_PATH, find_agent_key, load_settings, port_option

DECISION_EVENTS = frozenset({"PreToolUse", "PermissionRequest"})
BODY_REFUSED = frozenset({400, 413, 415, 422})
_HOOK_NAME = re.compile(rb'"hook_event_name"\s*:\s*"([A-Za-z]+)"')
"""Answers about the body itself: never a reason to block."""


@click.command()
@click.option("--url", default=None, help="Observatory's base URL [env: OBSERVATORY_URL].")
@port_option
@click.option(
    "--fail-closed",
    is_flag=True,
    help="If Observatory cannot decide (no key or a refused key, server error, timeout, "
    "unreachable, a refused body), block tool calls instead of allowing them.",
)
@click.option("--timeout", type=float, default=3.0, show_default=True, help="HTTP timeout (s).")
def hook(url: str | None, port: int | None, fail_closed: bool, timeout: float) -> None:
    """Command-hook shim: read the hook JSON on stdin, post it, print the answer.

    Exit 0 with the server's hook output on success. If Observatory cannot decide (no agent
    key found, key refused, server error, timeout, connection refused, the body refused as
    malformed or too large): exit 0 (fail open), or with --fail-closed block PreToolUse
    (exit 2) and deny PermissionRequest. The message says which it was.
    """
    body = sys.stdin.buffer.read()
    settings = load_settings(port=port)
    base = (url or os.environ.get("OBSERVATORY_URL") or settings.base_url).rstrip("/")
    key, source = find_agent_key(settings)
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's own setting
        base + HOOK_PATH, data=body, method="POST", headers=headers
    )
    cause = "is unreachable"
    for _attempt in (1, 2):  # one quick retry with the same Idempotency-Key
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                sys.stdout.buffer.write(response.read())
                return
        except urllib.error.HTTPError as error:
            if error.code in BODY_REFUSED:  # never judged: undecided, like any other cause
                _undecided(body, base, f"refused this hook ({error.code}{_detail(error)})",
                           fail_closed)  # fmt: skip
                return
            cause = _http_cause(error, key, source)
            if error.code < 500:
                break  # a credential or URL problem: asking again gives the same answer
        except TimeoutError:
            cause = f"timed out after {timeout:g}s"
        except urllib.error.URLError as error:
            cause = _network_cause(error.reason, timeout)
        except ConnectionError as error:
            cause = _network_cause(error, timeout)
        if "timed out" in cause:
            break  # a second wait would outlast Claude Code's own hook timeout
    _undecided(body, base, cause, fail_closed)


def _http_cause(error: urllib.error.HTTPError, key: str | None, source: str) -> str:
    detail = _detail(error)
    if error.code in (401, 403):
        if key is None:
            return f"refused the request ({error.code}{detail}): {source}"
        return f"refused the agent key from {source} ({error.code}{detail})"
    if error.code >= 500:
        return f"answered with a server error ({error.code}{detail})"
    return f"answered {error.code}{detail}: is the URL Observatory's? (it posts to {HOOK_PATH})"


def _network_cause(reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError):
        return f"timed out after {timeout:g}s"
    if isinstance(reason, ConnectionRefusedError):
        return "is refusing connections (is Observatory running there?)"
    return f"is unreachable ({reason})"


def _detail(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read()).get("detail")
    except (ValueError, AttributeError, OSError):
        return ""
    return f": {detail}" if isinstance(detail, str) and detail else ""


def _undecided(body: bytes, base: str, cause: str, fail_closed: bool) -> None:
    try:
        event = json.loads(body).get("hook_event_name")
    except (ValueError, AttributeError):  # unparsable here too: read the hook's name anyway
        found = _HOOK_NAME.search(body)
        event = found.group(1).decode() if found else None
    message = f"Observatory at {base} {cause}"
    if not fail_closed or event not in DECISION_EVENTS:
        click.echo(f"observatory: {message}; allowing (fail-open)", err=True)
        return
    reason = f"{message}; blocked because this agent is configured to fail closed"
    if event == "PermissionRequest":
        decision = {"behavior": "deny", "message": reason}
        output = {"hookSpecificOutput": {"hookEventName": event, "decision": decision}}
        sys.stdout.write(json.dumps(output))
        return
    click.echo(reason, err=True)
    sys.exit(2)
