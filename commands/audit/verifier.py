"""``audit verify``: every stream's chain, every version, and the signed log checkpoints.

Three checks, one pass over the log in global order:

* versions: each stream's events are numbered 1, 2, 3… with no gap (a deleted event shows);
* stream chains: each session event names the digest of the one before (an altered event
  breaks the link from the next);
* log checkpoints: the digest of the whole log (``domain.audit.chain.fold``) must equal each
  signed checkpoint's when the walk reaches its position, and the signature must hold. This
  pins what no later event vouches for: the last events of streams and whole streams.
* anchors (``domain.audit.anchors``), the same checkpoints kept outside the database: each
  must still be in the checkpoint table and match the log, and every stream must still reach
  the version and digest last anchored for it. This catches deleting checkpoint rows together
  with the newest events or whole streams.

A full verification that finds nothing wrong records a new signed checkpoint at the head
(and the caller anchors it), so the next run (e.g. hourly from cron) proves nothing changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg.sql import SQL, Identifier

from commands.store.application import EventStoreApplication
from domain.audit.anchors import Anchor, AnchorMemory, StreamHead
from domain.audit.chain import GENESIS, event_digest, fold
from domain.sessions.values import session_stream_id

PAGE = 2_000


@dataclass(frozen=True)
class Checkpoint:
    position: int
    events: int
    digest: str
    signature: str

    def signed_text(self) -> bytes:
        return f"observatory-checkpoint:{self.position}:{self.events}:{self.digest}".encode()


@dataclass(frozen=True)
class Problem:
    problem: str
    position: int | None = None
    stream_id: str | None = None
    session_id: str | None = None
    version: int | None = None


@dataclass
class Verification:
    events: int = 0
    streams: int = 0
    position: int = 0
    digest: str = GENESIS
    checkpoints: int = 0
    anchors: int = 0
    problems: list[Problem] = field(default_factory=list)
    heads: dict[str, StreamHead] = field(default_factory=dict)
    """Every stream's head at the end of a full run: what the next anchor records."""

    @property
    def intact(self) -> bool:
        return not self.problems


@dataclass
class _Stream:
    version: int = 0
    head: str = GENESIS
    session_id: str | None = None
    at_anchor: str | None = None
    """Digest of the event at the version last anchored for this stream, once walked."""


