"""Errors of the alerts context.

AlertError
├── AssessmentInvalidError      a score or its features cannot be recorded; ``problems`` says why
├── ThresholdsInvalidError      a model's thresholds are not numbers rising with severity
├── AlertNotFoundError          no such alert for this tenant (also: another tenant's)
├── AlertResolvedError          the alert is resolved: resolution is final
└── AlertAcknowledgedError      the alert is already acknowledged
"""

from __future__ import annotations


class AlertError(Exception):
    """Base of this context's errors."""


class AssessmentInvalidError(AlertError, ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ThresholdsInvalidError(AlertError, ValueError):
    def __init__(self, problem: str) -> None:
        super().__init__(f"thresholds: {problem}")


class AlertNotFoundError(AlertError, LookupError):
    def __init__(self, alert_id: object) -> None:
        self.alert_id = str(alert_id)
        super().__init__(f"no alert {self.alert_id}")


class AlertResolvedError(AlertError):
    def __init__(self, alert_id: object) -> None:
        self.alert_id = str(alert_id)
        super().__init__(f"alert {self.alert_id} is resolved; resolution is final")


class AlertAcknowledgedError(AlertError):
    def __init__(self, alert_id: object) -> None:
        self.alert_id = str(alert_id)
        super().__init__(f"alert {self.alert_id} is already acknowledged")
