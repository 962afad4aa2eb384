"""Group commit sizes its batches by records, not requests: one OTLP export of many records
fills a batch as many hooks would (a fake recorder: this is the queue's own logic)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from commands.ingest.group_commit import GroupCommitter
from commands.ingest.messages import Receipt


@dataclass(frozen=True)
class Work:
    records: int


async def test_a_batch_grows_until_it_holds_max_batch_records_and_never_splits_a_command():
    batches: list[list[int]] = []
    gate = asyncio.Event()

    async def record(commands: Sequence[Work]) -> list[Receipt]:
        await gate.wait()  # everything below queues while the first batch "commits"
        batches.append([c.records for c in commands])
        return [Receipt(200, b"", None) for _ in commands]

    committer = GroupCommitter(record, max_batch=10)  # type: ignore[arg-type]
    await committer.start()
    sizes = [1, 6, 3, 2, 9, 1, 1, 12, 1]
    futures = [committer.enqueue(Work(n)) for n in sizes]  # type: ignore[arg-type]
    gate.set()
    await asyncio.gather(*futures)
    await committer.stop()

    assert [n for batch in batches for n in batch] == sizes  # in order, each once
    # a batch takes commands while it holds fewer than max_batch records (counting requests,
    # all nine would have gone in one); a command is never split
    assert batches == [[1, 6, 3], [2, 9], [1, 1, 12], [1]]
