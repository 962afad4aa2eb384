"""The worst body we know for each detector, at any size (shared by tests and the benchmark).

Each case is text an agent could plausibly be sent, built to make one detector do the most
work per character: the two that were quadratic in the text (PEM headers without a footer,
``eyJ-`` runs), the ones that were quadratic in the number of findings (every claim checked
against every earlier one: a ``git log`` full of addresses), and the costliest confirmations
(a libphonenumber parse per phone-shaped number).
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: (unit * (size // len(unit) + 1))[:size]


def _numbered(template: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        parts: list[str] = []
        length = index = 0
        while length < size:
            part = template(index)
            parts.append(part)
            length += len(part)
            index += 1
        return "".join(parts)[:size]

    return build


WORST_CASES: dict[str, Callable[[int], str]] = {
    "private_key": _repeat("-----BEGIN RSA PRIVATE KEY-----\n"),
    "jwt": _repeat("eyJ-"),
    "aws_access_key": _repeat("AKIAIOSFODNN7EXAMPLE "),
    "aws_secret_key": _repeat("aws key="),
    "github_token": _repeat("-ghp_0123456789abcdefghijklmnopqrstuvwxyz01"),
    "slack_token": _repeat("xoxb-"),
    "secret": _repeat("token=Xk9#mQ2$vLp7wZ "),
    "email": _numbered(lambda i: f"Author: Dev {i} <dev{i}@example.com>\n"),
    "iban": _repeat("DE89 3704 0044 0532 0130 00 "),
    "card": _repeat("4111 1111 1111 1111 "),
    "national_id": _repeat("536-22-8726 "),
    "phone": _numbered(lambda i: f"415-555-{i % 10_000:04d} "),
    "bidi": _repeat("\u202e"),
}
"""Detector -> text of the given length that is worst for it."""
