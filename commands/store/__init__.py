"""The event store every service writes to: one PostgreSQL table, one global order."""
