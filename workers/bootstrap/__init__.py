"""The composition root: every process of Observatory is built here, and nowhere else.

One module per role, each with a function that takes the ``Settings`` (and the database URL
the entry point resolved) plus optional overrides, and returns the wired thing, as in
cosmicpython's ``bootstrap()``; the CLI (``workers.cli``) parses options and calls these,
and the tests call the same functions with their own settings and overrides:

- ``api.api_app``: the HTTP app (ingest, GraphQL, audit, metrics), connected in its lifespan;
  ``serving.serve_http`` runs it under uvicorn, with the host's ingest writer beside N workers;
- ``projections.PROJECTIONS``: every projection by name, with how its view is connected;
  ``projectors.projector_set`` runs a set of them (``observatory project``),
  ``projectors.runner`` / ``worker`` build one;
- ``relay.relay``, ``scoring.scoring``, ``jobs.start_jobs``: the other worker roles;
- ``writer.run_ingest_writer``: the host's ingest writer, which imports no web stack
  (``tests/unit/test_bootstrap_imports.py`` and an import-linter contract hold it to that).

This package imports nothing at import time, so that loading one role never loads another's
libraries (the writer must not load Litestar).
"""
