"""Schemathesis against the running app's own OpenAPI document (``/schema/openapi.json``),
over real HTTP, as an admin: every operation with generated parameters and bodies, valid
(positive) and schema-violating (negative). Each answer keeps the contract of
``tests/fuzzing.py``; a refused request records nothing."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from infra.access.principal import Role
from tests.fuzzing import FUZZ, HANG_SECONDS, FuzzTarget, check_answer, fuzz_target

__all__ = ["fuzz_target"]

EXAMPLES = 15
"""Per operation and mode: 23 operations, so about 700 requests in all."""


@pytest.fixture(scope="module")
def openapi(fuzz_target: FuzzTarget) -> schemathesis.BaseSchema:
    config = schemathesis.Config.from_dict(
        {"generation": {"mode": "all", "deterministic": True,
                        "max-examples": EXAMPLES, "database": "none"}}
    )  # fmt: skip
    return schemathesis.openapi.from_url(
        f"{fuzz_target.server.base_url}/schema/openapi.json", config=config
    )


def test_every_operation_answers_within_the_contract(openapi, fuzz_target: FuzzTarget):
    # One hypothesis run per operation and mode (schemathesis' pytest loader does not run
    # under pytest 9: it sets Function._nodeid).
    headers = {"authorization": f"Bearer {fuzz_target.tokens[Role.ADMIN]}"}
    operations = [result.ok() for result in openapi.get_all_operations()]
    assert len(operations) > 20, [op.label for op in operations]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(mode))
            @settings(FUZZ, max_examples=EXAMPLES, suppress_health_check=list(HealthCheck))
            def call(case: schemathesis.Case) -> None:
                before = fuzz_target.stored()
                response = case.call(headers=headers, timeout=HANG_SECONDS)
                kind = response.headers.get("content-type", [""])
                check_answer(
                    f"{case.method} {case.formatted_path}", response.status_code,
                    kind[0] if isinstance(kind, list) else kind, response.text,
                )  # fmt: skip
                if response.status_code >= 400:
                    assert fuzz_target.stored() == before, response.text

            try:
                call()
            except Unsatisfiable:
                # Nothing to violate: the operation takes no parameters and no body.
                assert mode is GenerationMode.NEGATIVE, operation.label
