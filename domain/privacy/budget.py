"""How long screening one request may take, checked as it goes.

Every detector runs in time linear in its input, but linear can still be long (a 2 MiB body
of phone-number look-alikes asks libphonenumber about each one). The detectors call
``Budget.check()`` between regular-expression searches, so screening stops soon after the
deadline; the caller then seals what was not screened and stores a marker instead.

Invariant: once ``check()`` has raised, ``exceeded`` stays true and every later ``check()``
raises too, so nothing screened after the deadline is mistaken for screened in full.
The clock is passed in (``time.monotonic`` in production, a counter in tests).
"""

from __future__ import annotations

import math
from collections.abc import Callable


class ScreeningBudgetExceededError(Exception):
    """The request's screening budget ran out before this text was screened."""


class Budget:
    __slots__ = ("clock", "deadline", "exceeded")

    def __init__(self, clock: Callable[[], float] | None = None, deadline: float = math.inf):
        self.clock = clock
        self.deadline = deadline
        self.exceeded = False

    @classmethod
    def spent(cls) -> Budget:
        """A budget already used up: screening with it marks every value unscreened."""
        budget = cls(lambda: 0.0, 0.0)
        budget.exceeded = True
        return budget

    def check(self) -> None:
        if self.exceeded or (self.clock is not None and self.clock() >= self.deadline):
            self.exceeded = True
            raise ScreeningBudgetExceededError


UNLIMITED = Budget()
"""Never runs out (CLI tools, benchmarks, tests of what is found)."""
