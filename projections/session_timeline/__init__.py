"""Sessions, their events, paired tool calls and subagents (PostgreSQL)."""
