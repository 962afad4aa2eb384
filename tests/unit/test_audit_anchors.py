"""The anchors' own chain: a removed, reordered or forged anchor shows; an anchor kept in a
second place fills the gap left in the first."""

from __future__ import annotations

from domain.audit.anchors import (
    Anchor,
    StreamHead,
    anchor_id,
    fold_anchors,
    merge_anchors,
    parse_anchor,
)
from domain.audit.chain import GENESIS


def sign(data: bytes) -> str:
    return "sig:" + str(hash(data))


def signed(anchor: Anchor) -> bool:
    return anchor.signature == sign(anchor.signed_text())


def chain(count: int) -> list[Anchor]:
    anchors, prev = [], GENESIS
    for n in range(1, count + 1):
        heads = {"s1": StreamHead(n, f"d{n}", "session-1")}
        anchor = Anchor(f"t{n}", n * 10, n * 10, f"log{n}", heads).following(prev).signed_with(sign)
        anchors.append(anchor)
        prev = anchor_id(anchor)
    return anchors


def test_a_whole_chain_remembers_the_highest_head_of_each_stream():
    memory = fold_anchors([("f", a) for a in chain(3)], signed)
    assert not memory.problems
    assert memory.heads["s1"][0].version == 3
    assert [a.position for a in memory.checkpoints] == [10, 20, 30]


def test_a_removed_anchor_breaks_the_chain_and_a_forged_one_its_signature():
    first, _, third = chain(3)
    assert "does not follow" in fold_anchors([("f", first), ("f", third)], signed).problems[0]
    forged = Anchor(first.at, first.position, 9, first.digest, first.streams, first.prev,
                    first.signature)  # fmt: skip
    memory = fold_anchors([("f", forged)], signed)
    assert "bad signature" in memory.problems[0] and not memory.heads


def test_a_second_place_fills_a_gap_in_the_first_and_lines_round_trip():
    anchors = [parse_anchor(a.to_line()) for a in chain(3)]
    merged = merge_anchors([("file", anchors[0]), ("file", anchors[2])],
                           [("nats", a) for a in anchors])  # fmt: skip
    assert [a for _, a in merged] == anchors
    assert not fold_anchors(merged, signed).problems
