"""What a newcomer reads must run: every shell command of the README's ``sh`` blocks and of
the banner ``up`` prints, run as printed against a real ``up``.

The test builds what a clone looks like after ``make up``: a folder whose entries are the
repository's (linked), plus ``.venv/bin/observatory`` (linked to the observatory under
test), and starts ``.venv/bin/observatory up`` from it, as ``make up`` does. Each command
then runs in bash from that folder with ``HOME`` in the test's own directory (``hooks
install`` writes Claude Code settings there, not in yours), and must exit 0 with every path
it mentions existing once it has run.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.embedded.postgres import free_port
from tests.conftest import ROOT, S1
from tests.e2e.processes import OBSERVATORY, env, wait_until_ready

NOT_RUN = {
    "make up": "installs .venv, then runs `.venv/bin/observatory up`, which this test runs",
    "make test": "runs the whole suite, this test included; CI runs it",
}
"""README commands that cannot run inside a test, and why."""

PLACEHOLDERS = {"SESSION_ID": S1["id"]}
"""The README's placeholders, filled with the sample session the README replays first."""

DEFAULT_DATA_DIRS = ("~/.local/share/observatory", "/var/lib/observatory")
"""The README's data dirs (user, root) stand for this test's: a second terminal uses up's."""


@dataclass
class Up:
    clone: Path
    home: Path
    data_dir: Path
    port: int
    banner: str


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    base = tmp_path_factory.mktemp("readme")
    clone, home = base / "clone", base / "home"
    home.mkdir()
    clone.mkdir()
    for entry in ROOT.iterdir():  # dot entries (.git, .claude…) stay out: commands write here
        if not entry.name.startswith("."):
            (clone / entry.name).symlink_to(entry)
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / ".venv" / "bin" / "observatory").symlink_to(OBSERVATORY)
    # Under /tmp and world-traversable: as root the embedded server runs as its own user.
    data_dir = Path("/tmp") / f"observatory-readme-{uuid.uuid4().hex[:8]}"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    port = free_port()
    log = base / "up.log"
    environment = clean_env(home, OBSERVATORY_DATA_DIR=str(data_dir), OBSERVATORY_PORT=str(port))
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [".venv/bin/observatory", "up"], cwd=clone, env=environment, stdout=handle,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process, log, limit=120)
        banner = _banner(log, process)
        yield Up(clone, home, data_dir, port, banner)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
        assert not (data_dir / "run" / "stack.json").exists(), log.read_text()
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)


def _banner(log: Path, process: subprocess.Popen[bytes], limit: float = 120.0) -> str:
    """The banner, once printed in full (the server answers just before it is printed).
    ``limit`` is past the supervisor's START_ANYWAY (60 s): up may hold its API back that long
    until the projectors lead, on a slow machine."""
    deadline = time.monotonic() + limit
    while "Press Ctrl-C to stop." not in (text := log.read_text()):
        assert process.poll() is None and time.monotonic() < deadline, text
        time.sleep(0.05)  # polling a starting process's log for its banner
    return text.split("Observatory is running.", 1)[1]


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def banner_commands(banner: str) -> list[str]:
    pattern = re.compile(r"^ +((?:\.venv/bin/|/\S+/)?observatory .+|export [A-Z_]+=.+)$")
    return [m.group(1) for line in banner.splitlines() if (m := pattern.match(line))]


def mentioned_paths(command: str, home: Path, clone: Path) -> list[str]:
    """The file system paths a command names (URLs, options and e-mail addresses are not; a
    relative word is a path when it starts in the clone, so ``http/protobuf`` is a value)."""
    paths = []
    for token in shlex.split(command, comments=True):
        for word in re.split(r"[=()]|\$\(", token):
            if "/" not in word or "://" in word or word.startswith("-"):
                continue
            if word.startswith(("/", "~", ".")) or (clone / word.split("/")[0]).exists():
                paths.append(word.replace("~", str(home), 1) if word.startswith("~") else word)
    return paths


def clean_env(home: Path, **values: str) -> dict[str, str]:
    """No OBSERVATORY_* variables and no observatory on PATH: a fresh clone's shell."""
    path = [
        p
        for p in os.environ.get("PATH", "").split(":")
        if p and not (Path(p) / "observatory").exists()
    ]
    return env(HOME=str(home), PATH=":".join(path), COLUMNS="200", **values)


def assert_runs(command: str, up: Up, prelude: str = "", **extra: str) -> str:
    result = subprocess.run(
        ["bash", "-c", f"set -e\n{prelude}{command}"], cwd=up.clone, capture_output=True,
        text=True, timeout=120, check=False, env=clean_env(up.home, **extra),
        input="y\n",  # a confirmation prompt (privacy erase) gets the user's "y"
    )  # fmt: skip
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    for path in mentioned_paths(command, up.home, up.clone):
        assert (up.clone / path).exists(), f"{command}: {path} does not exist"
    return result.stdout


def test_every_readme_command_runs_in_a_clone(up):
    second_terminal = {"OBSERVATORY_DATA_DIR": str(up.data_dir), "OBSERVATORY_PORT": str(up.port)}
    skipped = set()
    for line in readme_commands():
        if line.split("#")[0].strip() in NOT_RUN:
            skipped.add(line.split("#")[0].strip())
            continue
        command = line
        for name, value in PLACEHOLDERS.items():
            command = command.replace(name, value)
        for default in DEFAULT_DATA_DIRS:
            command = command.replace(default, str(up.data_dir))
        output = assert_runs(command, up, **second_terminal)
        if "projections status" in command:  # up's Valkey, found through the data dir
            live = next(line for line in output.splitlines() if "live_state" in line)
            # position, log head, lag, parked, then the runner
            assert re.search(r"live_state\W+\d+\W+\d+\W+\d+\W+\d+\W+running", live), output
    assert skipped == set(NOT_RUN), "NOT_RUN lists a command the README no longer has"


def test_every_command_the_banner_prints_runs_as_printed(up):
    commands = banner_commands(up.banner)
    assert any(" replay tests/corpus/claude_hooks/s1_ledger_api" in c for c in commands)
    assert all(c.startswith((".venv/bin/observatory ", "export ")) for c in commands), commands
    # The banner's exports are all another terminal gets: nothing from the test's environment.
    exports = "".join(c + "\n" for c in commands if c.startswith("export "))
    for command in commands:
        assert_runs(command, up, prelude=exports)
    assert (up.home / ".claude" / "settings.json").exists()  # hooks install wrote the user's
