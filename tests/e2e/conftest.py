"""Real-server fixtures (see tests/live.py)."""

from tests.live import (  # noqa: F401 - pytest discovers fixtures by name
    client,
    db,
    live_server,
    settings,
    store,
    timeline,
)
