"""Settings, connections, migrations and the embedded stack (no domain logic)."""
