"""Read models: one package per view (projection, view port, adapters, read-only queries)."""
