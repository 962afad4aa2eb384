"""Privacy: personal data and secrets found once, at ingest, and redacted everywhere after."""
