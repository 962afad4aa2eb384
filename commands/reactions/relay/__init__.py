"""The relay: the event log to NATS JetStream (``worker``), in its public form, the stream's
contract (``public_events``: documents and their JSON Schemas, docs/stream.md)."""
