"""The write side over HTTP: ingest endpoints (Claude Code hooks, send_event envelopes)."""
