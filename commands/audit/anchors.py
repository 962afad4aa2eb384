"""An append-only file of audit anchors (one JSON line each), outside the database.

Keep the file where the database's administrators cannot write: another volume, a host
directory synced to object storage with retention, a WORM mount. ``append`` holds an
exclusive lock while it links the new anchor to the last line, signs and writes it, so
concurrent ``audit verify`` runs still make one chain; it never rewrites a line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from domain.audit.anchors import Anchor, AnchorFormatError, anchor_id, parse_anchor
from domain.audit.chain import GENESIS


class AnchorFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> list[tuple[str, Anchor | str]]:
        """Every line in written order: an anchor, or why the line is not one."""
        if not self.path.exists():
            return []
        found: list[tuple[str, Anchor | str]] = []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    found.append((str(self.path), parse_anchor(line)))
                except AnchorFormatError as error:
                    found.append((str(self.path), f"line {number}: {error}"))
        return found

    def append(self, anchor: Anchor, sign: Callable[[bytes], str]) -> Anchor:
        """Links ``anchor`` to the file's last line, signs it and appends it durably."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._locked() as descriptor:
            signed = anchor.following(self._last_id()).signed_with(sign)
            os.write(descriptor, (signed.to_line() + "\n").encode())
            os.fsync(descriptor)
        return signed

    def _last_id(self) -> str:
        last = GENESIS
        for _, anchor in self.read():
            last = anchor_id(anchor) if isinstance(anchor, Anchor) else ""
        return last

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield descriptor
        finally:
            os.close(descriptor)  # closing releases the lock
