"""DataLoaders: one per file, batching per-session lookups into one query."""
