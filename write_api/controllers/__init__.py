"""HTTP controllers of the write side, one per ingest door."""
