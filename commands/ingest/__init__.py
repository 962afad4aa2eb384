"""Recording hooks: the Ingestor service and the group-commit writer in front of it."""
