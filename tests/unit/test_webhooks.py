"""Webhook destinations are checked when read, so a typo fails at start-up with a clear error."""

from __future__ import annotations

import pytest

from infra.webhooks import WebhookConfigError, body_for, parse_destinations


@pytest.mark.parametrize(("raw", "problem"), [
    ("not json", "is not JSON"),
    ('{"tenant": "a"}', "must be a JSON list"),
    ('[{"kind": "slack", "url": "https://x"}]', "`tenant` is required"),
    ('[{"tenant": "a", "kind": "teams", "url": "https://x"}]', "slack or discord"),
    ('[{"tenant": "a", "kind": "slack", "url": "ftp://x"}]', "http(s) URL"),
    ('[{"tenant": "a", "kind": "slack", "url": "https://x", "min_severity": "loud"}]',
     "min_severity"),
])  # fmt: skip
def test_bad_destinations_are_refused_with_the_reason(raw: str, problem: str):
    with pytest.raises(WebhookConfigError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_destinations(raw)


def test_a_destination_names_itself_without_its_secret_url():
    (destination,) = parse_destinations(
        '[{"tenant": "a", "kind": "slack", "url": "https://hooks.slack.com/services/SECRET"}]'
    )
    assert "SECRET" not in destination.name and destination.name.startswith("slack:")


def test_each_tool_gets_the_body_it_expects():
    assert body_for("slack", "hi") == {"text": "hi"}
    assert body_for("discord", "x" * 3000) == {"content": "x" * 2000}