class AuditVerifier:
    def __init__(
        self,
        store: EventStoreApplication,
        checkpoints: list[Checkpoint] | None = None,
        check_signature: Callable[[Checkpoint], bool] | None = None,
        anchors: AnchorMemory | None = None,
    ) -> None:
        self._store = store
        self._checkpoints = sorted(checkpoints or [], key=lambda c: c.position)
        self._check_signature = check_signature
        self._anchors = anchors or AnchorMemory()

    def verify_log(self, progress: Callable[[int, int], None] | None = None) -> Verification:
        head = int(self._store.recorder.max_notification_id() or 0)
        result = Verification(position=head)
        streams: dict[UUID, _Stream] = {}
        pending: list[Checkpoint | Anchor] = list(self._checkpoints)
        for checkpoint in self._checkpoints:
            if self._check_signature is not None and not self._check_signature(checkpoint):
                result.problems.append(Problem(
                    f"checkpoint at {checkpoint.position} has a bad signature: the checkpoint "
                    "table was altered", checkpoint.position,
                ))  # fmt: skip
        self._missing_checkpoints(result)
        rows = {(c.position, c.events, c.digest) for c in self._checkpoints}
        pending += [a for a in self._anchors.checkpoints  # each mismatch said once
                    if (a.position, a.events, a.digest) not in rows]  # fmt: skip
        pending.sort(key=lambda c: c.position)
        heads = self._anchors.heads
        for position, event in self._walk(head, result):
            while pending and position > pending[0].position:
                self._compare(pending.pop(0), result)
            stream = streams.setdefault(event.originator_id, _Stream())
            self._check(event, position, stream, result)
            anchored = heads.get(str(event.originator_id))
            if anchored is not None and anchored[0].version == stream.version:
                stream.at_anchor = stream.head
            result.digest = fold(result.digest, position, event)
            result.events += 1
            if progress is not None and result.events % PAGE == 0:
                progress(position, head)
        for pinned in pending:
            if pinned.position <= head:
                self._compare(pinned, result)
            else:
                result.problems.append(Problem(
                    f"the log ends at {head}, before the checkpoint at {pinned.position}: "
                    "events were deleted", pinned.position,
                ))  # fmt: skip
        result.streams = len(streams)
        result.heads = {str(i): StreamHead(s.version, s.head, s.session_id)
                        for i, s in streams.items()}  # fmt: skip
        found = {str(i): s for i, s in streams.items()}
        for stream_id in heads:
            self._against_anchor(stream_id, found.get(stream_id), result)
        return result

    def verify_session(self, tenant_id: str, session_id: str) -> Verification:
        """One session's stream: versions and chain (the log checkpoints need a full run)."""
        stream_id = session_stream_id(tenant_id, session_id)
        result = Verification()
        stream = _Stream()
        anchored = self._anchors.heads.get(str(stream_id))
        for event in self._store.events.get(stream_id):
            self._check(event, None, stream, result)
            if anchored is not None and anchored[0].version == stream.version:
                stream.at_anchor = stream.head
            result.events += 1
        result.streams = 1 if result.events else 0
        if not result.events and anchored is None:
            result.problems.append(Problem(f"no session {session_id!r} in tenant {tenant_id!r}"))
        elif anchored is not None:
            self._against_anchor(str(stream_id), stream if result.events else None, result)
        return result

    def _missing_checkpoints(self, result: Verification) -> None:
        """Anchored checkpoints that the checkpoint table no longer holds."""
        rows = {c.position for c in self._checkpoints}
        for anchor in self._anchors.checkpoints:
            result.anchors += 1
            if anchor.position not in rows:
                result.problems.append(Problem(
                    f"the signed checkpoint at position {anchor.position} (anchored {anchor.at})"
                    " is missing from audit_checkpoints: checkpoint rows were deleted",
                    anchor.position,
                ))  # fmt: skip

    def _against_anchor(self, stream_id: str, stream: _Stream | None, result: Verification) -> None:
        """The stream must still reach the version (and digest) last anchored for it."""
        head, anchor = self._anchors.heads[stream_id]
        session = stream.session_id if stream and stream.session_id else head.session_id
        where: dict[str, Any] = {"stream_id": stream_id, "session_id": session}
        then = f"the anchor of {anchor.at} (position {anchor.position}) knew {head.version} events"
        if stream is None:
            result.problems.append(Problem(
                f"the stream is missing, but {then} of it: the whole stream was deleted",
                **where, version=head.version,
            ))  # fmt: skip
        elif stream.version < head.version:
            result.problems.append(Problem(
                f"the stream ends at version {stream.version}, but {then}: events "
                f"{stream.version + 1}..{head.version} were deleted", **where,
                version=head.version,
            ))  # fmt: skip
        elif stream.at_anchor is not None and stream.at_anchor != head.digest:
            result.problems.append(Problem(
                f"version {head.version} differs from the one anchored {anchor.at}: it was "
                "altered", **where, version=head.version,
            ))  # fmt: skip

    def _walk(self, head: int, result: Verification) -> Iterator[tuple[int, Any]]:
        start = 0
        while start < head:
            page = self._store.recorder.select_notifications(
                start=start, limit=PAGE, stop=head, inclusive_of_start=False
            )
            if not page:
                break
            for notification in page:
                try:
                    event = self._store.mapper.to_domain_event(notification)
                except Exception as error:  # noqa: BLE001 - an unreadable event is a finding
                    result.problems.append(Problem(
                        f"cannot decode the event: {type(error).__name__}: {error}",
                        notification.id, str(notification.originator_id),
                        version=notification.originator_version,
                    ))  # fmt: skip
                    continue
                yield notification.id, event
            start = page[-1].id

    @staticmethod
    def _check(event: Any, position: int | None, stream: _Stream, result: Verification) -> None:
        version = int(event.originator_version)
        session_id = getattr(event, "session_id", None) or stream.session_id
        stream.session_id = session_id
        where: dict[str, Any] = {"position": position, "stream_id": str(event.originator_id),
                                 "session_id": session_id, "version": version}  # fmt: skip
        if version != stream.version + 1:
            missing = (
                f"events {stream.version + 1}..{version - 1} are missing"
                if version > stream.version + 1
                else "the version repeats or goes back"
            )
            result.problems.append(Problem(f"version {version}: {missing}", **where))
        prev_hash = getattr(event, "prev_hash", None)
        if prev_hash is not None and prev_hash != stream.head:
            result.problems.append(Problem(
                f"version {version}: prev_hash does not match the event before it (that event "
                "was altered, or one was removed)", **where,
            ))  # fmt: skip
        stream.version = version
        stream.head = event_digest(event)

    @staticmethod
    def _compare(checkpoint: Checkpoint | Anchor, result: Verification) -> None:
        kind = "anchored" if isinstance(checkpoint, Anchor) else "signed"
        if isinstance(checkpoint, Checkpoint):
            result.checkpoints += 1
        if (result.digest, result.events) != (checkpoint.digest, checkpoint.events):
            result.problems.append(Problem(
                f"the log up to position {checkpoint.position} differs from its {kind} "
                f"checkpoint ({result.events} events now, {checkpoint.events} then): an event at "
                "or before it was altered, removed or added", checkpoint.position,
            ))  # fmt: skip


def read_checkpoints(store: EventStoreApplication) -> list[Checkpoint]:
    datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as conn:
        rows = conn.execute(
            SQL("SELECT position, events, digest, signature FROM {}.audit_checkpoints"
                " ORDER BY position").format(Identifier(datastore.schema))
        ).fetchall()  # fmt: skip
    return [Checkpoint(int(r["position"]), int(r["events"]), str(r["digest"]),
                       str(r["signature"])) for r in rows]  # fmt: skip


def write_checkpoint(store: EventStoreApplication, checkpoint: Checkpoint, by: str) -> None:
    datastore: Any = store.recorder.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as conn:
        conn.execute(
            SQL("INSERT INTO {}.audit_checkpoints (position, events, digest, signature,"
                " created_by) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING"
                ).format(Identifier(datastore.schema)),
            (checkpoint.position, checkpoint.events, checkpoint.digest, checkpoint.signature, by),
        )  # fmt: skip
