"""The audit log read model: who did what, when (every command anyone issued)."""
