"""docs/stream.md lists every public event with its JSON Schema, generated from
``commands/reactions/relay/public_events.py``; this test keeps the two in step.

Run ``UPDATE_DOCS=1 pytest tests/unit/test_stream_docs.py`` after changing the table.
"""

from __future__ import annotations

import json
import os

from commands.reactions.relay.public_events import SPECS, json_schema
from tests.conftest import ROOT

BEGIN = "<!-- BEGIN GENERATED: UPDATE_DOCS=1 pytest tests/unit/test_stream_docs.py -->"
END = "<!-- END GENERATED -->"


def generated() -> str:
    lines = ["| type | event class | what |", "|---|---|---|"]
    for name, spec in SPECS.items():
        cls = spec.event_class
        lines.append(f"| `{name}` | `{cls.__module__}:{cls.__qualname__}` | {spec.description} |")
    lines += ["", "### JSON Schemas (draft 2020-12)", "",
              "One per type, on one line each (`$id` names it; pipe through `jq .` to read).",
              ""]  # fmt: skip
    for name, spec in SPECS.items():
        schema = json.dumps(json_schema(spec), ensure_ascii=False)
        lines += [f"#### `{name}`", "", "```json", schema, "```", ""]
    return "\n".join(lines)


def test_the_stream_docs_list_every_public_event_with_its_schema():
    path = ROOT / "docs" / "stream.md"
    text = path.read_text()
    before, rest = text.split(BEGIN + "\n", 1)
    _, after = rest.split(END, 1)
    current = f"{before}{BEGIN}\n{generated()}{END}{after}"
    if os.environ.get("UPDATE_DOCS"):
        path.write_text(current)
    assert text == current, f"docs/stream.md is out of date: UPDATE_DOCS=1 pytest {__file__}"
