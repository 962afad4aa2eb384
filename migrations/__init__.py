"""Ordered, idempotent SQL for read models and ingest tables.

Applied in order by ``observatory migrate`` (and at start-up by ``observatory up``).
"""
