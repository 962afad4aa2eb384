"""Errors of the guardrails context.

GuardrailError
├── RuleDefinitionError      a rule (or rule file) is not valid; ``problems`` says where
├── RuleNotFoundError        no rule with that id in the policy
├── RuleExistsError          a rule with that id is already in the policy
└── NotQuarantinedError      release of a target that is not quarantined
"""

from __future__ import annotations


class GuardrailError(Exception):
    """Base of this context's errors."""


class RuleDefinitionError(GuardrailError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class RuleNotFoundError(GuardrailError):
    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"no rule {rule_id!r} in the policy")


class RuleExistsError(GuardrailError):
    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"a rule {rule_id!r} is already in the policy; change it instead")


class NotQuarantinedError(GuardrailError):
    def __init__(self, target: str) -> None:
        self.target = target
        super().__init__(f"{target} is not quarantined")
