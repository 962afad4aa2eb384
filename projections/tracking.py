"""Tracking shared by every projection: positions move with their view, in one transaction."""

from __future__ import annotations


class StalePositionError(Exception):
    """Another runner moved the projection on since this batch was read; re-read."""
