"""OTLP/HTTP receivers: the agents' own telemetry (logs first)."""
