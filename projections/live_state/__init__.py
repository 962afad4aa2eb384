"""Live state in Redis: active sessions, each session's latest events, counters, pub/sub."""
