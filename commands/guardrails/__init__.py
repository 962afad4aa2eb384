"""Guardrail commands (the PolicyDesk) and the in-memory policy each API process decides with."""
