"""Errors of the ML model registry.

ModelError
├── ModelVersionInvalidError        a trained version's data is refused; ``problems`` says why
├── ModelVersionNotFoundError       no such version for this tenant (also: another tenant's)
├── ModelVersionExistsError         a version with that kind and label is already registered
├── ModelVersionRetiredError        a retired version cannot be promoted or retired again
└── ModelVersionAlreadyPromotedError  the version is already the promoted one of its kind
"""

from __future__ import annotations


class ModelError(Exception):
    """Base of this context's errors."""


class ModelVersionInvalidError(ModelError, ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ModelVersionNotFoundError(ModelError, LookupError):
    def __init__(self, version_id: object) -> None:
        self.version_id = str(version_id)
        super().__init__(f"no model version {self.version_id}")


class ModelVersionExistsError(ModelError):
    def __init__(self, kind: str, label: str) -> None:
        self.kind, self.label = kind, label
        super().__init__(f"a {kind} model {label!r} is already registered")


class ModelVersionRetiredError(ModelError):
    def __init__(self, version_id: object) -> None:
        self.version_id = str(version_id)
        super().__init__(f"model version {self.version_id} is retired")


class ModelVersionAlreadyPromotedError(ModelError):
    def __init__(self, version_id: object) -> None:
        self.version_id = str(version_id)
        super().__init__(f"model version {self.version_id} is already promoted")
