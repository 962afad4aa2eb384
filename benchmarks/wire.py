"""What a command costs on the socket between an API worker and the host's ingest writer.

Encodes and decodes 10,000 commands made from the corpus (every hook of both sample sessions
in turn, with a ruling on PreToolUse/PermissionRequest, a reply, a request hash; some with
redacted kinds and sealed originals) through the product's wire format and through the
positional tuples it replaced (copied below, for this comparison only), in the same run, and
prints microseconds per command (encode + decode, best of the interleaved rounds, GC off) and bytes per command.

    .venv/bin/python benchmarks/wire.py [--commands 10000] [--batch 16] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from commands.ingest import wire
from commands.ingest.messages import RecordHook
from domain.sessions.hooks import HookFacts
from domain.sessions.ruling import Ruling
from domain.sessions.values import ToolName

CORPUS = ROOT / "tests" / "corpus" / "claude_hooks"


# --- the positional tuples of commands/ingest/wire.py before msgspec encoded the dataclasses
_old_encoder = msgspec.msgpack.Encoder()
_old_decoder = msgspec.msgpack.Decoder()


def _facts(f: HookFacts) -> tuple[Any, ...]:
    tool = (f.tool.name, f.tool.mcp_server, f.tool.mcp_tool) if f.tool else None
    return (f.session_id, f.hook, f.agent_id, f.agent_type, tool, f.tool_use_id,
            f.subagent_type, f.duration_ms, f.cwd, f.model)  # fmt: skip


def _unfacts(t: Sequence[Any]) -> HookFacts:
    tool = ToolName(*t[4]) if t[4] is not None else None
    return HookFacts(t[0], t[1], t[2], t[3], tool, t[5], t[6], t[7], t[8], t[9])


def _ruling(r: Ruling | None) -> tuple[Any, ...] | None:
    if r is None:
        return None
    return (r.hook, r.tool_name, r.tool_use_id, r.decision, r.rule_id, r.policy_version,
            r.message, r.latency_ms, [dict(s) for s in r.shadow], r.intervention)  # fmt: skip


def _unruling(t: Sequence[Any] | None) -> Ruling | None:
    if t is None:
        return None
    return Ruling(
        t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], tuple(dict(s) for s in t[8]), t[9]
    )


def old_encode_commands(request_id: int, commands: Sequence[RecordHook]) -> bytes:
    return _old_encoder.encode(
        [request_id, [(c.tenant_id, _facts(c.facts), c.payload_json, c.received_at.isoformat(),
                       c.source, c.context_json, c.idempotency_key, c.request_sha256, c.status,
                       c.reply, _ruling(c.ruling), list(c.redacted), c.sealed)
                      for c in commands]]
    )  # fmt: skip


def old_decode_commands(frame: bytes) -> tuple[int, list[RecordHook]]:
    request_id, items = _old_decoder.decode(frame)
    return request_id, [
        RecordHook(tenant_id=i[0], facts=_unfacts(i[1]), payload_json=i[2],
                   received_at=datetime.fromisoformat(i[3]), source=i[4], context_json=i[5],
                   idempotency_key=i[6], request_sha256=i[7], status=i[8], reply=i[9],
                   ruling=_unruling(i[10]), redacted=tuple(i[11]), sealed=i[12])
        for i in items
    ]  # fmt: skip


# --- the commands


def typical_commands(n: int) -> list[RecordHook]:
    texts = [p.read_text() for d in ("s1_ledger_api", "s2_auto_mode") for p in sorted((CORPUS / d).glob("*.json"))]  # fmt: skip
    start = datetime(2026, 8, 18, 9, 12, 6, tzinfo=UTC)
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        facts = HookFacts.from_payload(json.loads(text))
        ruled = facts.hook in ("PreToolUse", "PermissionRequest")
        ruling = Ruling(facts.hook, facts.tool.name if facts.tool else None, facts.tool_use_id,
                        "ask" if i % 7 == 0 else None, "r-1" if i % 7 == 0 else None, 12,
                        "Confirm first" if i % 7 == 0 else None, 0.21,
                        ({"rule_id": "shadow-1", "decision": "deny", "message": "m"},) if i % 5 == 0 else ())  # fmt: skip
        out.append(
            RecordHook(
                tenant_id="default",
                facts=facts,
                payload_json=text,
                received_at=start + timedelta(milliseconds=i),
                source="claude-code",
                context_json='{"source_app": "ledger-api"}',
                idempotency_key=f"k-{i}",
                request_sha256="ab" * 32,
                reply=b'{"continue": true}' if ruled else b"",
                ruling=ruling if ruled else None,
                redacted=("email", "aws_access_key") if i % 9 == 0 else (),
                sealed="v1:" + "Q" * 120 if i % 9 == 0 else None,
            )
        )
    return out


IMPLEMENTATIONS = {
    "positional tuples (before)": (old_encode_commands, old_decode_commands),
    "msgspec dataclasses (now)": (wire.encode_commands, wire.decode_commands),
}


def once(
    encode: Callable[[int, Sequence[RecordHook]], bytes],
    decode: Callable[[bytes], tuple[int, list[RecordHook]]],
    batches: list[list[RecordHook]],
) -> tuple[float, float, list[bytes]]:
    """Seconds to encode all batches, seconds to decode them, the frames (GC off, as timeit)."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        frames = [encode(i, b) for i, b in enumerate(batches)]
        t1 = time.perf_counter()
        decoded = [decode(f) for f in frames]
        t2 = time.perf_counter()
    finally:
        gc.enable()
    assert [c for _, b in decoded for c in b] == [c for b in batches for c in b]
    return t1 - t0, t2 - t1, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=16, help="commands per frame")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    commands = typical_commands(args.commands)
    print(f"{platform.python_implementation()} {platform.python_version()}, "
          f"msgspec {msgspec.__version__}, {args.commands} commands, best of {args.rounds}")  # fmt: skip
    for size in sorted({1, args.batch}):
        batches = [commands[i : i + size] for i in range(0, len(commands), size)]
        best = {name: [float("inf"), float("inf"), 0] for name in IMPLEMENTATIONS}
        for _ in range(args.rounds):  # interleaved, so both see the same noisy neighbours
            for name, (encode, decode) in IMPLEMENTATIONS.items():
                e, d, frames = once(encode, decode, batches)
                b = best[name]
                b[0], b[1], b[2] = min(b[0], e), min(b[1], d), sum(map(len, frames))
        for name, (enc_s, dec_s, total_bytes) in best.items():
            e, d = enc_s / len(commands) * 1e6, dec_s / len(commands) * 1e6
            print(f"batch {size:>3}  {name:<27} encode {e:5.2f} µs  decode {d:5.2f} µs  "
                  f"total {e + d:5.2f} µs/command  {total_bytes / len(commands):,.0f} bytes/command")  # fmt: skip


if __name__ == "__main__":
    main()
