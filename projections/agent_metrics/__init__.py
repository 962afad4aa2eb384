"""Per-minute agent metrics in PostgreSQL (TimescaleDB when the extension exists)."""
