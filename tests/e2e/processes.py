"""Starting Observatory processes the way users do, and waiting for them properly."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

OBSERVATORY = str(Path(sys.executable).with_name("observatory"))


def env(**values: str) -> dict[str, str]:
    """This environment without its OBSERVATORY_* variables, plus ``values``; no OTLP/gRPC
    port unless given (tests share the machine's 4317, and replicas of one test would too)."""
    merged = {k: v for k, v in os.environ.items() if not k.startswith("OBSERVATORY_")}
    merged["OBSERVATORY_OTLP_GRPC_PORT"] = "0"
    merged.update(values)
    return merged


def start(args: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [OBSERVATORY, *args],
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen[bytes], sig: int) -> None:
    """Signals the process and everything it started (uvicorn workers, the ingest writer)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], log: Path, limit: float = 60.0
) -> None:
    """Polls /readyz until the server answers (it is starting, not converging)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the process exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)  # polling a starting server, not waiting for consistency
    raise RuntimeError(f"not ready after {limit}s:\n{log.read_text()}")


def cli(args: list[str], environment: dict[str, str]) -> str:
    """Runs an ``observatory`` command to completion; its standard output."""
    result = subprocess.run(
        [OBSERVATORY, *args], env=environment, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def credentials(environment: dict[str, str]) -> tuple[str, str]:
    """(agent key, admin token) made with the CLI, as an operator would."""
    key = cli(["auth", "keys", "create", "--name", "e2e", "--quiet"], environment)
    token = cli(["auth", "token", "--role", "admin", "--ttl", "1h", "--quiet"], environment)
    return key, token


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def graphql(base_url: str, query: str, token: str, **variables: object) -> dict:
    response = httpx.post(
        base_url + "/graphql", json={"query": query, "variables": variables}, timeout=30,
        headers=bearer(token),
    )  # fmt: skip
    body = response.json()
    assert "errors" not in body, body
    return body["data"]
