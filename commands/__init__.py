"""Application services (eventsourcing ``Application``s): one method per command."""
