"""Commands the CLI prints for the user to copy: they must run as printed.

A clone runs ``.venv/bin/observatory`` (``make up``), which is not on ``PATH``; an installed
package runs ``observatory``. So the prefix is whatever would start *this* executable from
the current directory, and a sample folder is named only where it exists.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from dataclasses import fields
from pathlib import Path

from infra.settings import Settings, default_data_dir

SAMPLE = Path("tests/corpus/claude_hooks/s1_ledger_api")
"""The sample session of a clone (relative to the clone's root)."""


def command_prefix(argv0: str | None = None, cwd: Path | None = None) -> str:
    """``observatory`` when that is on PATH and is this program, else its path: relative to
    the current directory when inside it (``.venv/bin/observatory``), else absolute."""
    program = Path(argv0 if argv0 is not None else sys.argv[0])
    if program.name == "__main__.py":  # python -m workers.cli
        return f"{sys.executable} -m workers.cli"
    here = (cwd or Path.cwd()).resolve()
    resolved = program.resolve() if program.parent != Path() else None
    on_path = shutil.which("observatory")
    if resolved is None or (on_path and Path(on_path).resolve() == resolved):
        return "observatory"
    absolute = (program if program.is_absolute() else (here / program)).absolute()
    if here == Path(here.anchor) or not absolute.is_relative_to(here):
        return str(absolute)
    return str(absolute.relative_to(here))


def sample_replay(prefix: str, cwd: Path | None = None) -> str:
    """The replay command of the sample session, or of a folder the user names."""
    if ((cwd or Path.cwd()) / SAMPLE).is_dir():
        return f"{prefix} replay {SAMPLE}"
    return f"{prefix} replay DIR   # a folder of Claude Code hook JSON files"


def second_terminal(settings: Settings) -> list[str]:
    """The exports another terminal needs to reach this ``up``: its data dir (where the keys,
    the embedded servers and their addresses are) and its port, when not the defaults."""
    default_port = next(f.default for f in fields(Settings) if f.name == "port")
    exports = []
    if settings.data_dir.resolve() != default_data_dir().resolve():
        absolute = str(settings.data_dir.absolute())  # another terminal may be elsewhere
        exports.append(f"  export OBSERVATORY_DATA_DIR={shlex.quote(absolute)}")
    if settings.port != default_port:
        exports.append(f"  export OBSERVATORY_PORT={settings.port}")
    return [
        f"In another terminal, as the same user (the CLI finds the keys and the servers in "
        f"{settings.data_dir}):",
        *exports,
    ]
