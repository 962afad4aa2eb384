"""The running code's version, read from the installed package's metadata.

``pyproject.toml`` is the only place the number is written; the CLI's ``--version``, the
OpenAPI document and ``/healthz`` all ask here.
"""

from __future__ import annotations

import functools
from importlib.metadata import version as _distribution_version


@functools.cache
def version() -> str:
    """The ``observatory`` distribution's version (read once, on first use)."""
    return _distribution_version("observatory")
