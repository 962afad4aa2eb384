"""Agent sessions: one event stream per Claude Code (or OTLP) session."""
