"""Where ``audit verify`` keeps its anchors: an append-only file, and NATS when configured.

Reading merges both places (an anchor kept in either counts: deleting it from one does not
make the database forget it); writing appends the new checkpoint's anchor to both. NATS is
the second copy: when it cannot be reached the run says so and goes on with the file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commands.audit.anchors import AnchorFile
from commands.audit.verifier import Checkpoint, Verification, write_checkpoint
from domain.audit.anchors import Anchor, AnchorMemory, fold_anchors, merge_anchors
from infra.settings import Settings


def anchor_path(settings: Settings) -> Path:
    """The configured file, else one per schema in the data dir (instances sharing a data
    dir but not a log keep apart chains)."""
    default = settings.data_dir / "audit" / f"anchors-{settings.database_schema}.jsonl"
    return settings.audit_anchor_file or default


@dataclass
class AnchorPlaces:
    file: AnchorFile
    nats: Any = None
    """A ``NatsAnchors`` (see ``workers/audit_anchors_nats.py``), or None."""
    warnings: list[str] = field(default_factory=list)
    anchored: bool = False
    """Whether this run's checkpoint reached the file (False: not written, or it failed)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> AnchorPlaces:
        nats = None
        if settings.nats_url:
            from workers.audit_anchors_nats import NatsAnchors

            nats = NatsAnchors(settings)
        return cls(AnchorFile(anchor_path(settings)), nats)

    def remember(self, signed: Callable[[Anchor], bool], checkpoints: int) -> AnchorMemory:
        """Every anchor kept in either place, folded (chain and signatures checked)."""
        found = self.file.read()
        if self.nats is not None:
            try:
                found = merge_anchors(found, asyncio.run(self.nats.read()))
            except Exception as error:  # noqa: BLE001 - the file still holds the anchors
                self.warnings.append(f"could not read the anchors kept in NATS ({error}); "
                                     "checked those in the file only")  # fmt: skip
        memory = fold_anchors(found, signed)
        if not memory.count and checkpoints:
            self.warnings.append(
                f"the database has {checkpoints} signed checkpoints but no anchor was found in "
                f"{self.file.path}: if anchors were kept elsewhere, set "
                "OBSERVATORY_AUDIT_ANCHOR_FILE to that file (this run starts a new one)"
            )
        return memory

    def checkpoint(
        self,
        store: Any,
        result: Verification,
        memory: AnchorMemory,
        sign: Callable[[bytes], str],
        by: str,
    ) -> None:
        """Records the run's checkpoint in the database and anchors it in every place."""
        pending = Checkpoint(result.position, result.events, result.digest, "")
        signed = Checkpoint(pending.position, pending.events, pending.digest,
                            sign(pending.signed_text()))  # fmt: skip
        write_checkpoint(store, signed, by)
        changed = {s: h for s, h in result.heads.items() if not memory.unchanged(s, h)}
        at = datetime.now(UTC).isoformat(timespec="seconds")
        try:
            anchor = self.file.append(
                Anchor(at, result.position, result.events, result.digest, changed), sign
            )
        except OSError as error:
            self.warnings.append(
                f"the checkpoint is in the database but could not be anchored in "
                f"{self.file.path} ({error.strerror or error}): make it writable, or set "
                "OBSERVATORY_AUDIT_ANCHOR_FILE to a file that is"
            )
            return
        self.anchored = True
        if self.nats is not None:
            try:
                asyncio.run(self.nats.publish(anchor))
            except Exception as error:  # noqa: BLE001 - the file has it; say NATS missed it
                self.warnings.append(f"could not anchor in NATS ({error}); the file has it")
